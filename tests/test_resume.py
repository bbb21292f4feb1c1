"""Kill a QLLM run mid-training and resume it the way a user would.

``python -m benchmarl.run ...`` with a checkpoint every 200 frames is killed with SIGKILL (no
clean-up, no final checkpoint) once it has moved past its first checkpoint; the TFCAF file the
run was started with is then rewritten, and ``python benchmarl/resume.py <checkpoint>``
resumes from the mid-run checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from benchmarl_qllm.credit.library import library_path
from e2e_helpers import (
    assert_finite_evaluations,
    balance_tfcaf,
    BENCHMARL_DIR,
    credit_weight_rows,
    EVALUATION_INTERVAL,
    evaluations,
    FRAMES_PER_BATCH,
    N_AGENTS,
    scalars,
    TINY_BALANCE,
)
from env_helpers import PYTHON, run_python

MAX_FRAMES = 1000
CHECKPOINT = 200  # resumed from; the kill happens once the next checkpoint (400) appears
KILL_AFTER = 400

# A valid TFCAF that behaves nothing like the original: every weight is 7 (sum 28 per state,
# where the packaged balance function's weights sum to n_agents = 4 on every state).
REPLACEMENT = balance_tfcaf(
    "Replacement written between kill and resume (must not be used by the resumed run).",
    """
def weights(td):
    obs = td["observation"]
    return torch.ones_like(obs[..., 0]) * 7.0
""", produced_by="tests/test_resume.py")

def _wait_for(root: Path, pattern: str, proc: subprocess.Popen, log: Path,
              timeout_s: float = 300) -> Path:
    """Poll for a file matching ``root.glob(pattern)`` while ``proc`` runs."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = list(root.glob(pattern))
        if found:
            return found[0]
        if proc.poll() is not None:
            raise AssertionError(f"the run exited ({proc.returncode}) before writing {pattern}:\n"
                                 + log.read_text()[-5000:])
        if time.monotonic() > deadline:
            raise AssertionError(f"no {pattern} after {timeout_s} s:\n" + log.read_text()[-5000:])
        time.sleep(0.02)


def test_sigkilled_run_resumes_from_mid_run_checkpoint_with_its_own_credit_function(tmp_path):
    original = library_path("vmas/balance").read_text(encoding="utf-8")
    tfcaf = tmp_path / "my_tfcaf.py"
    tfcaf.write_text(original, encoding="utf-8")
    original_sha = hashlib.sha256(original.encode("utf-8")).hexdigest()

    log = tmp_path / "killed_run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [PYTHON, "-m", "benchmarl.run", *TINY_BALANCE,
             f"experiment.max_n_frames={MAX_FRAMES}",
             f"experiment.checkpoint_interval={CHECKPOINT}",
             "experiment.keep_checkpoints_num=null",
             f"algorithm.credit={tfcaf}",
             "hydra.run.dir=run"],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
            env=dict(os.environ, WANDB_MODE="offline"),
        )
        try:
            # checkpoint_400 has started to be written, so checkpoint_200 is complete.
            written = _wait_for(tmp_path, f"run/*/checkpoints/checkpoint_{KILL_AFTER}.pt", proc, log)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed mid-run"
    folder = written.parent.parent
    assert not (folder / "checkpoints" / f"checkpoint_{MAX_FRAMES}.pt").exists()
    frames_before = [frames for _, frames in scalars(folder, "counters_total_frames")]
    assert KILL_AFTER <= frames_before[-1] < MAX_FRAMES
    rows_before = len(credit_weight_rows(folder))
    meta_before = json.loads((folder / "credit_function.json").read_text())
    assert meta_before["sha256"] == original_sha and meta_before["origin"] == str(tfcaf)

    # The user edits the TFCAF file the run was started with, then resumes.
    tfcaf.write_text(REPLACEMENT, encoding="utf-8")
    checkpoint = folder / "checkpoints" / f"checkpoint_{CHECKPOINT}.pt"
    started = time.monotonic()
    resumed = run_python([str(BENCHMARL_DIR / "resume.py"), str(checkpoint)], cwd=tmp_path)
    resume_s = time.monotonic() - started
    assert "Reloaded experiment with:" in resumed.stdout

    # Training continued from 200 frames to max_n_frames, one iteration at a time.
    assert (folder / "checkpoints" / f"checkpoint_{MAX_FRAMES}.pt").is_file()
    frames = scalars(folder, "counters_total_frames")[len(frames_before):]
    assert [f for _, f in frames] == list(range(CHECKPOINT + FRAMES_PER_BATCH, MAX_FRAMES + 1,
                                                FRAMES_PER_BATCH))
    assert [step for step, _ in frames] == list(range(CHECKPOINT // FRAMES_PER_BATCH,
                                                      MAX_FRAMES // FRAMES_PER_BATCH))

    # The evaluations after the resume point are in BenchMARL's results JSON.
    evals = evaluations(folder)
    after = set(range(CHECKPOINT + EVALUATION_INTERVAL, MAX_FRAMES + 1, EVALUATION_INTERVAL))
    assert after <= set(evals), sorted(evals)
    assert_finite_evaluations({k: evals[k] for k in after})

    # Same credit function: the run's record and copy are the original's, and so is what the
    # mixer computed after the resume (weights summing to n_agents, not 7 * n_agents).
    meta = json.loads((folder / "credit_function.json").read_text())
    assert meta["sha256"] == original_sha != hashlib.sha256(REPLACEMENT.encode()).hexdigest()
    assert (folder / "credit_function.py").read_text(encoding="utf-8") == original
    weights = credit_weight_rows(folder)
    resumed_rows = weights[rows_before:]
    assert len(resumed_rows) == (MAX_FRAMES - CHECKPOINT) // FRAMES_PER_BATCH
    for row in weights:
        assert math.isclose(sum(row), N_AGENTS, rel_tol=1e-4), row
        assert all(0.5 - 1e-6 <= w <= 0.5 + 0.5 * N_AGENTS + 1e-6 for w in row), row
    print(f"resume of {MAX_FRAMES - CHECKPOINT} frames took {resume_s:.1f} s")


def test_each_group_of_a_multi_group_run_reloads_its_own_function(tmp_path):
    """Resume/evaluate of a task with several agent groups: every group's saved source and
    program come back from its own files, and replacing one group's source is recorded there."""
    from benchmarl_qllm.algorithms import credit_files
    from benchmarl_qllm.credit.function import CreditFunction
    from benchmarl_qllm.credit.library import library_entries, LLM
    from benchmarl_qllm.credit.program import InputSpec

    entries = library_entries(LLM)
    specs = {"adversary": InputSpec("observation", 3, 16), "agent": InputSpec("observation", 1, 14)}
    for group, spec in specs.items():
        function = CreditFunction.from_file(entries[f"vmas/simple_tag/{group}"])
        credit_files.save_source(tmp_path, function, {"credit": "llm"}, group, 2)
        credit_files.save_program(tmp_path, group, 2, function.program(spec))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "credit_function_adversary.json", "credit_function_adversary.py", "credit_function_agent.json",
        "credit_function_agent.py", "credit_program_adversary.json", "credit_program_agent.json"]
    for group, spec in specs.items():
        loaded = credit_files.load_saved(tmp_path, group, 2, spec)
        assert loaded.header["task"] == f"vmas/simple_tag/{group}" and spec in loaded.programs
    (tmp_path / "credit_function_agent.py").write_text(
        (tmp_path / "credit_function_agent.py").read_text() + "\n# fixed\n")
    with pytest.warns(UserWarning, match="was replaced"):
        credit_files.load_saved(tmp_path, "agent", 2, specs["agent"])
    assert json.loads((tmp_path / "credit_function_agent.json").read_text())["replaced"]
    assert "replaced" not in json.loads((tmp_path / "credit_function_adversary.json").read_text())
