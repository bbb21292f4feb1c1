"""A credit function that fails during training stops the run cleanly and can be fixed and resumed.

The function is finite on the states at reset (agents at rest) and NaN once an agent moves
faster than 0.2 units/s, which only happens in collected training data. The run must stop
with one clear error naming the function and the saved states, after a checkpoint; replacing
``credit_function.py`` in the run folder and resuming finishes the run.
"""

from __future__ import annotations

import json
import os
import subprocess

import torch

from e2e_helpers import balance_tfcaf, BENCHMARL_DIR, TINY_BALANCE, experiment_folder
from env_helpers import PYTHON, run_python

FAILS_WHEN_MOVING = balance_tfcaf(
    "NaN weights once an agent moves fast (never at reset).",
    """
def weights(td):
    obs = td["observation"]
    speed = torch.linalg.vector_norm(obs[..., 2:4], dim=-1)
    return torch.where(speed > 0.2, torch.full_like(speed, float("nan")), torch.ones_like(speed))
""", produced_by="tests/test_train_failure.py")

FIXED = balance_tfcaf(
    "The fixed function: bounded weights that grow with speed.",
    """
def weights(td):
    obs = td["observation"]
    speed = torch.linalg.vector_norm(obs[..., 2:4], dim=-1)
    return 1.0 + speed.clamp(max=1.0)
""", produced_by="tests/test_train_failure.py")


def test_failing_credit_function_stops_with_states_and_checkpoint_then_resumes(tmp_path):
    tfcaf = tmp_path / "moving_nan.py"
    tfcaf.write_text(FAILS_WHEN_MOVING, encoding="utf-8")
    proc = subprocess.run(
        [PYTHON, "-m", "benchmarl.run", *TINY_BALANCE, "experiment.max_n_frames=1000",
         f"algorithm.credit={tfcaf}", "hydra.run.dir=run"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, WANDB_MODE="offline", HYDRA_FULL_ERROR="1"),
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    errors = [line for line in output.splitlines() if line.startswith("benchmarl_qllm.credit.sandbox.CreditFunctionError")]
    assert len(errors) == 1, output[-3000:]
    error = errors[0]
    assert str(tfcaf) in error and "non-finite" in error and "credit_failure" in error and "benchmarl.resume" in error

    folder = experiment_folder(tmp_path / "run")
    (states_file,) = (folder / "credit_failure").glob("*_states.pt")
    states = torch.load(states_file)
    assert states.ndim == 3 and states.shape[0] >= 1
    speeds = torch.linalg.vector_norm(states[..., 2:4], dim=-1)
    assert bool((speeds > 0.2).any(-1).all()), "every saved state must be one the function fails on"
    (checkpoint,) = (folder / "checkpoints").glob("checkpoint_*.pt")

    # Fix the function in the run folder and resume with BenchMARL's own script.
    (folder / "credit_function.py").write_text(FIXED, encoding="utf-8")
    run_python([str(BENCHMARL_DIR / "resume.py"), str(checkpoint)], cwd=tmp_path)
    final = folder / "checkpoints" / "checkpoint_1000.pt"
    assert final.exists()
    # The resume recomputed the credit stored in the replay buffer with the fixed function: the
    # rows the failing function left zeroed now hold 1 + speed, like every other row.
    from benchmarl.experiment import Experiment

    storage = Experiment.reload_from_file(str(final)).replay_buffers["agents"].storage
    stored = storage.get(slice(0, len(storage)))
    speed = torch.linalg.vector_norm(stored.get(("agents", "observation"))[..., 2:4], dim=-1)
    torch.testing.assert_close(stored.get(("agents", "credit_weight")).squeeze(-1), 1.0 + speed.clamp(max=1.0))
    meta = json.loads((folder / "credit_function.json").read_text())
    assert meta["replaced"] and meta["replaced"][-1]["to_sha256"] == meta["sha256"]
