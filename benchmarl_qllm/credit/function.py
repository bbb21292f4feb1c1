"""The TFCAF contract and the loaded :class:`CreditFunction`.

A training-free credit assignment function (TFCAF) is a Python source file defining::

    def weights(td) -> Tensor[B, n_agents]     # required
    def bias(td) -> Tensor[B, 1]               # optional

``td`` is a read-only, TensorDict-like :class:`CreditInput` with batch size ``[B]`` holding
either ``td["state"]`` (``[B, state_dim]``, tasks with a global state) or ``td["observation"]``
(``[B, n_agents, obs_dim]``, tasks without one, such as VMAS), plus ``td["n_agents"]`` (an
int). It supports ``td[key]``, ``td.get(key, default)``, ``key in td``, ``td.keys()`` and
``td.batch_size``; it deliberately exposes nothing else (a real TensorDict can write files).
The mixer computes ``Q_tot = sum_i w_i * Q_i + b``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Callable, Dict, Iterator, Optional, Union

import torch

from benchmarl_qllm.credit.sandbox import CreditFunctionError, load_source

STATE_KEY = "state"
OBSERVATION_KEY = "observation"
N_AGENTS_KEY = "n_agents"

_HEADER_LINE = re.compile(r"^\s*([a-z][a-z0-9_-]*)\s*:\s*(.+?)\s*$")
HEADER_FIELDS = ("task", "produced-by", "model", "prompt-sha256", "igm", "input")


class CreditInput(Mapping):
    """The read-only mapping a TFCAF receives as ``td`` (see the module docstring)."""

    __slots__ = ("_entries", "batch_size")

    def __init__(self, entries: Dict[str, object], batch_size: torch.Size):
        self._entries = dict(entries)
        self.batch_size = torch.Size(batch_size)

    @property
    def shape(self) -> torch.Size:
        return self.batch_size

    def __getitem__(self, key: str) -> object:
        try:
            return self._entries[key]
        except (KeyError, TypeError):
            raise KeyError(
                f"the credit function input has no key {key!r}; available: {list(self._entries)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{k}: {tuple(v.shape) if isinstance(v, torch.Tensor) else v!r}"
            for k, v in self._entries.items()
        )
        return f"CreditInput(batch_size={list(self.batch_size)}, {fields})"


def make_credit_input(input_kind: str, states: torch.Tensor, n_agents: int) -> CreditInput:
    """Wrap a flat batch of states (``[B, state_dim]`` or ``[B, n_agents, obs_dim]``)."""
    return CreditInput({input_kind: states, N_AGENTS_KEY: int(n_agents)}, states.shape[:1])


def source_sha256(source: str) -> str:
    """Hex SHA-256 of a TFCAF source text (its identity in caches, logs and reports)."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def parse_header(source: str) -> Dict[str, str]:
    """Read the ``key: value`` provenance lines of the module docstring."""
    match = re.match(r'\s*(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', source, flags=re.S)
    if not match:
        return {}
    header = {}
    for line in match.group(1).splitlines():
        found = _HEADER_LINE.match(line)
        if found and found.group(1) in HEADER_FIELDS:
            header[found.group(1)] = found.group(2)
    return header


@dataclass
class CreditFunction:
    """A TFCAF that passed the static checker and was loaded in the restricted namespace."""

    source: str
    origin: str
    weights: Callable = field(repr=False)
    bias: Optional[Callable] = field(repr=False, default=None)

    @property
    def sha256(self) -> str:
        return source_sha256(self.source)

    @property
    def header(self) -> Dict[str, str]:
        return parse_header(self.source)

    @classmethod
    def from_source(cls, source: str, origin: str = "<string>") -> "CreditFunction":
        functions = load_source(source, origin=origin)
        return cls(source=source, origin=origin, **functions)

    @classmethod
    def from_file(cls, path: Union[str, Path]) -> "CreditFunction":
        path = Path(path)
        if not path.is_file():
            raise CreditFunctionError(f"credit function file not found: {path}")
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CreditFunctionError(f"{path} is not UTF-8 text: {exc}") from None
        return cls.from_source(source, origin=str(path))
