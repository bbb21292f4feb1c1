"""Turn ``algorithm.credit`` into a TFCAF: ``library`` | ``llm`` | ``handwritten`` | ``generate`` | a path.

* ``llm``: the packaged LLM-written TFCAF of the task (``credit_library/<env>/llm/<task>.py``);
* ``handwritten``: the packaged hand-written reference TFCAF;
* ``library`` (the default): ``llm`` where the package has one, else ``handwritten``, saying so
  in one warning; the run's ``credit_function.json`` records which one was used;
* ``generate``: the cached generated one (generating it with the configured LLM if needed);
* a path: any TFCAF file.

Lives above :mod:`benchmarl_qllm.credit` because ``generate`` needs
:mod:`benchmarl_qllm.generation` (the cache and the coder-evaluator loop).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Optional

from benchmarl_qllm.credit.function import CreditFunction
from benchmarl_qllm.credit.library import HANDWRITTEN, library_entries, library_path, LLM
from benchmarl_qllm.credit.sandbox import CreditFunctionError

LIBRARY = "library"
GENERATE = "generate"
CHOICES = (LIBRARY, LLM, HANDWRITTEN, GENERATE)


def library_variant(credit: str, task: str) -> Optional[str]:
    """Which packaged variant ``credit`` selects for ``task`` (``None`` for generate/paths)."""
    if credit in (LLM, HANDWRITTEN):
        return credit
    if credit == LIBRARY:
        return LLM if task.lower() in library_entries(LLM) else HANDWRITTEN
    return None


def resolve_credit_function(
    credit: str, task: str, igm: str = "enforce", gamma: Optional[float] = None
) -> CreditFunction:
    """Load the TFCAF selected by ``credit`` for ``task`` (``"env/task"``).

    Every route goes through the static checker; the function is then traced in the jail and
    runs only as its verified tensor program.
    """
    variant = library_variant(credit, task)
    if variant is not None:
        if credit == LIBRARY and variant == HANDWRITTEN and task.lower() in library_entries(HANDWRITTEN):
            warnings.warn(
                f"no LLM-written credit function is packaged for {task}: using the hand-written "
                f"reference (run `qllm generate {task}` and algorithm.credit=generate for an "
                "LLM-written one)",
                stacklevel=2,
            )
        return CreditFunction.from_file(library_path(task, variant))
    if credit == GENERATE:
        from benchmarl_qllm.generation.cache import load_or_generate

        kwargs = {} if gamma is None else {"gamma": gamma}
        return load_or_generate(task, igm=igm, **kwargs)
    path = Path(credit).expanduser()
    if not path.is_file():
        raise CreditFunctionError(
            f"algorithm.credit='{credit}' is none of {', '.join(CHOICES)} nor an existing file"
        )
    return CreditFunction.from_file(path)
