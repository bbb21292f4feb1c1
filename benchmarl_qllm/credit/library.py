"""The packaged credit-function library: one TFCAF file per ``<env>/<task>``.

Files live in ``benchmarl_qllm/credit_library/<env>/<task>.py``; each task family package
points at its folder (``benchmarl_qllm.environments.<env>.CREDIT_LIBRARY``, from
:func:`library_dir`). Looking a task's TFCAF up happens here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from benchmarl_qllm.credit.sandbox import CreditFunctionError

LIBRARY_ROOT = Path(__file__).resolve().parent.parent / "credit_library"


def library_dir(env_name: str) -> Path:
    """The folder holding the packaged TFCAFs of task family ``env_name`` (``"vmas"``)."""
    return LIBRARY_ROOT / env_name


def library_entries() -> Dict[str, Path]:
    """Map ``"env/task"`` to the packaged TFCAF file, for every file in the library."""
    entries = {}
    for path in sorted(LIBRARY_ROOT.glob("*/*.py")):
        entries[f"{path.parent.name}/{path.stem}"] = path
    return entries


def library_path(task: str) -> Path:
    """The packaged TFCAF for ``task`` (``"vmas/balance"``), or a clear error."""
    entries = library_entries()
    key = task.lower()
    if key not in entries:
        raise CreditFunctionError(
            f"no packaged credit function for task '{task}'. Available: "
            f"{', '.join(entries) or '(none)'}. Pass algorithm.credit=<path to a TFCAF file> "
            "or generate one with `qllm generate`."
        )
    return entries[key]
