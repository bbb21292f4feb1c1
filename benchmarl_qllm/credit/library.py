"""The packaged credit-function library: per ``<env>/<task>``, an LLM-written and/or a
hand-written TFCAF.

* ``benchmarl_qllm/credit_library/<env>/llm/<task>.py``: written by an LLM through
  ``qllm generate`` (header: model, backend, prompt hash), next to its full transcript
  ``<task>.transcript.json`` (every prompt, answer and check);
* ``benchmarl_qllm/credit_library/<env>/<task>.py``: written by hand, kept as a reference.

A task with several agent groups has one TFCAF per group, ``<env>/llm/<task>/<group>.py``, looked
up by its credit target ``"env/task/group"``.

Each task family package points at its folder (``benchmarl_qllm.environments.<env>.CREDIT_LIBRARY``,
from :func:`library_dir`). Looking a task's TFCAF up happens here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from benchmarl_qllm.credit.sandbox import CreditFunctionError

LIBRARY_ROOT = Path(__file__).resolve().parent.parent / "credit_library"


def library_dir(env_name: str) -> Path:
    """The folder holding the packaged TFCAFs of task family ``env_name`` (``"vmas"``)."""
    return LIBRARY_ROOT / env_name


LLM = "llm"
HANDWRITTEN = "handwritten"
VARIANTS = (LLM, HANDWRITTEN)


def library_entries(variant: str = HANDWRITTEN) -> Dict[str, Path]:
    """Map ``"env/task"`` to the packaged TFCAF file of ``variant`` (``"llm"`` or ``"handwritten"``)."""
    entries = {}
    if variant == LLM:
        for path in sorted(LIBRARY_ROOT.glob("*/llm/*.py")):
            entries[f"{path.parent.parent.name}/{path.stem}"] = path
        for path in sorted(LIBRARY_ROOT.glob("*/llm/*/*.py")):  # one per group
            entries[f"{path.parent.parent.parent.name}/{path.parent.name}/{path.stem}"] = path
        return entries
    for path in sorted(LIBRARY_ROOT.glob("*/*.py")):
        entries[f"{path.parent.name}/{path.stem}"] = path
    return entries


def library_path(task: str, variant: str = HANDWRITTEN) -> Path:
    """The packaged TFCAF of ``variant`` for ``task`` (``"vmas/balance"``), or a clear error."""
    entries = library_entries(variant)
    key = task.lower()
    if key not in entries:
        raise CreditFunctionError(
            f"no packaged {'LLM-written' if variant == LLM else 'hand-written'} credit function "
            f"for task '{task}'. Get one with `qllm generate {task}` (then "
            f"algorithm.credit=generate), or pass algorithm.credit=<path to a TFCAF file>. "
            f"Packaged: {', '.join(entries) or '(none)'}."
        )
    return entries[key]


def transcript_path(tfcaf: Path) -> Path:
    """The transcript shipped next to an LLM-written TFCAF."""
    return tfcaf.with_suffix(".transcript.json")
