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
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Dict, Iterator, Optional, Union

import torch

from benchmarl_qllm.credit.program import InputSpec, ProgramError, TensorProgram
from benchmarl_qllm.credit.sandbox import CreditFunctionError, static_check

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


def program_cache_path(source_sha256: str, spec: InputSpec) -> Optional[Path]:
    """Where the verified program of a source for ``spec`` is cached between runs
    (``$QLLM_PROGRAM_CACHE``, default ``~/.cache/benchmarl_qllm/programs``; ``off`` disables).

    A cached program is verified again on every load, exactly like one from the jail, so the
    cache can never make training run anything but allowlisted tensor operators."""
    root = os.environ.get("QLLM_PROGRAM_CACHE", "")
    if root.lower() == "off":
        return None
    folder = Path(root) if root else Path.home() / ".cache" / "benchmarl_qllm" / "programs"
    version = torch.__version__.split("+")[0]
    return folder / f"{source_sha256}_{spec.kind}_{spec.n_agents}x{spec.dim}_torch{version}.json"


@dataclass
class CreditFunction:
    """A TFCAF: its source (for people) and, per input shape, its verified tensor program
    (for execution).

    No Python of the TFCAF ever runs in this process. The source passes the static checker
    (a usability filter with messages for the LLM) when the function is created; the first
    time it is evaluated for an input shape it is traced in the jail
    (:func:`~benchmarl_qllm.credit.jail.trace_in_jail`) and what comes back is verified and
    rebuilt here as a :class:`~benchmarl_qllm.credit.program.TensorProgram`. A program saved
    by an earlier run can be attached with :meth:`attach_program` (verified again, no jail).
    """

    source: str
    origin: str
    programs: Dict[InputSpec, TensorProgram] = field(default_factory=dict, repr=False)

    @property
    def sha256(self) -> str:
        return source_sha256(self.source)

    @property
    def header(self) -> Dict[str, str]:
        return parse_header(self.source)

    @classmethod
    def from_source(cls, source: str, origin: str = "<string>") -> "CreditFunction":
        static_check(source).raise_if_failed(origin)
        return cls(source=source, origin=origin)

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

    def program(self, spec: InputSpec) -> TensorProgram:
        """The verified program for inputs of ``spec``: traced in the jail on first use, or
        read from the program cache (:func:`program_cache_path`) and verified again."""
        if spec not in self.programs:
            cached = program_cache_path(self.sha256, spec)
            if cached is not None and cached.is_file():
                try:
                    self.programs[spec] = TensorProgram.from_json(cached.read_text(encoding="utf-8"), spec)
                    return self.programs[spec]
                except (OSError, ProgramError):
                    pass  # unreadable or stale: trace again
            from benchmarl_qllm.credit.jail import trace_in_jail

            outcome = trace_in_jail(self.source, spec)
            if not outcome.ok:
                raise CreditFunctionError(
                    f"credit function {self.origin} could not be turned into a verified tensor "
                    f"program ({outcome.stage}): {outcome.message}"
                )
            self.programs[spec] = outcome.program
            if cached is not None:
                try:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    cached.write_text(outcome.program.text, encoding="utf-8")
                except OSError:
                    pass  # a read-only cache only costs a trace next time
        return self.programs[spec]

    def attach_program(self, text: str, spec: InputSpec) -> TensorProgram:
        """Verify a saved program (JSON text) for ``spec`` and use it from now on."""
        try:
            program = TensorProgram.from_json(text, spec)
        except ProgramError as exc:
            raise CreditFunctionError(f"saved program of {self.origin} rejected: {exc}") from None
        self.programs[spec] = program
        return program

    def evaluate(self, x: torch.Tensor, n_agents: int, input_kind: str):
        """Weights ``[B, n_agents]`` and bias ``[B, 1]`` for a flat batch ``x``."""
        spec = InputSpec(input_kind, int(n_agents), int(x.shape[-1]))
        if x.dtype == torch.float32:
            return self.program(spec)(x)
        w, b = self.program(spec)(x.to(torch.float32))  # programs compute in float32
        return w.to(x.dtype), b.to(x.dtype)

    # Conveniences for people and tests: call the verified program on a credit input.
    def weights(self, td) -> torch.Tensor:
        """``weights(td)`` as the TFCAF defines it, computed by the verified program."""
        return self._call(td)[0]

    def bias(self, td) -> torch.Tensor:
        """``bias(td)`` (zeros when the TFCAF defines none), computed by the verified program."""
        return self._call(td)[1]

    def _call(self, td):
        kind = OBSERVATION_KEY if OBSERVATION_KEY in td else STATE_KEY
        x = td[kind]
        n_agents = td[N_AGENTS_KEY] if N_AGENTS_KEY in td else x.shape[-2]
        return self.evaluate(x, int(n_agents), kind)
