"""The provenance header of a generated TFCAF (the module docstring
:func:`benchmarl_qllm.credit.function.parse_header` reads)."""

from __future__ import annotations

import ast
import re
from typing import Dict

from benchmarl_qllm.credit.function import HEADER_FIELDS, OBSERVATION_KEY


def input_text(description) -> str:
    """The ``input:`` header value: the TFCAF's input and its shape."""
    if description.input_kind == OBSERVATION_KEY:
        return f"observation [B, n_agents, {description.input_dim}]"
    return f"state [B, {description.input_dim}]"


_HEADER_LINE = re.compile(r"^\s*(" + "|".join(re.escape(f) for f in HEADER_FIELDS) + r")\s*:", re.I)


def with_header(source: str, fields: Dict[str, str], note: str = "") -> str:
    """``source`` with a module docstring in the :mod:`~benchmarl_qllm.credit.function` header
    format. The candidate's own docstring is kept below the header, minus lines that would
    read as header fields."""
    body, own = source, ""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    if tree is not None and tree.body:
        first = tree.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            own = ast.get_docstring(tree, clean=True) or ""
            lines = source.splitlines()
            body = "\n".join(lines[: first.lineno - 1] + lines[first.end_lineno:]).lstrip("\n")
    title = f"Training-free credit assignment function for {fields['task']}."
    own_lines = [line for line in own.splitlines()
                 if not _HEADER_LINE.match(line) and line.strip() != title]
    while own_lines and not own_lines[0].strip():
        own_lines.pop(0)
    text = [title, ""]
    text += [f"{k}: {fields[k]}" for k in HEADER_FIELDS]
    if note:
        text += ["", note]
    if any(line.strip() for line in own_lines):
        text += ["", *own_lines]
    doc = "\n".join(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{doc}\n"""\n\n{body.rstrip()}\n'
