#!/usr/bin/env bash
# The paper-budget VMAS sweep on one CUDA GPU, then its report, in one command:
#   scripts/run_vmas_gpu.sh                      # benchmarks/runs/vmas_gpu -> benchmarks/results/vmas_gpu
#   scripts/run_vmas_gpu.sh --cpu-tiny OUT       # the same pipeline on CPU with a tiny budget (tests)
# Resumable: rerun the same command to finish an interrupted sweep.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--cpu-tiny" ]]; then
  out="${2:?usage: $0 --cpu-tiny OUT}"
  python -m benchmarks.sweep vmas_gpu --out "$out/runs" --seeds 0 --tasks vmas/balance --jobs 2 -- \
    experiment.sampling_device=cpu experiment.train_device=cpu experiment.buffer_device=cpu \
    experiment.max_n_frames=400 experiment.off_policy_collected_frames_per_batch=200 \
    experiment.off_policy_n_envs_per_worker=10 experiment.off_policy_n_optimizer_steps=2 \
    experiment.off_policy_train_batch_size=32 experiment.off_policy_memory_size=2000 \
    experiment.exploration_anneal_frames=200 experiment.evaluation_interval=200 \
    experiment.evaluation_episodes=2 task.max_steps=20
  python -m benchmarks.report "$out/runs" --out "$out/report"
  exit 0
fi
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA GPU: use --cpu-tiny to test on CPU')"
python -m benchmarks.sweep vmas_gpu --out benchmarks/runs/vmas_gpu
python -m benchmarks.report benchmarks/runs/vmas_gpu --out benchmarks/results/vmas_gpu
