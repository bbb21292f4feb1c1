"""Turn ``algorithm.credit`` (``library`` | ``generate`` | a path) into a loaded TFCAF.

Lives above :mod:`benchmarl_qllm.credit` because ``generate`` needs
:mod:`benchmarl_qllm.generation` (the cache and the coder-evaluator loop).
"""

from __future__ import annotations

from pathlib import Path

from benchmarl_qllm.credit.function import CreditFunction
from benchmarl_qllm.credit.library import library_path
from benchmarl_qllm.credit.sandbox import CreditFunctionError

LIBRARY = "library"
GENERATE = "generate"


def resolve_credit_function(credit: str, task: str, igm: str = "enforce") -> CreditFunction:
    """Load the TFCAF selected by ``credit`` for ``task`` (``"env/task"``).

    Every route goes through the static checker and the restricted loader.
    """
    if credit == LIBRARY:
        return CreditFunction.from_file(library_path(task))
    if credit == GENERATE:
        from benchmarl_qllm.generation.cache import load_or_generate

        return load_or_generate(task, igm=igm)
    path = Path(credit).expanduser()
    if not path.is_file():
        raise CreditFunctionError(
            f"algorithm.credit='{credit}' is neither 'library', 'generate' nor an existing file"
        )
    return CreditFunction.from_file(path)
