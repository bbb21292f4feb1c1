"""Helpers for the end-to-end tests that run BenchMARL's own scripts in subprocesses.

A tiny vmas/balance budget: 10 vectorized envs, 10 steps (100 frames) per iteration, episodes
of 20 steps, an evaluation every 200 frames. One iteration takes well under a second on a
quiet core, so a run of a few iterations costs mostly its start-up (imports, env build).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Dict, List, Tuple

import benchmarl

BENCHMARL_DIR = Path(benchmarl.__file__).resolve().parent
FRAMES_PER_BATCH = 100
EVALUATION_INTERVAL = 200
EVALUATION_EPISODES = 3
N_AGENTS = 4  # vmas/balance

TINY_BALANCE = [
    "algorithm=qllm",
    "task=vmas/balance",
    "experiment=ci_smoke",
    "task.max_steps=20",
    f"experiment.off_policy_collected_frames_per_batch={FRAMES_PER_BATCH}",
    "experiment.off_policy_n_envs_per_worker=10",
    f"experiment.evaluation_interval={EVALUATION_INTERVAL}",
    f"experiment.evaluation_episodes={EVALUATION_EPISODES}",
    "experiment.max_n_frames=400",
]


def experiment_folder(hydra_dir: Path) -> Path:
    """The one experiment folder BenchMARL created under a Hydra run directory."""
    (folder,) = [p for p in Path(hydra_dir).iterdir() if (p / "config.pkl").is_file()]
    return folder


def scalars(folder: Path, name: str) -> List[Tuple[int, float]]:
    """Rows ``(step, value)`` of the CSV logger's ``scalars/<name>.csv`` of a run."""
    (path,) = Path(folder).glob(f"*/scalars/{name}.csv")
    with open(path, newline="") as handle:
        return [(int(step), float(value)) for step, value in csv.reader(handle)]


def credit_weight_rows(folder: Path, n_agents: int = N_AGENTS) -> List[List[float]]:
    """Per logged iteration, the mean credit weight of every agent (``credit_weight_agent_<i>``)."""
    columns = [scalars(folder, f"collection_agents_credit_weight_agent_{i}") for i in range(n_agents)]
    assert len({len(c) for c in columns}) == 1, [len(c) for c in columns]
    assert all(len({row[0] for row in rows}) == 1 for rows in zip(*columns))  # same steps
    return [[value for _, value in rows] for rows in zip(*columns)]


def evaluations(folder: Path) -> Dict[int, List[float]]:
    """BenchMARL's marl-eval JSON of a vmas/balance QLLM run: ``{frames: [return per episode]}``."""
    data = json.loads((Path(folder) / f"{Path(folder).name}.json").read_text())
    steps = data["vmas"]["balance"]["qllm"]["seed_0"]
    return {v["step_count"]: v["return"] for k, v in steps.items() if k.startswith("step_")}


def assert_finite_evaluations(evals: Dict[int, List[float]], episodes: int = EVALUATION_EPISODES):
    for frames, returns in evals.items():
        assert len(returns) == episodes, (frames, returns)
        assert all(math.isfinite(r) for r in returns), (frames, returns)


def balance_tfcaf(summary: str, body: str, igm: str = "enforce", produced_by: str = "a test") -> str:
    """A TFCAF file for vmas/balance with the provenance header; ``body`` defines ``weights``."""
    return (f'"""{summary}\n\ntask: vmas/balance\nproduced-by: {produced_by}\nmodel: none\n'
            f'prompt-sha256: none\nigm: {igm}\ninput: observation [B, n_agents, 16]\n"""\n\n'
            f"import torch\n\n\n{body.strip()}\n")
