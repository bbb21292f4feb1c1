"""BenchMARL's own defaults: the documented command with the default experiment config.

No ``experiment=`` preset: BenchMARL's ``base_experiment`` with ``loggers: [csv, wandb]`` and
``render: True``; only budget keys are reduced. HOME is an empty folder and every WANDB_*
variable is removed, as on a fresh machine where nobody ran ``wandb login``.
"""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path

import benchmarl
import pytest
import torch

from benchmarl_qllm import logging_defaults
from env_helpers import PYTHON

BENCHMARL_DIR = Path(benchmarl.__file__).resolve().parent
BUDGET = [
    "experiment.max_n_frames=600",
    "experiment.off_policy_collected_frames_per_batch=600",
    "experiment.off_policy_n_optimizer_steps=5",
    "experiment.evaluation_episodes=2",
]


def _fresh_user_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env.update(HOME=str(home), HYDRA_FULL_ERROR="1")
    env.pop("NETRC", None)
    return env


def _run_default(entry: list, algorithm: str, tmp_path: Path) -> tuple:
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run(
        [PYTHON, *entry, f"algorithm={algorithm}", "task=vmas/balance", *BUDGET, "hydra.run.dir=out"],
        cwd=tmp_path,
        env=_fresh_user_env(home),
        stdin=subprocess.DEVNULL,  # a login prompt would fail instead of hanging
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    (folder,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir() and p.name != ".hydra"]
    return proc, folder


@pytest.mark.parametrize(
    "entry, algorithm",
    [([str(BENCHMARL_DIR / "run.py")], "qllm"), (["-m", "benchmarl.run"], "qmix")],
    ids=["run.py-qllm", "benchmarl.run-qmix"],
)
def test_default_experiment_runs_without_wandb_credentials(entry, algorithm, tmp_path):
    proc, folder = _run_default(entry, algorithm, tmp_path)
    output = proc.stdout + proc.stderr

    results = json.loads((folder / f"{folder.name}.json").read_text())
    steps = results["vmas"]["balance"][algorithm]["seed_0"]
    returns = [r for key, step in steps.items() if key.startswith("step_") for r in step["return"]]
    assert returns and all(torch.isfinite(torch.tensor(returns)))

    (offline_run,) = (folder / "wandb").glob("offline-run-*")
    assert list(offline_run.glob("*.wandb")), "the offline run holds no wandb data file"
    notes = [line for line in output.splitlines() if "no W&B credentials found" in line]
    assert len(notes) == 1 and "wandb sync" in notes[0]

    # render: True -> one evaluation video from the CSV logger (written, or skipped once).
    videos = list(folder.glob("*/videos/eval_video_*.mp4"))
    if logging_defaults.pyav_available() or logging_defaults.torchvision_video_problem() is None:
        assert videos and all(v.stat().st_size > 1000 for v in videos)
    else:
        assert output.count("evaluation videos are skipped") == 1


# wandb credentials --------------------------------------------------------------------------------
def test_wandb_credentials_from_key_netrc_or_nothing(tmp_path):
    assert logging_defaults.wandb_credentials_found({"WANDB_API_KEY": "x" * 40})
    assert not logging_defaults.wandb_credentials_found({"HOME": str(tmp_path)})
    (tmp_path / ".netrc").write_text("machine api.wandb.ai\n  login user\n  password " + "k" * 40 + "\n")
    assert logging_defaults.wandb_credentials_found({"HOME": str(tmp_path)})
    # a login for another W&B server does not count for the default one, and vice versa
    other = {"HOME": str(tmp_path), "WANDB_BASE_URL": "https://wandb.example.org"}
    assert not logging_defaults.wandb_credentials_found(other)
    (tmp_path / "custom_netrc").write_text("machine wandb.example.org login u password p\n")
    assert logging_defaults.wandb_credentials_found(dict(other, NETRC=str(tmp_path / "custom_netrc")))


@pytest.mark.parametrize(
    "environ, expected_mode",
    [
        ({}, "offline"),                                   # no credentials: offline
        ({"WANDB_API_KEY": "k" * 40}, None),               # credentials: online as usual
        ({"WANDB_MODE": "disabled"}, "disabled"),          # the user's choice is kept
    ],
)
def test_offline_mode_only_without_credentials(environ, expected_mode, monkeypatch, tmp_path):
    for key in [k for k in os.environ if k.startswith("WANDB_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    switched = logging_defaults.use_wandb_offline_without_credentials()
    assert switched == (expected_mode == "offline" and "WANDB_MODE" not in environ)
    assert os.environ.get("WANDB_MODE") == expected_mode


# videos -------------------------------------------------------------------------------------------
def _csv_experiment(tmp_path):
    from torchrl.record.loggers.csv import CSVExperiment

    return CSVExperiment(str(tmp_path), video_format="mp4", video_fps=10)


def _video(frames=6):
    return torch.randint(0, 255, (1, frames, 3, 32, 48), dtype=torch.uint8)  # [1, T, C, H, W]


def test_video_fallback_writes_a_playable_mp4(monkeypatch, tmp_path):
    import av
    from torchrl.record.loggers.csv import CSVExperiment

    monkeypatch.setattr(CSVExperiment, "add_video", _unpatched_add_video())  # restored after
    mode = logging_defaults.install_video_fallback(problem="torchvision has no write_video", use_pyav=True)
    assert mode == "pyav"
    _csv_experiment(tmp_path).add_video("eval_video", _video(6), global_step=3)
    path = tmp_path / "videos" / "eval_video_3.mp4"
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
    assert (stream.width, stream.height, frames) == (48, 32, 6)


def test_video_fallback_skips_with_one_warning_without_pyav(monkeypatch, tmp_path):
    from torchrl.record.loggers.csv import CSVExperiment

    monkeypatch.setattr(CSVExperiment, "add_video", _unpatched_add_video())
    monkeypatch.setattr(logging_defaults, "_video_warning_issued", False)
    mode = logging_defaults.install_video_fallback(problem="torchvision cannot be imported", use_pyav=False)
    assert mode == "skip"
    logger = _csv_experiment(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logger.add_video("eval_video", _video(), global_step=0)
        logger.add_video("eval_video", _video(), global_step=1)
    messages = [str(w.message) for w in caught if "evaluation videos are skipped" in str(w.message)]
    assert len(messages) == 1 and "torchvision cannot be imported" in messages[0]
    assert not list(tmp_path.glob("videos/*.mp4"))


def test_video_fallback_leaves_a_working_torchvision_alone(monkeypatch):
    from torchrl.record.loggers.csv import CSVExperiment

    before = _unpatched_add_video()
    monkeypatch.setattr(CSVExperiment, "add_video", before)
    assert logging_defaults.install_video_fallback(problem=None) is None
    assert CSVExperiment.add_video is before


def _unpatched_add_video():
    """TorchRL's own CSVExperiment.add_video, even if the fallback wrapped it at import."""
    from torchrl.record.loggers.csv import CSVExperiment

    method = CSVExperiment.add_video
    while getattr(method, "_qllm_video_fallback", None):
        method = method._qllm_original
    return method
