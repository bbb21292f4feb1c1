"""QLLM's training speed against VDN and QMIX, measured in one run on one machine.

    python benchmarks/credit_overhead.py                 # 4 rounds of qllm/vdn/qmix, vmas/balance
    python benchmarks/credit_overhead.py --pairs 2 --iterations 1
    python benchmarks/credit_overhead.py --in-process --out benchmarks/results/credit_overhead_in_process.json

Each round runs ``python -m benchmarl.run algorithm=<a> task=vmas/balance`` once per algorithm
(order rotated every round), with BenchMARL's default optimizer-steps ratio (1,000 steps of
batch 128 per 6,000 frames), no evaluation and CSV logging only; every arm gets the same
settings. Reported per algorithm: the whole-process wall time and BenchMARL's own training time
(``timers/training_time``, the optimizer loop), medians over rounds, and the ratios QLLM/VDN and
QLLM/QMIX of the per-round pairs. Timings say nothing when other CPU-heavy work runs at the same
time: run it on a quiet machine. Results go to ``benchmarks/results/credit_overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ALGORITHMS = ("qllm", "vdn", "qmix")
FRAMES_PER_ITERATION = 6000


def experiment_settings(iterations: int) -> Dict[str, object]:
    """The experiment settings every run gets (one source for both ways of running)."""
    return {
        "loggers": ["csv"], "render": False, "evaluation": False, "create_json": False,
        "max_n_frames": FRAMES_PER_ITERATION * iterations,
        "off_policy_collected_frames_per_batch": FRAMES_PER_ITERATION,
        "off_policy_n_envs_per_worker": 60,
        "off_policy_n_optimizer_steps": 1000,
        "off_policy_train_batch_size": 128,
    }


def training_seconds(folder: Path) -> float:
    """BenchMARL's ``timers/training_time`` of a run, summed over iterations."""
    (training_csv,) = folder.glob("**/scalars/timers_training_time.csv")
    return sum(float(line.split(",")[1]) for line in training_csv.read_text().split())


def run_once(algorithm: str, task: str, iterations: int, workdir: Path, credit: str) -> Dict[str, float]:
    out = workdir / f"{algorithm}_{time.monotonic_ns()}"
    overrides = [f"experiment.{k}=[{','.join(v)}]" if isinstance(v, list) else f"experiment.{k}={v}"
                 for k, v in experiment_settings(iterations).items()]
    args = [
        sys.executable, "-m", "benchmarl.run", f"algorithm={algorithm}", f"task={task}",
        *([f"algorithm.credit={credit}"] if algorithm == "qllm" else []),
        *overrides, f"hydra.run.dir={out}",
    ]
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=dict(os.environ, WANDB_MODE="disabled"))
    return {"wall_s": time.perf_counter() - started, "training_s": training_seconds(out)}


def run_in_process(algorithm: str, task: str, iterations: int, workdir: Path, credit: str) -> Dict[str, float]:
    """The same run as :func:`run_once`, through BenchMARL's Python API in this process: what
    differs between processes (start-up, memory layout, the machine's state) cancels out."""
    import benchmarl_qllm  # noqa: F401 - registers qllm
    from benchmarl.algorithms import algorithm_config_registry
    from benchmarl.environments import task_config_registry
    from benchmarl.experiment import Experiment, ExperimentConfig
    from benchmarl.models.mlp import MlpConfig

    started = time.perf_counter()
    config = ExperimentConfig.get_from_yaml()
    for key, value in experiment_settings(iterations).items():
        setattr(config, key, value)
    config.save_folder = str(workdir)
    algorithm_config = algorithm_config_registry[algorithm].get_from_yaml()
    if algorithm == "qllm":
        algorithm_config.credit = credit
    experiment = Experiment(task=task_config_registry[task].get_from_yaml(), algorithm_config=algorithm_config,
                            model_config=MlpConfig.get_from_yaml(), seed=0, config=config)
    experiment.run()
    return {"wall_s": time.perf_counter() - started, "training_s": training_seconds(Path(experiment.folder_name))}


def ratio_interval(qllm: List[Dict[str, float]], other: List[Dict[str, float]], metric: str):
    """95% bootstrap interval (scipy) of the median of per-round ratios; None under 3 rounds."""
    if len(qllm) < 3:
        return None
    from scipy.stats import bootstrap

    ratios = [q[metric] / o[metric] for q, o in zip(qllm, other)]
    interval = bootstrap((ratios,), statistics.median, vectorized=False, n_resamples=2000,
                         method="percentile", random_state=0).confidence_interval
    return [float(interval.low), float(interval.high)]


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="vmas/balance")
    parser.add_argument("--pairs", type=int, default=4, help="rounds (each runs every algorithm once)")
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--credit", default="library", help="QLLM's algorithm.credit (library, handwritten, ...)")
    parser.add_argument("--in-process", action="store_true",
                        help="run every experiment in this process (BenchMARL's Python API) instead of one "
                             "`benchmarl.run` process each")
    parser.add_argument("--out", default="benchmarks/results/credit_overhead.json")
    args = parser.parse_args(argv)
    run = run_in_process if args.in_process else run_once

    results: Dict[str, List[Dict[str, float]]] = {a: [] for a in ALGORITHMS}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.pairs):
            order = ALGORITHMS[r % 3:] + ALGORITHMS[: r % 3]
            for algorithm in order:
                results[algorithm].append(run(algorithm, args.task, args.iterations, Path(tmp), args.credit))
                print(f"round {r}: {algorithm} {results[algorithm][-1]}", flush=True)

    summary = {}
    for metric in ("wall_s", "training_s"):
        medians = {a: statistics.median(x[metric] for x in results[a]) for a in ALGORITHMS}
        ratios = {
            f"qllm/{b}": statistics.median(q[metric] / o[metric] for q, o in zip(results["qllm"], results[b]))
            for b in ("vdn", "qmix")
        }
        summary[metric] = {"median": medians, "time_ratio_median_of_pairs": ratios,
                           "time_ratio_ci95": {f"qllm/{b}": ratio_interval(results["qllm"], results[b], metric)
                                               for b in ("vdn", "qmix")}}
    report = {
        "task": args.task, "qllm_credit": args.credit, "rounds": args.pairs, "iterations": args.iterations,
        "mode": "in one process" if args.in_process else "one benchmarl.run process per run",
        "frames_per_iteration": FRAMES_PER_ITERATION, "optimizer_steps_per_iteration": 1000,
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs", "runs": results, "summary": summary,
        "note": "time ratio > 1 means QLLM is slower; wall_s includes start-up (QLLM traces its "
                "credit function in the jail once per run)",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
