"""Run a standard QLLM-vs-baselines benchmark sweep with a named budget preset.

    python -m benchmarks.sweep smoke            # minutes on 2 CPU cores (what CI runs)
    python -m benchmarks.sweep cpu              # ~36 min on 2 CPU cores
    python -m benchmarks.sweep paper            # 2M frames per run, every task: GPUs/clusters
    python -m benchmarks.sweep cpu --python     # same runs through BenchMARL's Python Benchmark
    python -m benchmarks.sweep cpu -- hydra.launcher.n_jobs=4   # extra Hydra overrides

A preset is two YAML files in ``benchmarl_qllm/conf``: ``qllm_sweep_<preset>.yaml`` (which
algorithms, tasks and seeds; Hydra joblib launcher) and ``experiment/bench_<preset>.yaml`` (the
experiment hyperparameters, identical for every algorithm). The Hydra mode is exactly
``python -m benchmarl.run --config-name qllm_sweep_<preset>``; this script only fixes the output
folder and records the sweep's command and wall time in ``sweep_info.json`` there, which
``python -m benchmarks.report`` reads.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Sequence

import yaml

PRESETS = ("smoke", "cpu", "paper")


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
    parser.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides (after --)")
    args = parser.parse_args(argv)

    preset = load_preset(args.preset)
    out_dir = (args.out or Path("benchmarks/runs") / preset.name
               / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")).resolve()
    print(f"preset {preset.name}: {preset.n_runs} runs = {len(preset.algorithms)} algorithms "
          f"{preset.algorithms} x {len(preset.tasks)} tasks x {len(preset.seeds)} seeds "
          f"{preset.seeds}, {preset.experiment['max_n_frames']} frames each -> {out_dir}")
    if args.dry_run:
        print(" ".join(hydra_command(preset.name, out_dir, args.overrides)))
        return 0
    if args.python and args.overrides:
        parser.error("Hydra overrides only apply without --python")

    out_dir.mkdir(parents=True, exist_ok=True)
    info_path = out_dir / "sweep_info.json"
    info = {
        "preset": preset.name, "mode": "python" if args.python else "hydra",
        "command": hydra_command(preset.name, out_dir, args.overrides),
        "algorithms": preset.algorithms, "tasks": preset.tasks, "seeds": preset.seeds,
        "n_jobs": 1 if args.python else preset.n_jobs, "experiment": preset.experiment,
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
    }
    info_path.write_text(json.dumps(info, indent=2, default=str))
    start = time.perf_counter()
    rc = run_python(preset, out_dir) if args.python else run_hydra(preset, out_dir, args.overrides)
    info.update(wall_time_s=round(time.perf_counter() - start, 1), returncode=rc,
                finished=datetime.now().isoformat(timespec="seconds"))
    info_path.write_text(json.dumps(info, indent=2, default=str))
    print(f"sweep {preset.name} finished with code {rc} in {info['wall_time_s']} s -> {out_dir}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
