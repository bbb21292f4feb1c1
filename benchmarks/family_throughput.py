"""Training throughput (frames/s) of QLLM and QMIX on one task of every environment family, CPU.

Every run uses the same small off-policy config (collection + training, no evaluation); QLLM and
QMIX alternate per task, so their ratio is measured under the same machine load. Families whose
simulator is not installed (gfootball, smacv2) are reported as skipped with the reason.

    python benchmarks/family_throughput.py --out benchmarks/results/family_throughput.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

import benchmarl_qllm  # noqa: F401 - registers qllm and the task families
from benchmarl.algorithms import QmixConfig
from benchmarl.environments import task_config_registry
from benchmarl.experiment import Experiment
from benchmarl.models.mlp import MlpConfig

from benchmarl_qllm import QllmConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mixer_benchmark import experiment_config  # noqa: E402 - the same small off-policy config

DEFAULT_TASKS = [
    "vmas/balance", "lbforaging/foraging_8x8_2p_2f_coop", "pettingzoo/simple_spread",
    "matrix/climbing", "gfootball/academy_3_vs_1_with_keeper", "smacv2/protoss_5_vs_5",
]
ALGORITHMS = {"qllm": QllmConfig, "qmix": QmixConfig}


def train_fps(task: str, algorithm: str, args, folder: str) -> float:
    algorithm_config = ALGORITHMS[algorithm].get_from_yaml()
    if algorithm == "qllm" and task.startswith("matrix/"):
        algorithm_config.igm = "relax"  # the climbing game's TFCAF is written for relaxed IGM
    experiment = Experiment(
        task=task_config_registry[task].get_from_yaml(),
        algorithm_config=algorithm_config,
        model_config=MlpConfig.get_from_yaml(),
        seed=0,
        config=experiment_config(folder, args.frames, args.frames_per_batch, args.n_envs,
                                 args.optimizer_steps),
    )
    start = time.perf_counter()
    experiment.run()
    return experiment.total_frames / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", default=DEFAULT_TASKS)
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--frames", type=int, default=6000)
    parser.add_argument("--frames-per-batch", type=int, default=1500)
    parser.add_argument("--n-envs", type=int, default=10)
    parser.add_argument("--optimizer-steps", type=int, default=25)
    args = parser.parse_args()

    results = {"machine": {"platform": platform.platform(), "torch": torch.__version__,
                           "torch_threads": torch.get_num_threads()},
               "settings": vars(args), "tasks": {}}
    folder = tempfile.mkdtemp(prefix="qllm_family_")
    for task in args.tasks:
        entry = {}
        try:
            for algorithm in ALGORITHMS:
                entry[f"{algorithm}_frames_per_s"] = round(train_fps(task, algorithm, args, folder), 1)
            entry["qllm/qmix"] = round(entry["qllm_frames_per_s"] / entry["qmix_frames_per_s"], 3)
        except ImportError as exc:
            entry = {"skipped": " ".join(str(exc).split())[:300]}
        results["tasks"][task] = entry
        print(task, json.dumps(entry), flush=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
