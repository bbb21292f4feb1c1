#!/usr/bin/env bash
# GRF tests that CI cannot afford (building gfootball takes ~16 min on 2 cores): the TorchRL
# wrapper (specs, state layout, truncation, seeds), its TFCAFs on real game states and short
# QLLM/QMIX training runs. Run in an environment with benchmarl-qllm[test] installed:
#
#   . .venv/bin/activate && bash scripts/install_gfootball.sh && bash scripts/test_gfootball.sh
#
# QLLM_REQUIRE_GFOOTBALL=1 turns "gfootball is not installed" skips into failures.
set -euo pipefail
cd "$(dirname "$0")/.."
QLLM_REQUIRE_GFOOTBALL=1 python -m pytest -q tests/test_gfootball.py "$@"
python -m benchmarl_qllm.cli check benchmarl_qllm/credit_library/gfootball/academy_3_vs_1_with_keeper.py
# env steps/s of the wrapper alone (random actions)
python benchmarks/env_throughput.py gfootball/academy_3_vs_1_with_keeper --num-envs 1 --steps 300
