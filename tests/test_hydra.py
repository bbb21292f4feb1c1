"""BenchMARL's own entry scripts with `algorithm=qllm`: run, evaluate, resume and a multirun sweep.

These run the installed package in subprocesses, exactly as a user would.
"""

import json
import os
import subprocess
from pathlib import Path

import benchmarl
import pytest

from env_helpers import PYTHON, run_python

BENCHMARL_DIR = Path(benchmarl.__file__).resolve().parent


@pytest.fixture(scope="module")
def hydra_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("hydra_run")
    run_python(
        [
            str(BENCHMARL_DIR / "run.py"),
            "algorithm=qllm",
            "task=vmas/balance",
            "experiment=ci_smoke",
            "experiment.max_n_frames=2100",
            "experiment.evaluation_interval=700",
            "experiment.off_policy_collected_frames_per_batch=700",
            "experiment.off_policy_n_envs_per_worker=7",
            "hydra.run.dir=out",
        ],
        cwd=cwd,
    )
    return cwd / "out"


def test_run_py_trains_and_writes_benchmarl_json(hydra_run):
    (result_file,) = [p for p in hydra_run.glob("*/*.json") if p.name != "credit_function.json"]
    results = json.loads(result_file.read_text())
    steps = results["vmas"]["balance"]["qllm"]["seed_0"]
    evaluated = [k for k in steps if k.startswith("step_")]
    assert len(evaluated) >= 3
    assert all(len(steps[k]["return"]) == 2 for k in evaluated)
    weight_log = next(hydra_run.glob("*/*/scalars/train_agents_credit_weight_agent_0.csv"))
    assert len(weight_log.read_text().strip().splitlines()) == 3  # one row per iteration


def test_evaluate_and_resume_from_checkpoint(hydra_run):
    (checkpoint,) = hydra_run.glob("*/checkpoints/checkpoint_*.pt")
    evaluated = run_python([str(BENCHMARL_DIR / "evaluate.py"), str(checkpoint)], cwd=hydra_run)
    assert "Algorithm: qllm" in evaluated.stdout
    resumed = run_python([str(BENCHMARL_DIR / "resume.py"), str(checkpoint)], cwd=hydra_run)
    assert "credit: library" in resumed.stdout


def test_multirun_sweep_over_algorithms_and_seeds(tmp_path):
    run_python(
        [
            "-m", "benchmarl.run", "-m",
            "algorithm=qllm,vdn",
            "task=vmas/balance",
            "seed=0,1",
            "experiment=ci_smoke",
            "hydra.sweep.dir=sweep",
        ],
        cwd=tmp_path,
    )
    results = [p for p in (tmp_path / "sweep").glob("*/*/*.json") if p.name != "credit_function.json"]
    found = set()
    for path in results:
        data = json.loads(path.read_text())["vmas"]["balance"]
        for algorithm, seeds in data.items():
            found.update((algorithm, seed) for seed in seeds)
    assert found == {(a, f"seed_{s}") for a in ("qllm", "vdn") for s in (0, 1)}


def test_unknown_algorithm_option_fails_clearly(tmp_path):
    env = dict(os.environ, WANDB_MODE="offline")
    proc = subprocess.run(
        [PYTHON, "-m", "benchmarl.run", "algorithm=qllm", "task=vmas/balance",
         "experiment=ci_smoke", "algorithm.igm=sometimes"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode != 0
    assert "igm must be one of" in proc.stderr
