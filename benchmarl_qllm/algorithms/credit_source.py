"""Turn ``algorithm.credit`` into a TFCAF: ``library`` | ``llm`` | ``handwritten`` | ``generate`` | a path.

* ``llm``: the packaged LLM-written TFCAF of the task (``credit_library/<env>/llm/<task>.py``);
* ``handwritten``: the packaged hand-written reference TFCAF;
* ``library`` (the default): ``llm`` where the package has one, else ``handwritten``, saying so
  in one warning; the run's ``credit_function.json`` records which one was used;
* ``generate``: the cached generated one (generating it with the configured LLM if needed);
* a path: any TFCAF file; for a task with several agent groups, a folder holding
  ``<group>.py`` for each group (or one file used by every group).

A task with several agent groups gets one credit function per group; its credit target is
``"env/task/group"`` (:func:`~benchmarl_qllm.environments.sampling.credit_target`), and so are its library entry and cache key.

Lives above :mod:`benchmarl_qllm.credit` because ``generate`` needs
:mod:`benchmarl_qllm.generation` (the cache and the coder-evaluator loop).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping, Optional

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
    credit: str, task: str, igm: str = "enforce", gamma: Optional[float] = None,
    group: Optional[str] = None, task_overrides: Optional[Mapping[str, Any]] = None,
) -> CreditFunction:
    """Load the TFCAF selected by ``credit`` for ``task`` (a credit target: ``"env/task"``, or
    ``"env/task/group"`` for one group of a multi-group task; ``group`` picks ``<group>.py``
    when ``credit`` is a folder). ``task_overrides`` (the run's task settings that differ from
    the task's YAML) describe the environment ``generate`` writes for and caches under.

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
        return load_or_generate(task, igm=igm, task_overrides=task_overrides, **kwargs)
    path = Path(credit).expanduser()
    if path.is_dir() and group is not None:
        path = path / f"{group}.py"
    if not path.is_file():
        raise CreditFunctionError(
            f"algorithm.credit='{credit}' is none of {', '.join(CHOICES)} nor an existing file"
        )
    return CreditFunction.from_file(path)
