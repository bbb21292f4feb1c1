"""Make BenchMARL's default experiment (``loggers: [csv, wandb]``, ``render: True``) run as is.

Two small compatibility shims, each activated only in the situation it repairs and each
saying so once. BenchMARL's and TorchRL's installed files are never edited.

* **wandb without credentials.** BenchMARL's default loggers include wandb; with no API key,
  ``wandb.init`` raises (no terminal) or waits at a login prompt (terminal). When no
  credentials can be found and ``WANDB_MODE`` is unset, :func:`use_wandb_offline_without_credentials`
  sets ``WANDB_MODE=offline``: runs log to a local ``wandb/`` folder inside the experiment folder
  that ``wandb sync`` uploads later. With credentials nothing changes (online, as usual).
* **Evaluation videos.** TorchRL's CSV logger writes mp4 files with
  ``torchvision.io.write_video``, which torchvision removed in 0.24 (and which is unusable when
  torchvision cannot be imported next to the installed torch). :func:`install_video_fallback`
  then writes the same mp4 with PyAV (a BenchMARL dependency) or, if that is missing too,
  skips videos with one warning that says why and how to get them.
"""

from __future__ import annotations

import logging
import netrc
import os
import warnings
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import torch

logger = logging.getLogger(__name__)

DEFAULT_WANDB_HOST = "api.wandb.ai"
_offline_note_printed = False
_video_warning_issued = False


# wandb ------------------------------------------------------------------------------------------
def wandb_credentials_found(environ: Optional[dict] = None) -> bool:
    """Whether wandb can authenticate without asking: an API key in the environment, an
    identity-token file, or a ``wandb login`` entry in the netrc file for the W&B host."""
    env = os.environ if environ is None else environ
    if env.get("WANDB_API_KEY") or env.get("WANDB_IDENTITY_TOKEN_FILE"):
        return True
    host = urlparse(env.get("WANDB_BASE_URL") or f"https://{DEFAULT_WANDB_HOST}").hostname
    netrc_path = env.get("NETRC") or str(Path(env.get("HOME", "~")).expanduser() / ".netrc")
    try:
        entry = netrc.netrc(netrc_path).authenticators(host or DEFAULT_WANDB_HOST)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False
    return bool(entry and entry[2])


def use_wandb_offline_without_credentials() -> bool:
    """Set ``WANDB_MODE=offline`` when wandb has no credentials and no mode was chosen.

    Returns whether offline mode was switched on. The one-line note is printed when a wandb
    logger actually starts (see :func:`_announce_offline_run`), not on every import.
    """
    if os.environ.get("WANDB_MODE") or wandb_credentials_found():
        return False
    os.environ["WANDB_MODE"] = "offline"
    _wrap_wandb_logger_start()
    return True


def _wrap_wandb_logger_start() -> None:
    try:
        from torchrl.record.loggers.wandb import WandbLogger
    except ImportError:  # pragma: no cover - torchrl is a dependency
        return
    original = WandbLogger._create_experiment
    if getattr(original, "_qllm_offline_note", False):
        return

    def _create_experiment(self):
        experiment = original(self)
        _announce_offline_run(getattr(self, "save_dir", None))
        return experiment

    _create_experiment._qllm_offline_note = True
    WandbLogger._create_experiment = _create_experiment


def _announce_offline_run(save_dir: Optional[str]) -> None:
    global _offline_note_printed
    if _offline_note_printed or os.environ.get("WANDB_MODE") != "offline":
        return
    _offline_note_printed = True
    where = Path(save_dir or ".") / "wandb"
    print(
        f"wandb: no W&B credentials found (WANDB_API_KEY or `wandb login`), logging offline to "
        f"{where}; upload later with `wandb sync {where}/offline-run-*`",
        flush=True,
    )


# videos -----------------------------------------------------------------------------------------
def torchvision_video_problem() -> Optional[str]:
    """Why ``torchvision.io.write_video`` cannot be used here, or ``None`` when it can."""
    try:
        import torchvision.io
    except Exception as exc:  # noqa: BLE001 - a broken build raises RuntimeError, not ImportError
        return f"torchvision cannot be imported next to torch {torch.__version__} ({exc})"
    if not callable(getattr(torchvision.io, "write_video", None)):
        return f"torchvision {torchvision.__version__} has no torchvision.io.write_video"
    return None


def write_mp4(path: str, frames: torch.Tensor, fps: float, **_: object) -> None:
    """Write ``frames`` (``[T, H, W, 3]`` uint8) as an H.264 mp4 with PyAV; the signature of
    ``torchvision.io.write_video`` (extra options such as codec settings are ignored)."""
    import av

    array = frames.detach().to("cpu", torch.uint8).contiguous().numpy()
    with av.open(path, mode="w") as container:
        stream = container.add_stream("libx264", rate=int(round(fps)))
        stream.width, stream.height = int(array.shape[2]), int(array.shape[1])
        stream.pix_fmt = "yuv420p"
        for image in array:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def pyav_available() -> bool:
    """Whether PyAV (BenchMARL's video dependency) can be imported."""
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


_PROBE = object()


def install_video_fallback(problem=_PROBE, use_pyav: Optional[bool] = None) -> Optional[str]:
    """Keep TorchRL's CSV logger writing evaluation videos when torchvision cannot.

    Args:
        problem: why torchvision cannot write videos (default: probed with
            :func:`torchvision_video_problem`); ``None`` means it can.
        use_pyav: write with PyAV (default: whether PyAV imports).

    Returns ``None`` when torchvision works (nothing is changed), ``"pyav"`` when videos are
    written with PyAV instead, or ``"skip"`` when they are skipped with one warning.
    """
    if problem is _PROBE:
        problem = torchvision_video_problem()
    if problem is None:
        return None
    from torchrl.record.loggers.csv import CSVExperiment

    original = CSVExperiment.add_video
    if getattr(original, "_qllm_video_fallback", None):
        return original._qllm_video_fallback
    mode = "pyav" if (pyav_available() if use_pyav is None else use_pyav) else "skip"

    def add_video(self, tag, vid_tensor, global_step=None, **kwargs):
        # TorchRL's mp4 branch, with the writer swapped: same file names, same tensor layout.
        if self.video_format != "mp4":
            return original(self, tag, vid_tensor, global_step=global_step, **kwargs)
        if mode == "skip":
            _warn_videos_skipped(problem)
            return None
        if global_step is None:
            global_step = self.videos_counter[tag]
            self.videos_counter[tag] += 1
        folder = Path(self.log_dir, "videos")
        folder.mkdir(parents=True, exist_ok=True)
        if vid_tensor.ndim > 4:
            vid_tensor = vid_tensor.flatten(0, vid_tensor.ndim - 4)
        frames = vid_tensor.permute(0, 2, 3, 1)  # [T, C, H, W] -> [T, H, W, C]
        frames = frames.expand(*frames.shape[:-1], 3)
        write_mp4(str(folder / f"{tag}_{global_step}.mp4"), frames, fps=kwargs.get("fps", self.video_fps))
        return None

    add_video._qllm_video_fallback = mode
    add_video._qllm_original = original
    CSVExperiment.add_video = add_video
    if mode == "pyav":
        logger.info("evaluation videos: %s; writing mp4 files with PyAV instead", problem)
    return mode


def _warn_videos_skipped(problem: str) -> None:
    global _video_warning_issued
    if _video_warning_issued:
        return
    _video_warning_issued = True
    warnings.warn(
        f"evaluation videos are skipped: {problem}, and PyAV (`pip install 'av<14'`) is not "
        "installed. Install PyAV, or a torch/torchvision pair that imports together, to get "
        "videos; set experiment.render=False to silence this.",
        RuntimeWarning,
        stacklevel=2,
    )
