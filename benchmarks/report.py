"""Turn BenchMARL run folders into a Markdown report: QLLM vs QMIX, VDN, IQL side by side.

    python -m benchmarks.report benchmarks/runs/cpu/<sweep> --out benchmarks/results/cpu

Reads every BenchMARL experiment folder under the given paths (its marl-eval JSON, CSV scalars,
``config.pkl``, checkpoint and, for QLLM, ``credit_function.json``) and writes to ``--out``:

* ``REPORT.md``: per task a table of final and best evaluation return (IQM over seeds with a
  95% stratified bootstrap CI), frames, wall time, frames/s, mixer parameters; the QLLM/QMIX
  throughput ratio; win/tie/loss of QLLM against each baseline (probability of improvement);
  the hyperparameters (checked identical across algorithms); the credit functions used
  (path + SHA-256); credit-inspection plots;
* PNG plots: sample-efficiency curves, performance profile, probability of improvement,
  credit inspection (``qllm inspect`` on seed 0 of each QLLM task);
* ``runs.csv`` (one row per run) and ``marl_eval_results.json`` (BenchMARL's JSONs merged),
  so the numbers can be recomputed without the run folders.

Runs are compared by *arm*: the algorithm, and for QLLM which packaged credit function the run
used (``credit_function.json``): ``qllm-llm`` (LLM-written), ``qllm-handwritten`` (hand-written
reference), or ``qllm`` (a generated or user-given function). Every QLLM arm gets its own rows,
headline and inspection plots.
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from benchmarks import stats

ARM_ORDER = ("qllm-llm", "qllm-handwritten", "qllm", "qmix", "vdn", "iql")
MIN_SEEDS_FOR_VERDICT = 3  # fewer seeds: the bootstrap CI is degenerate, no verdict
IGNORED_EXPERIMENT_FIELDS = {"save_folder", "restore_file", "restore_map_location"}


@dataclass
class Run:
    """One BenchMARL experiment (one algorithm, task and seed)."""

    folder: Path
    env: str
    task: str
    algorithm: str
    seed: int
    arm: str
    steps: List[int]                 # evaluation frame counts
    returns: List[float]             # mean evaluation return at each of ``steps``
    frames: int = 0
    wall_time_s: float = float("nan")
    mixer_params: Optional[int] = None
    credit: Optional[dict] = None
    experiment_config: Dict[str, object] = field(default_factory=dict)
    algorithm_config: Dict[str, object] = field(default_factory=dict)
    model_config: Dict[str, object] = field(default_factory=dict)
    marl_eval: dict = field(default_factory=dict, repr=False)  # the run's marl-eval JSON

    @property
    def full_task(self) -> str:
        return f"{self.env}/{self.task}"

    @property
    def final_return(self) -> float:
        return self.returns[-1]

    @property
    def best_return(self) -> float:
        return max(self.returns)

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.wall_time_s if self.wall_time_s > 0 else float("nan")


# Reading run folders ------------------------------------------------------------------------------
def find_experiment_folders(paths: Sequence[Path]) -> List[Path]:
    """Folders holding a BenchMARL experiment: ``<name>/<name>.json`` next to ``config.pkl``."""
    found = set()
    for root in paths:
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"no such run folder: {root}")
        for json_path in root.rglob("*.json"):
            folder = json_path.parent
            if json_path.stem == folder.name and (folder / "config.pkl").is_file():
                found.add(folder.resolve())
    return sorted(found)


def _scalar_last(folder: Path, name: str) -> Optional[float]:
    files = list(folder.glob(f"*/scalars/{name}.csv"))
    if not files:
        return None
    rows = [line.split(",") for line in files[0].read_text().splitlines() if line.strip()]
    return float(rows[-1][1]) if rows else None


def _plain(obj) -> Dict[str, object]:
    if is_dataclass(obj):
        obj = asdict(obj)
    return {k: (v if isinstance(v, (int, float, str, bool, type(None))) else str(v))
            for k, v in dict(obj).items()}


def _mixer_params(folder: Path) -> Optional[int]:
    """Learnable mixer parameters in the run's final checkpoint (target copies excluded)."""
    import torch

    checkpoints = sorted(folder.glob("checkpoints/checkpoint_*.pt"),
                         key=lambda p: int(p.stem.split("_")[-1]))
    if not checkpoints:
        return None
    # Memory-mapped: the checkpoint also holds the replay buffer, which is not needed here.
    state = torch.load(checkpoints[-1], map_location="cpu", weights_only=False, mmap=True)
    total = 0
    for key, value in state.items():
        if key.startswith("loss"):
            total += sum(v.numel() for k, v in value.items()
                         if k.startswith("mixer_network_params.") and isinstance(v, torch.Tensor)
                         and v.dim() > 0)
    return total


def read_run(folder: Path) -> Run:
    """Parse one experiment folder."""
    import benchmarl_qllm  # noqa: F401  (unpickling configs of qllm / packaged tasks)

    data = json.loads((folder / f"{folder.name}.json").read_text())
    (env, tasks), = data.items()
    (task, algos), = tasks.items()
    (algorithm, seeds), = algos.items()
    (seed_key, entries), = seeds.items()
    points = sorted(
        (int(v["step_count"]), float(np.mean(v["return"])))
        for k, v in entries.items() if k.startswith("step_")
    )
    if not points:
        raise ValueError(f"{folder}: no evaluation steps in the marl-eval JSON")
    with open(folder / "config.pkl", "rb") as f:
        _task, _task_config, algorithm_config = pickle.load(f), pickle.load(f), pickle.load(f)
        model_config, _seed, experiment_config = pickle.load(f), pickle.load(f), pickle.load(f)
    credit_meta = sorted(folder.glob("credit_function*.json"))
    credit = json.loads(credit_meta[0].read_text()) if credit_meta else None
    return Run(
        folder=folder, env=env, task=task, algorithm=algorithm,
        seed=int(seed_key.split("_")[-1]), arm=arm_of(algorithm, credit),
        steps=[p[0] for p in points], returns=[p[1] for p in points],
        frames=int(_scalar_last(folder, "counters_total_frames") or points[-1][0]),
        wall_time_s=_scalar_last(folder, "timers_total_time") or float("nan"),
        mixer_params=_mixer_params(folder), credit=credit,
        experiment_config={k: v for k, v in _plain(experiment_config).items()
                           if k not in IGNORED_EXPERIMENT_FIELDS},
        algorithm_config=_plain(algorithm_config), model_config=_plain(model_config),
        marl_eval=data,
    )


def arm_of(algorithm: str, credit: Optional[dict]) -> str:
    """``qllm-llm`` / ``qllm-handwritten`` for QLLM with a packaged credit function (from the
    run's own ``credit_function.json``), ``qllm`` for any other QLLM run, else the algorithm."""
    variant = (credit or {}).get("library_variant")
    if algorithm == "qllm" and variant in ("llm", "handwritten"):
        return f"qllm-{variant}"
    return algorithm


def merge_marl_eval(runs: Sequence[Run]) -> dict:
    """BenchMARL's marl-eval JSONs of ``runs`` merged into one dict, keyed by arm (both QLLM
    arms are BenchMARL algorithm ``qllm``; their seeds would overwrite each other)."""
    merged: dict = {}
    for run in runs:
        for env, tasks in run.marl_eval.items():
            for task, algos in tasks.items():
                for _algo, seeds in algos.items():
                    merged.setdefault(env, {}).setdefault(task, {}).setdefault(run.arm, {}).update(seeds)
    return merged


# Aggregation ---------------------------------------------------------------------------------------
def _order(arms) -> List[str]:
    known = [a for a in ARM_ORDER if a in arms]
    return known + sorted(set(arms) - set(known))


def qllm_arms(arms) -> List[str]:
    """The QLLM arms among ``arms`` (each is compared with every other arm)."""
    return [a for a in _order(arms) if a == "qllm" or a.startswith("qllm-")]


def group_runs(runs: Sequence[Run]) -> Dict[str, Dict[str, List[Run]]]:
    """``{task: {arm: [runs sorted by seed]}}``."""
    grouped: Dict[str, Dict[str, List[Run]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        grouped[run.full_task][run.arm].append(run)
    return {t: {a: sorted(grouped[t][a], key=lambda r: r.seed) for a in _order(grouped[t])}
            for t in sorted(grouped)}


def task_bounds(by_algo: Dict[str, List[Run]]) -> Tuple[float, float]:
    """Min and max evaluation return of a task over every algorithm, seed and step."""
    values = [v for runs in by_algo.values() for r in runs for v in r.returns]
    return min(values), max(values)


def normalise(value, bounds: Tuple[float, float]):
    low, high = bounds
    return (np.asarray(value, dtype=float) - low) / (high - low) if high > low else \
        np.zeros_like(np.asarray(value, dtype=float))


def normalised_final_scores(grouped, algorithm: str) -> np.ndarray:
    """``[n_seeds, n_tasks]`` final returns of ``algorithm``, min-max normalised per task."""
    columns = []
    for by_algo in grouped.values():
        if algorithm not in by_algo:
            continue
        columns.append(normalise([r.final_return for r in by_algo[algorithm]], task_bounds(by_algo)))
    n = min(len(c) for c in columns)
    return np.stack([c[:n] for c in columns], axis=1)


# Plots ----------------------------------------------------------------------------------------------
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _colors(algorithms) -> Dict[str, str]:
    return {a: f"C{i}" for i, a in enumerate(_order(algorithms))}


def plot_sample_efficiency(grouped, path: Path) -> Path:
    """Per task: IQM evaluation return (95% CI band) over frames; last panel: normalised pool."""
    plt = _pyplot()
    algorithms = _order({a for by_algo in grouped.values() for a in by_algo})
    colors = _colors(algorithms)
    n = len(grouped) + (1 if len(grouped) > 1 else 0)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.9 * rows), squeeze=False)
    axes = axes.reshape(-1)
    pooled: Dict[str, List[np.ndarray]] = defaultdict(list)
    for ax, (task, by_algo) in zip(axes, grouped.items()):
        bounds = task_bounds(by_algo)
        for algo, runs in by_algo.items():
            length = min(len(r.returns) for r in runs)
            steps = np.array(runs[0].steps[:length])
            curves = np.array([r.returns[:length] for r in runs])       # [seeds, steps]
            cis = np.array([stats.bootstrap_ci(curves[:, i]) for i in range(length)])
            ax.plot(steps, cis[:, 0], color=colors[algo], label=algo.upper(), lw=2)
            ax.fill_between(steps, cis[:, 1], cis[:, 2], color=colors[algo], alpha=0.18)
            pooled[algo].append(normalise(curves, bounds))
        ax.set_title(task)
        ax.set_xlabel("frames")
        ax.set_ylabel("evaluation return (IQM, 95% CI)")
        ax.grid(alpha=0.3)
    if len(grouped) > 1:
        ax = axes[len(grouped)]
        for algo, curves in pooled.items():
            length = min(c.shape[1] for c in curves)
            stacked = np.stack([c[:, :length] for c in curves if c.shape[0] == curves[0].shape[0]],
                               axis=-1)                                # [seeds, steps, tasks]
            cis = np.array([stats.bootstrap_ci(stacked[:, i, :]) for i in range(length)])
            x = np.arange(1, length + 1) / length
            ax.plot(x, cis[:, 0], color=colors[algo], label=algo.upper(), lw=2)
            ax.fill_between(x, cis[:, 1], cis[:, 2], color=colors[algo], alpha=0.18)
        ax.set_title("all tasks (min-max normalised)")
        ax.set_xlabel("fraction of the frame budget")
        ax.set_ylabel("normalised return (IQM, 95% CI)")
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.axis("off")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_performance_profile(grouped, path: Path) -> Path:
    """Fraction of runs with normalised final return above tau, per algorithm."""
    plt = _pyplot()
    algorithms = _order({a for by_algo in grouped.values() for a in by_algo})
    colors = _colors(algorithms)
    taus = np.linspace(0, 1, 101)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for algo in algorithms:
        profile = stats.performance_profile(normalised_final_scores(grouped, algo), taus)
        ax.plot(taus, profile["point"], color=colors[algo], label=algo.upper(), lw=2)
        ax.fill_between(taus, profile["low"], profile["high"], color=colors[algo], alpha=0.18)
    ax.set_xlabel("normalised final return tau")
    ax.set_ylabel("fraction of runs with score > tau")
    ax.set_title("Performance profile (all tasks, 95% CI)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def improvement_table(grouped, subject: str = "qllm") -> Dict[str, Dict[str, tuple]]:
    """``{baseline: {task or 'all tasks': (P, low, high)}}`` of P(subject > baseline)."""
    table: Dict[str, Dict[str, tuple]] = {}
    algorithms = _order({a for by_algo in grouped.values() for a in by_algo})
    for other in algorithms:
        if other == subject:
            continue
        row = {}
        for task, by_algo in grouped.items():
            if subject in by_algo and other in by_algo:
                bounds = task_bounds(by_algo)
                row[task] = stats.probability_of_improvement(
                    normalise([r.final_return for r in by_algo[subject]], bounds),
                    normalise([r.final_return for r in by_algo[other]], bounds))
        if row:
            row["all tasks"] = stats.probability_of_improvement(
                normalised_final_scores(grouped, subject), normalised_final_scores(grouped, other))
            table[other] = row
    return table


def _fewest_seeds(grouped, subject: str, other: str, task: Optional[str]) -> int:
    """The smallest number of seeds behind a P(subject > other) cell (one task, or all)."""
    tasks = [task] if task is not None else [t for t, by in grouped.items() if subject in by and other in by]
    return min(min(len(grouped[t][subject]), len(grouped[t][other])) for t in tasks)


def plot_probability_of_improvement(table, path: Path, subject: str = "qllm") -> Path:
    plt = _pyplot()
    labels = [f"P({subject.upper()} > {other.upper()})" for other in table]
    points = [row["all tasks"] for row in table.values()]
    fig, ax = plt.subplots(figsize=(6.5, 0.8 + 0.6 * len(labels)))
    y = np.arange(len(labels))
    ax.barh(y, [p[2] - p[1] for p in points], left=[p[1] for p in points], height=0.5,
            color="C0", alpha=0.35)
    ax.scatter([p[0] for p in points], y, color="C0", zorder=3)
    ax.axvline(0.5, color="grey", ls="--", lw=1)
    ax.set_yticks(y, labels)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.set_xlabel("P(improvement) on the final return, all tasks (dot: estimate, bar: 95% CI)")
    ax.set_title("Probability of improvement")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# Markdown ----------------------------------------------------------------------------------------------
def _ci(values) -> str:
    point, low, high = stats.bootstrap_ci(values)
    return f"{point:.3g} [{low:.3g}, {high:.3g}]"


def _mean(values) -> float:
    values = [v for v in values if v == v]
    return float(np.mean(values)) if values else float("nan")


def _config_differences(runs: Sequence[Run], attr: str) -> Dict[str, set]:
    values: Dict[str, set] = defaultdict(set)
    for run in runs:
        for key, value in getattr(run, attr).items():
            values[key].add(json.dumps(value, sort_keys=True, default=str))
    return {k: v for k, v in values.items() if len(v) > 1}


def _short_path(origin: Optional[str]) -> str:
    """A packaged TFCAF's path from the package root (machine-independent), else as given."""
    origin = str(origin)
    marker = "benchmarl_qllm/credit_library/"
    return origin[origin.index(marker):] if marker in origin else origin


def throughput_ratios(grouped, subject: str, other: str) -> Dict[str, float]:
    ratios = {}
    for task, by_algo in grouped.items():
        if subject in by_algo and other in by_algo:
            ratios[task] = (_mean([r.frames_per_s for r in by_algo[subject]])
                            / _mean([r.frames_per_s for r in by_algo[other]]))
    return ratios


def build_report(runs: Sequence[Run], out: Path, sweep_infos: Sequence[dict] = (),
                 inspect: bool = True) -> Path:
    """Write REPORT.md, plots, runs.csv and marl_eval_results.json to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    grouped = group_runs(runs)
    algorithms = _order({r.arm for r in runs})
    subjects = qllm_arms(algorithms)
    lines = ["# Benchmark report: " + " and ".join(a.upper() for a in subjects) + " vs "
             + ", ".join(a.upper() for a in algorithms if a not in subjects), ""]
    for info in sweep_infos:
        wall = info.get("wall_time_s")
        if wall is None:
            lines += [f"Sweep `{info.get('preset')}` started {info.get('started')} has not finished "
                      "(no wall time recorded); the tables cover the runs done so far.", ""]
            continue
        lines.append(
            f"Sweep `{info.get('preset')}` ({info.get('mode')}, {info.get('n_jobs')} parallel "
            f"jobs): {len(runs)} runs, total wall time **{wall / 60:.1f} min** "
            f"on {info.get('machine', {}).get('cpus')} CPUs ({info.get('machine', {}).get('platform')}), "
            f"started {info.get('started')}. Command: `{' '.join(info.get('command', []))}`")
        lines.append("")
    lines += [
        "Returns are BenchMARL's evaluation returns (mean over evaluation episodes, greedy policy). "
        "Per algorithm and task: IQM over seeds with a 95% stratified percentile-bootstrap CI "
        "(2000 resamples). *final* = last evaluation; *best* = best evaluation of each run. "
        "frames/s = frames / wall time of the run's training loop (collection, training and "
        "evaluation), measured in the same sweep on the same machine.", ""]

    # Headline: P(QLLM arm > X) per task.
    improvements = {subject: improvement_table(grouped, subject) for subject in subjects}
    for subject, table in improvements.items():
        if not table:
            continue
        name = subject.upper()
        lines += [f"## Headline: does {name} beat each other arm?", "",
                  f"Probability of improvement P({name} > X) on the final return (normalised per "
                  "task), 95% CI; **win** if the CI lies above 0.5, **loss** if below, otherwise "
                  "**tie**.", "",
                  "| other arm | " + " | ".join(next(iter(table.values())).keys()) + " |",
                  "|---|" + "---|" * len(next(iter(table.values()))),
                  ]
        tally = defaultdict(int)
        for other, row in table.items():
            cells = []
            for task, poi in row.items():
                seeds = _fewest_seeds(grouped, subject, other, None if task == "all tasks" else task)
                v = stats.verdict(poi) if seeds >= MIN_SEEDS_FOR_VERDICT else f"n/a ({seeds} seeds)"
                if task != "all tasks":
                    tally[v if seeds >= MIN_SEEDS_FOR_VERDICT else "n/a"] += 1
                cells.append(f"{poi[0]:.2f} [{poi[1]:.2f}, {poi[2]:.2f}] **{v}**")
            lines.append(f"| {other.upper()} | " + " | ".join(cells) + " |")
        lines += ["", f"Per task and other arm: {tally['win']} wins, {tally['tie']} ties, "
                      f"{tally['loss']} losses for {name}"
                  + (f" ({tally['n/a']} cells with fewer than {MIN_SEEDS_FOR_VERDICT} seeds "
                     "get no verdict)" if tally["n/a"] else "") + ".", ""]

    # Per-task tables.
    lines += ["## Results per task", ""]
    for task, by_algo in grouped.items():
        lines += [f"### {task}", "",
                  "| arm | seeds | final return IQM [95% CI] | best return IQM [95% CI] | "
                  "frames | wall time / run (s) | frames/s | mixer params |",
                  "|---|---|---|---|---|---|---|---|"]
        for algo, rs in by_algo.items():
            params = {r.mixer_params for r in rs}
            lines.append(
                f"| {algo.upper()} | {len(rs)} | {_ci([r.final_return for r in rs])} | "
                f"{_ci([r.best_return for r in rs])} | {int(_mean([r.frames for r in rs])):,} | "
                f"{_mean([r.wall_time_s for r in rs]):.0f} | {_mean([r.frames_per_s for r in rs]):.0f} | "
                f"{', '.join(str(p) for p in sorted(params, key=str))} |")
        lines.append("")

    # Throughput.
    if subjects:
        lines += ["## Training throughput", ""]
        for subject in subjects:
            for other in ("qmix", "vdn", "iql"):
                ratios = throughput_ratios(grouped, subject, other)
                if ratios:
                    cells = ", ".join(f"{t}: {v:.2f}" for t, v in ratios.items())
                    geo = float(np.exp(np.mean(np.log(list(ratios.values())))))
                    lines.append(f"- {subject.upper()}/{other.upper()} frames/s ratio: **{geo:.2f}** "
                                 f"(geometric mean; {cells})")
        lines.append("")

    # Plots.
    plots = [("Sample efficiency", plot_sample_efficiency(grouped, out / "sample_efficiency.png")),
             ("Performance profile", plot_performance_profile(grouped, out / "performance_profile.png"))]
    for subject, table in improvements.items():
        if table:
            name = "probability_of_improvement" + ("" if subject == "qllm" else f"_{subject}")
            plots.append((f"Probability of improvement ({subject.upper()})",
                          plot_probability_of_improvement(table, out / f"{name}.png", subject)))
    lines += ["## Plots", ""]
    for title, path in plots:
        lines += [f"### {title}", "", f"![{title}]({path.name})", ""]

    # Credit functions and inspection.
    credit_rows = {}
    for run in runs:
        if run.credit:
            credit_rows.setdefault(
                (run.full_task, run.arm, run.credit.get("origin"), run.credit.get("sha256")), []
            ).append(run.seed)
    if credit_rows:
        lines += ["## Credit functions used by QLLM", "",
                  "| task | arm | credit function | SHA-256 | produced by | model | seeds |",
                  "|---|---|---|---|---|---|---|"]
        for (task, arm, origin, sha), seeds in sorted(credit_rows.items()):
            header = next(r.credit.get("header", {}) for r in runs
                          if r.credit and r.credit.get("sha256") == sha)
            lines.append(f"| {task} | {arm} | `{_short_path(origin)}` | `{sha[:16]}…` | "
                         f"{header.get('produced-by', '?')} | {header.get('model', '?')} | "
                         f"{', '.join(map(str, sorted(seeds)))} |")
        lines.append("")
    if inspect and subjects:
        from benchmarl_qllm.inspection import inspect_run

        lines += ["## Credit inspection", "",
                  "`qllm inspect` on seed 0 of each task: each agent's credit weight w_i(s) and the "
                  "bias over one greedy evaluation episode (top) next to the agents' Q values and "
                  "Q_tot (bottom).", ""]
        for task, by_algo in grouped.items():
            for subject in [a for a in subjects if a in by_algo]:
                run = by_algo[subject][0]
                folder = task.replace("/", "_") + ("" if subject == "qllm" else f"_{subject}")
                try:
                    written = inspect_run(run.folder, out / "credit_inspection" / folder)
                except Exception as exc:  # noqa: BLE001 - reported, not fatal to the report
                    lines += [f"- {task} ({subject}): inspection failed: "
                              f"`{type(exc).__name__}: {exc}`", ""]
                    continue
                for png in [p for p in written if p.suffix == ".png"]:
                    lines += [f"### {task}, {subject} (seed {run.seed})", "",
                              f"![credit {task} {subject}]({png.relative_to(out).as_posix()})", ""]

    # Hyperparameters.
    lines += ["## Hyperparameters", ""]
    diffs = _config_differences(runs, "experiment_config")
    if diffs:
        lines += ["**Warning: experiment settings differ between runs:** "
                  + ", ".join(f"`{k}`" for k in sorted(diffs)), ""]
    else:
        lines += ["Experiment settings are identical for every run (checked from each run's "
                  "`config.pkl`; only the seed and the algorithm differ):", ""]
    first = runs[0]
    lines += ["| setting | value |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" for k, v in sorted(first.experiment_config.items()) if k not in diffs]
    lines += ["", "Model (every algorithm): " + ", ".join(
        f"{k}=`{v}`" for k, v in sorted(first.model_config.items())), "", "Algorithm settings:", ""]
    for algo in algorithms:
        config = next(r.algorithm_config for r in runs if r.arm == algo)
        lines.append(f"- {algo.upper()}: " + ", ".join(f"{k}=`{v}`" for k, v in sorted(config.items())))
    lines.append("")

    report = out / "REPORT.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    _write_runs_csv(runs, out / "runs.csv")
    (out / "marl_eval_results.json").write_text(json.dumps(merge_marl_eval(runs)))
    return report


def _write_runs_csv(runs: Sequence[Run], path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["task", "arm", "algorithm", "seed", "final_return", "best_return", "frames",
                         "wall_time_s", "frames_per_s", "mixer_params", "credit_sha256"])
        for r in sorted(runs, key=lambda r: (r.full_task, r.arm, r.seed)):
            writer.writerow([r.full_task, r.arm, r.algorithm, r.seed, f"{r.final_return:.6g}",
                             f"{r.best_return:.6g}", r.frames, f"{r.wall_time_s:.2f}",
                             f"{r.frames_per_s:.1f}", r.mixer_params,
                             (r.credit or {}).get("sha256", "")])


EXPORTED_SCALARS = ("counters_total_frames", "timers_total_time")


def export_runs(runs: Sequence[Run], dest: Path, root: Optional[Path] = None) -> int:
    """Copy what the report reads from each run (``config.pkl``, the marl-eval JSON, the QLLM
    ``credit_function*.json`` provenance, the frame and time scalars) to ``dest``, keeping each
    run's path below ``root``. Checkpoints (replay buffers, ~100 MB each) stay behind, and so do
    the per-run copies of the credit source and program: the JSON names them by SHA-256 and path
    in the package. Returns the count."""
    import shutil

    for run in runs:
        folder = run.folder
        relative = folder.relative_to(root) if root is not None and folder.is_relative_to(root) else Path(folder.name)
        target = dest / relative
        target.mkdir(parents=True, exist_ok=True)
        for path in [folder / "config.pkl", folder / f"{folder.name}.json",
                     *sorted(folder.glob("credit_function*.json"))]:
            if path.is_file():
                shutil.copy2(path, target / path.name)
        for name in EXPORTED_SCALARS:
            for csv_path in folder.glob(f"*/scalars/{name}.csv"):
                scalars = target / csv_path.parent.relative_to(folder)
                scalars.mkdir(parents=True, exist_ok=True)
                shutil.copy2(csv_path, scalars / csv_path.name)
    return len(runs)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dirs", nargs="+", type=Path, help="sweep or experiment folders")
    parser.add_argument("--out", type=Path, required=True, help="report folder")
    parser.add_argument("--no-inspect", action="store_true", help="skip credit inspection")
    parser.add_argument("--export-runs", type=Path, default=None,
                        help="also copy each run's config.pkl, results JSON, credit files and "
                             "frame/time scalars here (no checkpoints), for committing")
    args = parser.parse_args(argv)

    folders = find_experiment_folders(args.run_dirs)
    if not folders:
        print(f"report: no BenchMARL experiment folders under {args.run_dirs}", file=sys.stderr)
        return 2
    runs = [read_run(f) for f in folders]
    infos = [json.loads(p.read_text()) for d in args.run_dirs for p in Path(d).glob("sweep_info.json")]
    report = build_report(runs, args.out, infos, inspect=not args.no_inspect)
    print(f"{len(runs)} runs -> {report}")
    if args.export_runs is not None:
        root = Path(args.run_dirs[0]).resolve() if len(args.run_dirs) == 1 else None
        print(f"{export_runs(runs, args.export_runs, root)} runs exported -> {args.export_runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
