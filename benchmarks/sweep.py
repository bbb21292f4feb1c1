"""Run a standard QLLM-vs-baselines benchmark sweep with a named budget preset.

    python -m benchmarks.sweep smoke            # minutes on 2 CPU cores (what CI runs)
    python -m benchmarks.sweep cpu              # ~36 min on 2 CPU cores
    python -m benchmarks.sweep paper            # 2M frames per run, every task: GPUs/clusters
    python -m benchmarks.sweep learn --out benchmarks/runs/learn   # resumable: rerun to continue
    python -m benchmarks.sweep learn --out /tmp/cell --tasks vmas/balance --algorithms qmix --seeds 0
                                                # one cell of a sweep, to compare with the committed one
    python -m benchmarks.sweep vmas_gpu --out ...                  # paper budget, VMAS, one GPU
    python -m benchmarks.sweep cpu --python     # same runs through BenchMARL's Python Benchmark
    python -m benchmarks.sweep cpu -- hydra.launcher.n_jobs=4   # extra Hydra overrides

A preset is two YAML files in ``benchmarl_qllm/conf``: ``qllm_sweep_<preset>.yaml`` (which
algorithms, tasks and seeds; Hydra joblib launcher) and ``experiment/bench_<preset>.yaml`` (the
experiment hyperparameters, identical for every algorithm). The Hydra mode is exactly
``python -m benchmarl.run --config-name qllm_sweep_<preset>``; this script only fixes the output
folder and records the sweep's command and wall time in ``sweep_info.json`` there, which
``python -m benchmarks.report`` reads.

``--resumable`` (the default of ``learn`` and ``vmas_gpu``) runs the same runs one
``benchmarl.run`` each, ``n_jobs`` at a time, in ``<out>/<env>_<task>/<algorithm>/seed_<k>``,
seed-major (a sweep cut short has every task and algorithm at the same number of seeds), and
skips every run whose results JSON and final checkpoint exist: rerun the same command with the
same ``--out`` to continue a sweep over several sittings. An unfinished run starts again.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Sequence

import yaml

PRESETS = ("smoke", "cpu", "paper", "learn", "vmas_gpu")
RESUMABLE_BY_DEFAULT = ("learn", "vmas_gpu")


@dataclass
class SweepPreset:
    """What a preset sweeps over, read from its Hydra config (the single source of truth)."""

    name: str
    algorithms: List[str]
    tasks: List[str]
    seeds: List[int]
    n_jobs: int
    experiment: Dict[str, object]

    @property
    def n_runs(self) -> int:
        return len(self.algorithms) * len(self.tasks) * len(self.seeds)


def _conf_dir() -> Path:
    import benchmarl_qllm

    return Path(benchmarl_qllm.__file__).resolve().parent / "conf"


def _split(value) -> List[str]:
    return [v.strip() for v in str(value).split(",") if v.strip()]


def load_preset(name: str) -> SweepPreset:
    """Parse ``qllm_sweep_<name>.yaml`` and ``experiment/bench_<name>.yaml``."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {PRESETS}")
    conf = _conf_dir()
    sweep = yaml.safe_load((conf / f"qllm_sweep_{name}.yaml").read_text())
    params = sweep["hydra"]["sweeper"]["params"]
    experiment = yaml.safe_load((conf / "experiment" / f"bench_{name}.yaml").read_text())
    experiment.pop("defaults", None)
    return SweepPreset(
        name=name,
        algorithms=_split(params["algorithm"]),
        tasks=_split(params["task"]),
        seeds=[int(s) for s in _split(params["seed"])],
        n_jobs=int(sweep["hydra"]["launcher"].get("n_jobs", 1)),
        experiment=experiment,
    )


def narrow(preset: SweepPreset, tasks=None, algorithms=None, seeds=None) -> SweepPreset:
    """``preset`` restricted to some of its tasks, algorithms and seeds (same experiment config)."""
    def pick(kind, chosen, available):
        if chosen is None:
            return available
        unknown = [c for c in chosen if c not in [str(a) for a in available]]
        if unknown:
            raise SystemExit(f"sweep: {kind} {unknown} are not in preset {preset.name}: {available}")
        return [a for a in available if str(a) in chosen]

    return dataclasses.replace(
        preset, tasks=pick("tasks", tasks, preset.tasks),
        algorithms=pick("algorithms", algorithms, preset.algorithms),
        seeds=pick("seeds", seeds, preset.seeds))


def hydra_command(preset: str, out_dir: Path, overrides: Sequence[str] = ()) -> List[str]:
    """The ``benchmarl.run`` multirun command of a preset, writing under ``out_dir``."""
    return [
        sys.executable, "-m", "benchmarl.run", "--config-name", f"qllm_sweep_{preset}",
        f"hydra.sweep.dir={out_dir}", *overrides,
    ]


def run_hydra(preset: SweepPreset, out_dir: Path, overrides: Sequence[str]) -> int:
    cmd = hydra_command(preset.name, out_dir, overrides)
    env = dict(os.environ)
    env.setdefault("WANDB_MODE", "offline")
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env).returncode


def run_dir(out_dir: Path, task: str, algorithm: str, seed: int) -> Path:
    """Where the resumable runner keeps one run (its Hydra run directory)."""
    return out_dir / task.replace("/", "_") / algorithm / f"seed_{seed}"


def run_finished(folder: Path, max_n_frames: int) -> bool:
    """A run is finished when BenchMARL wrote its results JSON and its final checkpoint."""
    results = [p for p in folder.glob("*/*.json") if p.stem == p.parent.name]
    final = list(folder.glob(f"*/checkpoints/checkpoint_{int(max_n_frames)}.pt"))
    return bool(results) and bool(final)


def resumable_plan(preset: SweepPreset) -> List[tuple]:
    """``(seed, task, algorithm)`` in sweep order: seed-major, then task, then algorithm."""
    return [(seed, task, algorithm) for seed in preset.seeds for task in preset.tasks
            for algorithm in preset.algorithms]


def run_command(preset: SweepPreset, folder: Path, task: str, algorithm: str, seed: int,
                overrides: Sequence[str] = ()) -> List[str]:
    """The single ``benchmarl.run`` of one run of the sweep (the preset's experiment config)."""
    return [sys.executable, "-m", "benchmarl.run", f"algorithm={algorithm}", f"task={task}",
            f"seed={seed}", f"experiment=bench_{preset.name}", f"hydra.run.dir={folder}", *overrides]


def _max_frames(preset: SweepPreset, overrides: Sequence[str]) -> int:
    value = preset.experiment["max_n_frames"]
    for override in overrides:
        key, _, given = override.partition("=")
        if key == "experiment.max_n_frames":
            value = given
    return int(str(value).replace("_", ""))


def run_resumable(preset: SweepPreset, out_dir: Path, overrides: Sequence[str],
                  n_jobs: int) -> int:
    """Run every unfinished run of ``preset`` (see the module docstring); 0 when all finished."""
    from concurrent.futures import ThreadPoolExecutor

    max_frames = _max_frames(preset, overrides)
    todo = []
    for seed, task, algorithm in resumable_plan(preset):
        folder = run_dir(out_dir, task, algorithm, seed)
        if run_finished(folder, max_frames):
            continue
        todo.append((folder, task, algorithm, seed))
    plan = len(resumable_plan(preset))
    print(f"{plan - len(todo)} of {plan} runs finished; running {len(todo)} ({n_jobs} at a time)",
          flush=True)
    env = dict(os.environ)
    env.setdefault("WANDB_MODE", "offline")
    if n_jobs > 1:  # one core per run: several multi-threaded runs on few cores slow each other
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("MKL_NUM_THREADS", "1")

    def one(item) -> int:
        folder, task, algorithm, seed = item
        if folder.exists():
            shutil.rmtree(folder)  # an unfinished run starts again
        folder.mkdir(parents=True)
        cmd = run_command(preset, folder, task, algorithm, seed, overrides)
        start = time.perf_counter()
        with open(folder / "run.log", "w") as log:
            rc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
        print(f"[{'ok' if rc == 0 else f'FAILED rc={rc}'}] {task} {algorithm} seed {seed} "
              f"({time.perf_counter() - start:.0f} s) {folder}", flush=True)
        return rc

    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        codes = list(pool.map(one, todo))
    failed = sum(1 for c in codes if c != 0)
    return 1 if failed else 0


def run_python(preset: SweepPreset, out_dir: Path) -> int:
    """The same sweep through BenchMARL's :class:`~benchmarl.benchmark.Benchmark` (sequential)."""
    import benchmarl_qllm  # noqa: F401  (registers qllm and the packaged task families)
    from benchmarl.algorithms import algorithm_config_registry
    from benchmarl.benchmark import Benchmark
    from benchmarl.environments import task_config_registry
    from benchmarl.experiment import ExperimentConfig
    from benchmarl.models.mlp import MlpConfig

    experiment_config = ExperimentConfig.get_from_yaml()
    for key, value in preset.experiment.items():
        setattr(experiment_config, key, value)
    experiment_config.save_folder = str(out_dir)
    algorithm_configs = [algorithm_config_registry[a].get_from_yaml() for a in preset.algorithms]
    unknown = [t for t in preset.tasks if t not in task_config_registry]
    if unknown:
        raise KeyError(f"unknown tasks {unknown}; known: {sorted(task_config_registry)}")
    benchmark = Benchmark(
        algorithm_configs=algorithm_configs,
        tasks=[task_config_registry[t].get_from_yaml() for t in preset.tasks],
        seeds=set(preset.seeds),
        experiment_config=experiment_config,
        model_config=MlpConfig.get_from_yaml(),
        critic_model_config=MlpConfig.get_from_yaml(),
    )
    benchmark.run_sequential()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("preset", choices=PRESETS)
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default benchmarks/runs/<preset>/<timestamp>)")
    parser.add_argument("--python", action="store_true",
                        help="run through BenchMARL's Python Benchmark API instead of Hydra")
    parser.add_argument("--resumable", action=argparse.BooleanOptionalAction, default=None,
                        help="one benchmarl.run per run, skipping finished ones (default for "
                             f"{', '.join(RESUMABLE_BY_DEFAULT)})")
    parser.add_argument("--jobs", type=int, default=None,
                        help="parallel runs with --resumable (default: the preset's n_jobs)")
    parser.add_argument("--tasks", type=_split, default=None, help="only these of the preset's tasks (comma-separated)")
    parser.add_argument("--algorithms", type=_split, default=None, help="only these of its algorithms")
    parser.add_argument("--seeds", type=_split, default=None, help="only these of its seeds")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides (after --)")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []  # Hydra overrides after `--`
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args.overrides = [*args.overrides, *extra]

    preset = narrow(load_preset(args.preset), args.tasks, args.algorithms, args.seeds)
    out_dir = (args.out or Path("benchmarks/runs") / preset.name
               / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")).resolve()
    print(f"preset {preset.name}: {preset.n_runs} runs = {len(preset.algorithms)} algorithms "
          f"{preset.algorithms} x {len(preset.tasks)} tasks x {len(preset.seeds)} seeds "
          f"{preset.seeds}, {preset.experiment['max_n_frames']} frames each -> {out_dir}")
    resumable = args.resumable if args.resumable is not None else preset.name in RESUMABLE_BY_DEFAULT
    n_jobs = args.jobs or preset.n_jobs
    if args.dry_run:
        if resumable:
            for seed, task, algorithm in resumable_plan(preset):
                folder = run_dir(out_dir, task, algorithm, seed)
                print(" ".join(run_command(preset, folder, task, algorithm, seed, args.overrides)))
        else:
            print(" ".join(hydra_command(preset.name, out_dir, args.overrides)))
        return 0
    narrowed = any(v is not None for v in (args.tasks, args.algorithms, args.seeds))
    if narrowed and not resumable and not args.python:
        args.overrides = [*args.overrides, f"seed={','.join(map(str, preset.seeds))}",
                          f"task={','.join(preset.tasks)}", f"algorithm={','.join(preset.algorithms)}"]
    if args.python and (args.overrides or resumable):
        parser.error("Hydra overrides and --resumable only apply without --python")

    out_dir.mkdir(parents=True, exist_ok=True)
    info_path = out_dir / "sweep_info.json"
    mode = "python" if args.python else "resumable" if resumable else "hydra"
    command = ([sys.executable, "-m", "benchmarks.sweep", preset.name, "--out", str(out_dir),
                "--jobs", str(n_jobs), *(["--"] + list(args.overrides) if args.overrides else [])]
               if resumable else hydra_command(preset.name, out_dir, args.overrides))
    earlier = json.loads(info_path.read_text()) if info_path.is_file() else {}
    info = {
        "preset": preset.name, "mode": mode, "command": command,
        "algorithms": preset.algorithms, "tasks": preset.tasks, "seeds": preset.seeds,
        "n_jobs": 1 if args.python else n_jobs, "experiment": preset.experiment,
        "overrides": list(args.overrides),
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
    }
    if resumable:  # sittings of a resumable sweep add up
        info["sittings"] = earlier.get("sittings", [])
    info_path.write_text(json.dumps(info, indent=2, default=str))
    start = time.perf_counter()
    if args.python:
        rc = run_python(preset, out_dir)
    elif resumable:
        rc = run_resumable(preset, out_dir, args.overrides, n_jobs)
    else:
        rc = run_hydra(preset, out_dir, args.overrides)
    wall = round(time.perf_counter() - start, 1)
    info.update(wall_time_s=wall, returncode=rc, finished=datetime.now().isoformat(timespec="seconds"))
    if resumable:
        info["sittings"].append({"started": info["started"], "wall_time_s": wall, "returncode": rc})
        info["wall_time_s"] = round(sum(s["wall_time_s"] for s in info["sittings"]), 1)
    info_path.write_text(json.dumps(info, indent=2, default=str))
    print(f"sweep {preset.name} finished with code {rc} in {info['wall_time_s']} s -> {out_dir}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
