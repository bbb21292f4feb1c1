"""Benchmark sweeps and reports: the `smoke` preset end to end, the report builder on the run
folders it produced, `qllm inspect`, and the statistics behind the report."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from benchmarks import stats
from benchmarks.report import find_experiment_folders, read_run
from benchmarks.sweep import load_preset
from env_helpers import PYTHON, run_python

REPO = Path(__file__).resolve().parents[1]


# Presets ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["smoke", "cpu", "paper"])
def test_presets_name_known_tasks_and_share_one_experiment_config(name):
    import benchmarl_qllm  # noqa: F401
    from benchmarl.algorithms import algorithm_config_registry
    from benchmarl.environments import task_config_registry

    preset = load_preset(name)
    assert set(preset.algorithms) == {"qllm", "qmix", "vdn", "iql"}
    assert all(a in algorithm_config_registry for a in preset.algorithms)
    assert all(t in task_config_registry for t in preset.tasks), preset.tasks
    assert len(preset.seeds) >= (2 if name == "smoke" else 5)
    assert preset.experiment["checkpoint_at_end"] is True  # needed by `qllm inspect`


def test_learn_preset_has_five_arms_on_three_tasks_of_two_families():
    import benchmarl_qllm  # noqa: F401
    from benchmarl.environments import task_config_registry

    from benchmarl_qllm.credit.library import HANDWRITTEN, library_entries, LLM

    preset = load_preset("learn")
    assert preset.algorithms == ["qllm_llm", "qllm_handwritten", "qmix", "vdn", "iql"]
    conf = REPO / "benchmarl_qllm" / "conf" / "algorithm"
    assert (conf / "qllm_llm.yaml").is_file() and (conf / "qllm_handwritten.yaml").is_file()
    assert len(preset.tasks) == 3 and len({t.split("/")[0] for t in preset.tasks}) >= 2
    assert all(t in task_config_registry for t in preset.tasks)
    # both QLLM arms have their packaged credit function on every task
    assert set(preset.tasks) <= set(library_entries(LLM)) & set(library_entries(HANDWRITTEN))
    assert len(preset.seeds) >= 5 and preset.experiment["checkpoint_at_end"] is True


def test_resumable_plan_is_seed_major_and_skips_finished_runs(tmp_path):
    from benchmarks.sweep import narrow, resumable_plan, run_dir, run_finished

    preset = narrow(load_preset("learn"), seeds=["0", "1"], algorithms=["qmix", "vdn"])
    plan = resumable_plan(preset)
    assert len(plan) == 2 * 3 * 2 and [p[0] for p in plan] == [0] * 6 + [1] * 6
    folder = run_dir(tmp_path, "vmas/balance", "qmix", 0)
    exp = folder / "qmix_balance_mlp__x"
    (exp / "checkpoints").mkdir(parents=True)
    (exp / f"{exp.name}.json").write_text("{}")
    assert not run_finished(folder, 48_000)  # results JSON but no final checkpoint: unfinished
    (exp / "checkpoints" / "checkpoint_48000.pt").write_text("")
    assert run_finished(folder, 48_000)


def test_narrowing_to_an_unknown_cell_is_a_clear_error():
    proc = run_python_failing(["-m", "benchmarks.sweep", "learn", "--tasks", "vmas/nope",
                               "--dry-run"], cwd=REPO)
    assert "not in preset learn" in proc.stderr


def test_paper_preset_covers_every_family_and_cpu_preset_the_issue_tasks():
    paper = load_preset("paper")
    families = {t.split("/")[0] for t in paper.tasks}
    assert {"vmas", "lbforaging", "gfootball", "smacv2", "pettingzoo", "matrix"} <= families
    assert paper.experiment["max_n_frames"] == 2_000_000
    cpu = load_preset("cpu")
    assert cpu.tasks == ["vmas/balance", "vmas/navigation", "lbforaging/foraging_8x8_2p_2f_coop"]


def test_unknown_preset_is_a_clear_error(tmp_path):
    proc = run_python_failing(["-m", "benchmarks.sweep", "huge"], cwd=REPO)
    assert "invalid choice" in proc.stderr


def run_python_failing(args, cwd):
    import subprocess

    proc = subprocess.run([PYTHON, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    return proc


# The smoke sweep, once per session ------------------------------------------------------------------
@pytest.fixture(scope="module")
def smoke_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke_sweep")
    run_python(["-m", "benchmarks.sweep", "smoke", "--out", str(out)], cwd=REPO, timeout=1500)
    return out


def test_smoke_sweep_runs_every_algorithm_task_and_seed(smoke_sweep):
    preset = load_preset("smoke")
    folders = find_experiment_folders([smoke_sweep])
    assert len(folders) == preset.n_runs
    runs = [read_run(f) for f in folders]
    seen = {(r.algorithm, r.full_task, r.seed) for r in runs}
    assert seen == {(a, t, s) for a in preset.algorithms for t in preset.tasks for s in preset.seeds}
    assert all(r.frames == preset.experiment["max_n_frames"] for r in runs)
    info = json.loads((smoke_sweep / "sweep_info.json").read_text())
    assert info["returncode"] == 0 and info["wall_time_s"] > 0


def test_report_from_the_smoke_runs(smoke_sweep, tmp_path):
    out = tmp_path / "report"
    proc = run_python(["-m", "benchmarks.report", str(smoke_sweep), "--out", str(out)], cwd=REPO)
    assert "16 runs" in proc.stdout
    report = (out / "REPORT.md").read_text()
    for task in ("vmas/balance", "lbforaging/foraging_8x8_2p_2f_coop"):
        assert f"### {task}" in report
    # algorithm=qllm with credit=library ran the packaged LLM-written functions: arm qllm-llm
    for algo in ("QLLM-LLM", "QMIX", "VDN", "IQL"):
        assert re.search(rf"^\| {algo} \| 2 \| ", report, re.M), algo
    assert "Experiment settings are identical for every run" in report
    assert "QLLM-LLM/QMIX frames/s ratio" in report
    for png in ("sample_efficiency.png", "performance_profile.png",
                "probability_of_improvement_qllm-llm.png",
                "credit_inspection/vmas_balance_qllm-llm/credit_agents.png"):
        assert (out / png).stat().st_size > 10_000, png
        assert f"({png})" in report

    rows = list(csv.DictReader((out / "runs.csv").open()))
    assert len(rows) == 16
    assert {r["arm"] for r in rows} == {"qllm-llm", "qmix", "vdn", "iql"}
    params = {(r["algorithm"], r["task"]): int(r["mixer_params"]) for r in rows}
    assert params[("qllm", "vmas/balance")] == 0 and params[("vdn", "vmas/balance")] == 0
    assert params[("qmix", "vmas/balance")] > 1000
    # The report's numbers are the runs' own: recompute one final return from BenchMARL's JSON.
    merged = json.loads((out / "marl_eval_results.json").read_text())
    seed0 = merged["vmas"]["balance"]["qllm-llm"]["seed_0"]  # keyed by arm
    last = max((k for k in seed0 if k.startswith("step_")), key=lambda k: seed0[k]["step_count"])
    row = next(r for r in rows if r["task"] == "vmas/balance" and r["algorithm"] == "qllm"
               and r["seed"] == "0")
    assert float(row["final_return"]) == pytest.approx(np.mean(seed0[last]["return"]), rel=1e-5)


def test_report_names_the_credit_functions_by_hash(smoke_sweep, tmp_path):
    from benchmarl_qllm.credit.function import source_sha256
    from benchmarl_qllm.credit.library import library_path

    out = tmp_path / "report"
    run_python(["-m", "benchmarks.report", str(smoke_sweep), "--out", str(out), "--no-inspect"],
               cwd=REPO)
    report = (out / "REPORT.md").read_text()
    # credit=library: the packaged LLM-written function (the hand-written one is a reference arm)
    sha = source_sha256(library_path("vmas/balance", "llm").read_text(encoding="utf-8"))
    assert f"`{sha[:16]}…`" in report
    assert "benchmarl_qllm/credit_library/vmas/llm/balance.py" in report
    assert "Credit inspection" not in report


def test_report_without_runs_fails_clearly(tmp_path):
    proc = run_python_failing(["-m", "benchmarks.report", str(tmp_path), "--out", str(tmp_path / "r")],
                              cwd=REPO)
    assert "no BenchMARL experiment folders" in proc.stderr


# qllm inspect ------------------------------------------------------------------------------------------
def _run_folder(sweep: Path, algorithm: str, task: str) -> Path:
    return next(f for f in find_experiment_folders([sweep])
                if f.name.startswith(f"{algorithm}_{task}_"))


def test_inspect_traces_the_credit_the_mixer_used(smoke_sweep, tmp_path):
    folder = _run_folder(smoke_sweep, "qllm", "foraging_8x8_2p_2f_coop")
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    proc = run_python(["-m", "benchmarl_qllm.cli", "inspect", str(folder), "--out", str(tmp_path)],
                      cwd=tmp_path)
    assert str(tmp_path / "credit_agents.png") in proc.stdout
    assert (tmp_path / "credit_agents.png").stat().st_size > 10_000
    trace = json.loads((tmp_path / "credit_agents.json").read_text())
    weights = as_array(trace["weights"])
    q = as_array(trace["agent_q"])
    assert weights.shape == q.shape and weights.shape[1] == 2 and 1 <= weights.shape[0] <= 50
    assert (weights >= 0).all()  # igm: enforce
    q_tot = (weights * q).sum(-1) + as_array(trace["bias"])
    assert np.allclose(q_tot, trace["q_tot"], atol=1e-5)
    # Inspecting leaves the run folder as it was (provenance record included).
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
    meta = json.loads((folder / "credit_function.json").read_text())
    assert meta["origin"].endswith("credit_library/lbforaging/llm/foraging_8x8_2p_2f_coop.py")
    assert meta["library_variant"] == "llm"


def as_array(values):
    return np.asarray(values, dtype=float)


def test_inspect_refuses_a_non_qllm_run(smoke_sweep, tmp_path):
    folder = _run_folder(smoke_sweep, "qmix", "balance")
    proc = run_python_failing(["-m", "benchmarl_qllm.cli", "inspect", str(folder)], cwd=tmp_path)
    assert "needs a QLLM run" in proc.stderr and "Traceback" not in proc.stderr


def test_inspect_without_checkpoint_fails_clearly(tmp_path):
    proc = run_python_failing(["-m", "benchmarl_qllm.cli", "inspect", str(tmp_path)], cwd=tmp_path)
    assert "no BenchMARL checkpoint" in proc.stderr


# Statistics ----------------------------------------------------------------------------------------------
def test_iqm_is_the_mean_of_the_middle_half():
    assert stats.iqm([0, 1, 2, 3, 100, -100, 1, 2]) == pytest.approx(np.mean([1, 1, 2, 2]))
    assert stats.iqm([1, 2, 3, 4, 1000]) == pytest.approx(3.0)


def test_bootstrap_ci_brackets_the_point_and_narrows_with_more_seeds():
    rng = np.random.default_rng(0)
    few, many = rng.normal(size=5), rng.normal(size=200)
    p, lo, hi = stats.bootstrap_ci(few)
    assert lo <= p <= hi and hi > lo
    _, lo2, hi2 = stats.bootstrap_ci(many)
    assert hi2 - lo2 < hi - lo
    assert stats.bootstrap_ci([3.0]) == (3.0, 3.0, 3.0)


def test_probability_of_improvement_and_verdicts():
    better, worse = np.array([[5.0], [6.0], [7.0]]), np.array([[1.0], [2.0], [3.0]])
    poi = stats.probability_of_improvement(better, worse)
    assert poi[0] == 1.0 and stats.verdict(poi) == "win"
    assert stats.verdict(stats.probability_of_improvement(worse, better)) == "loss"
    same = stats.probability_of_improvement(better, better)
    assert same[0] == pytest.approx(0.5) and stats.verdict(same) == "tie"


def test_performance_profile_is_non_increasing_in_tau():
    scores = np.random.default_rng(1).uniform(size=(5, 3))
    profile = stats.performance_profile(scores, np.linspace(0, 1, 11))
    assert np.all(np.diff(profile["point"]) <= 0)
    assert profile["point"][0] == 1.0 and profile["point"][-1] == 0.0
    assert np.all(profile["low"] <= profile["point"] + 1e-12)


def test_python_benchmark_mode_runs_the_preset_config(tmp_path):
    """`python -m benchmarks.sweep PRESET --python`: the same experiment settings through
    BenchMARL's `Benchmark` (cut to one algorithm, task and seed here)."""
    import dataclasses

    from benchmarks.sweep import run_python as run_benchmark

    preset = dataclasses.replace(load_preset("smoke"), algorithms=["qllm"], tasks=["vmas/balance"],
                                 seeds=[3])
    assert run_benchmark(preset, tmp_path) == 0
    (folder,) = find_experiment_folders([tmp_path])
    run = read_run(folder)
    assert (run.algorithm, run.full_task, run.seed) == ("qllm", "vmas/balance", 3)
    assert run.frames == preset.experiment["max_n_frames"]
    assert run.experiment_config["off_policy_n_optimizer_steps"] == preset.experiment[
        "off_policy_n_optimizer_steps"]


def test_vmas_gpu_script_runs_every_arm_and_reports_on_cpu(tmp_path):
    """`scripts/run_vmas_gpu.sh --cpu-tiny`: the paper-budget VMAS pipeline (resumable sweep of the
    five arms, then the report) with a tiny CPU budget; a rerun skips every finished run."""
    import subprocess

    script = REPO / "scripts" / "run_vmas_gpu.sh"
    env = dict(os.environ, WANDB_MODE="offline", PATH=f"{Path(PYTHON).parent}:{os.environ['PATH']}")
    proc = subprocess.run(["bash", str(script), "--cpu-tiny", str(tmp_path)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = list(csv.DictReader((tmp_path / "report" / "runs.csv").open()))
    assert sorted(r["arm"] for r in rows) == ["iql", "qllm-handwritten", "qllm-llm", "qmix", "vdn"]
    assert {r["task"] for r in rows} == {"vmas/balance"}
    report = (tmp_path / "report" / "REPORT.md").read_text()
    assert "QLLM-LLM" in report and "QLLM-HANDWRITTEN" in report and "n/a (1 seeds)" in report
    # The exported runs (no checkpoints) give the same report numbers as the run folders.
    export = tmp_path / "export"
    run_python(["-m", "benchmarks.report", str(tmp_path / "runs"), "--out", str(tmp_path / "r1"),
                "--no-inspect", "--export-runs", str(export)], cwd=REPO)
    run_python(["-m", "benchmarks.report", str(export), "--out", str(tmp_path / "r2"), "--no-inspect"],
               cwd=REPO)
    assert not list(export.rglob("*.pt")) and len(list(export.rglob("config.pkl"))) == 5
    columns = ("task", "arm", "seed", "final_return", "best_return", "frames", "wall_time_s")
    first, second = ([{k: r[k] for k in columns} for r in csv.DictReader((tmp_path / d / "runs.csv").open())]
                     for d in ("r1", "r2"))
    assert first == second
    # A rerun of the same command finds every run finished and runs nothing.
    rerun = subprocess.run([PYTHON, "-m", "benchmarks.sweep", "vmas_gpu", "--out", str(tmp_path / "runs"),
                            "--seeds", "0", "--tasks", "vmas/balance", "--", "experiment.max_n_frames=400"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0 and "5 of 5 runs finished; running 0" in rerun.stdout, rerun.stdout


# Credit overhead --------------------------------------------------------------------------------------
def test_credit_overhead_reports_ratios_of_one_round(tmp_path):
    """`benchmarks/credit_overhead.py --in-process`: one round of QLLM, VDN and QMIX with the same
    settings, each run's training and wall time, and the ratios as medians of per-round pairs."""
    out = tmp_path / "overhead.json"
    run_python([str(REPO / "benchmarks" / "credit_overhead.py"), "--in-process", "--pairs", "1",
                "--iterations", "1", "--out", str(out)], cwd=tmp_path)
    report = json.loads(out.read_text())
    assert report["mode"] == "in one process" and report["qllm_credit"] == "library"
    runs = report["runs"]
    assert set(runs) == {"qllm", "vdn", "qmix"} and all(len(r) == 1 for r in runs.values())
    for metric in ("wall_s", "training_s"):
        ratios = report["summary"][metric]["time_ratio_median_of_pairs"]
        assert ratios["qllm/vdn"] == runs["qllm"][0][metric] / runs["vdn"][0][metric]
        assert ratios["qllm/qmix"] == runs["qllm"][0][metric] / runs["qmix"][0][metric]
        assert report["summary"][metric]["time_ratio_ci95"] == {"qllm/vdn": None, "qllm/qmix": None}
    assert all(0 < runs[a][0]["training_s"] < runs[a][0]["wall_s"] for a in runs)
