"""BenchMARL's own entry scripts with `algorithm=qllm`: run, evaluate, resume and a multirun sweep.

These run the installed package in subprocesses, exactly as a user would.
"""

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import benchmarl
import pytest

from env_helpers import PYTHON, run_python

BENCHMARL_DIR = Path(benchmarl.__file__).resolve().parent
EVALUATION_EPISODES = 3


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
            f"experiment.evaluation_episodes={EVALUATION_EPISODES}",
            "hydra.run.dir=out",
        ],
        cwd=cwd,
    )
    return cwd / "out"


def test_run_py_trains_and_writes_benchmarl_json(hydra_run):
    (result_file,) = [p for p in hydra_run.glob("*/*.json") if not p.name.startswith("credit_")]
    results = json.loads(result_file.read_text())
    steps = results["vmas"]["balance"]["qllm"]["seed_0"]
    evaluated = [k for k in steps if k.startswith("step_")]
    assert len(evaluated) >= 3
    assert all(len(steps[k]["return"]) == EVALUATION_EPISODES for k in evaluated)
    weight_log = next(hydra_run.glob("*/*/scalars/collection_agents_credit_weight_agent_0.csv"))
    assert len(weight_log.read_text().strip().splitlines()) == 3  # one row per iteration


def test_evaluate_writes_one_finite_evaluation_of_the_checkpoint(hydra_run, tmp_path):
    """``benchmarl/evaluate.py <checkpoint>`` rewrites the run's results JSON with one evaluation
    of the checkpoint: ``evaluation_episodes`` finite returns at the checkpoint's frame count.
    (Resuming from a mid-run checkpoint is tested in test_resume.py.)"""
    copy = tmp_path / "out"
    shutil.copytree(hydra_run, copy)  # evaluate writes into the run folder
    (folder,) = [p for p in copy.iterdir() if (p / "config.pkl").is_file()]
    (checkpoint,) = folder.glob("checkpoints/checkpoint_*.pt")
    assert checkpoint.name == "checkpoint_2100.pt"
    eval_rows = len((next(folder.glob("*/scalars/eval_reward_episode_reward_mean.csv")))
                    .read_text().splitlines())
    evaluated = run_python([str(BENCHMARL_DIR / "evaluate.py"), str(checkpoint)], cwd=copy)
    assert "Algorithm: qllm" in evaluated.stdout and "Evaluation results logged" in evaluated.stdout
    (result_file,) = [p for p in folder.glob("*.json") if not p.name.startswith("credit_")]
    steps = json.loads(result_file.read_text())["vmas"]["balance"]["qllm"]["seed_0"]
    assert sorted(k for k in steps if k.startswith("step_")) == ["step_3"]  # 2100 // 700
    assert steps["step_3"]["step_count"] == 2100
    returns = steps["step_3"]["return"]
    assert len(returns) == EVALUATION_EPISODES and all(math.isfinite(r) for r in returns)
    # ... and logs the same evaluation through the loggers (one more row of eval scalars).
    rows = next(folder.glob("*/scalars/eval_reward_episode_reward_mean.csv")).read_text().splitlines()
    assert len(rows) == eval_rows + 1
    assert float(rows[-1].split(",")[1]) == pytest.approx(sum(returns) / len(returns), rel=1e-5)
    # No training happened: no new checkpoint.
    assert [p.name for p in folder.glob("checkpoints/*.pt")] == ["checkpoint_2100.pt"]


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
    results = [p for p in (tmp_path / "sweep").glob("*/*/*.json") if not p.name.startswith("credit_")]
    found = set()
    for path in results:
        data = json.loads(path.read_text())["vmas"]["balance"]
        for algorithm, seeds in data.items():
            found.update((algorithm, seed) for seed in seeds)
    assert found == {(a, f"seed_{s}") for a in ("qllm", "vdn") for s in (0, 1)}


@pytest.mark.parametrize("option, value, allowed", [
    ("igm", "sometimes", ("enforce", "relax")),
    ("weight_normalization", "bogus", ("none", "sum_to_one", "mean_to_one")),
    ("loss_function", "huber", ("l1", "l2", "smooth_l1")),
])
def test_bad_algorithm_option_fails_in_one_clear_line(tmp_path, option, value, allowed):
    """Rejected when BenchMARL builds the algorithm config: before any environment is built,
    and in a single line that names the option, the bad value and every valid choice."""
    env = dict(os.environ, WANDB_MODE="offline")
    env.pop("HYDRA_FULL_ERROR", None)  # what a user sees by default
    proc = subprocess.run(
        [PYTHON, "-m", "benchmarl.run", "algorithm=qllm", "task=vmas/balance",
         "experiment=ci_smoke", f"algorithm.{option}={value}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode != 0
    (line,) = [line for line in proc.stderr.splitlines() if f"'{value}'" in line]
    assert line == (f"ValueError: algorithm.{option} must be one of {', '.join(allowed)}; "
                    f"got '{value}'"), proc.stderr
    assert not list(tmp_path.glob("outputs/*/*/*/config.pkl"))  # no experiment was set up
