"""Validate a TFCAF on given states, in a separate, resource-limited process.

:func:`validate` takes the states (and the task facts: agents, input kind, IGM mode) as
arguments; :func:`benchmarl_qllm.environments.validation.validate_for_task` samples them from a
task's live environment. It runs :func:`~benchmarl_qllm.credit.sandbox.static_check` here, then
sends the source and the states to a worker process
(:mod:`benchmarl_qllm.credit._validation_worker`) that forks one child per candidate with an
address-space limit, no file writes and one torch thread, loads the candidate in the
restricted namespace and runs :func:`benchmarl_qllm.credit.checks.run_checks`, in order:

``load``, ``call`` (runs on the real states), ``input_unchanged`` (no in-place writes into the
states), ``outputs`` (tensors of shape ``[B, n_agents]`` / ``[B, 1]``, floating point),
``finite``, ``igm`` (every weight ``>= 0`` under ``igm="enforce"``), ``no_learnable_params``,
``gradient`` (through :mod:`~benchmarl_qllm.credit.mixing`, ``dQ_tot/dQ_i == w_i``), ``deterministic``,
``batch_independence`` (single rows and chunks give the full-batch outputs), ``nonzero`` and
``speed``. A child that outlives ``timeout_s`` is killed. Messages are concrete (exception text
and line, offending rows and values) because they are fed back to the LLM that wrote the code.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

import torch

from benchmarl_qllm.credit._validation_worker import read_frame, write_frame
from benchmarl_qllm.credit.function import OBSERVATION_KEY, STATE_KEY, source_sha256
from benchmarl_qllm.credit.mixing import IGM_MODES
from benchmarl_qllm.credit.sandbox import static_check

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MEMORY_MB = 2048
DEFAULT_MAX_MS_PER_256 = 50.0
# Time the worker may take to start (it imports torch once).
WORKER_START_TIMEOUT_S = 120.0
WORKER_MODULE = "benchmarl_qllm.credit._validation_worker"


@dataclass
class CheckResult:
    """One check: its name, whether it passed, and a message meant for humans and LLMs."""

    name: str
    passed: bool
    message: str
    details: Dict[str, Any] = field(default_factory=dict)


@dataclass
class ValidationReport:
    """Everything :func:`validate` found out about one TFCAF source."""

    ok: bool
    checks: List[CheckResult]
    n_states: int
    n_agents: int
    input_kind: str
    igm: str
    source_sha256: str
    timings: Dict[str, float] = field(default_factory=dict)  # milliseconds
    stats: Dict[str, Any] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)

    @property
    def failures(self) -> List[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def check(self, name: str) -> Optional[CheckResult]:
        return next((c for c in self.checks if c.name == name), None)

    def feedback(self) -> str:
        """The failing checks, one per line (what the coder LLM is told to fix)."""
        if self.ok:
            return "all checks passed"
        return "\n".join(f"- [{c.name}] {c.message}" for c in self.failures)

    def format(self, verbose: bool = True) -> str:
        """A human-readable report."""
        status = "PASSED" if self.ok else "FAILED"
        lines = [
            f"validation {status}: {self.n_states} states, {self.n_agents} agents, "
            f"input={self.input_kind}, igm={self.igm}, sha256={self.source_sha256[:12]}"
        ]
        for c in self.checks:
            if verbose or not c.passed:
                lines.append(f"  [{'ok' if c.passed else 'FAIL'}] {c.name}: {c.message}")
        for w in self.warnings:
            lines.append(f"  [warn] {w}")
        if self.stats and verbose:
            s = self.stats
            lines.append(
                f"  weights: mean {s['weight_mean']:.3g}, min {s['weight_min']:.3g}, max "
                f"{s['weight_max']:.3g}, per agent {s['weight_mean_per_agent']}; bias mean "
                f"{s['bias_mean']:.3g}"
            )
        if self.timings:
            lines.append(
                "  timings (ms): "
                + ", ".join(f"{k[:-3] if k.endswith('_ms') else k} {v:.1f}" for k, v in self.timings.items())
            )
        return "\n".join(lines)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "ValidationReport":
        data = dict(data)
        data["checks"] = [CheckResult(**c) for c in data.get("checks", [])]
        return cls(**data)


# the worker process --------------------------------------------------------------------------------
class _Worker:
    """A long-lived ``python -m ..._validation_worker`` that forks one child per request."""

    def __init__(self) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self.stderr = None
        self.lock = threading.Lock()

    def _start(self) -> None:
        self.stderr = tempfile.TemporaryFile()
        env = dict(os.environ)
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("PYTHONWARNINGS", "ignore")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            close_fds=True,
        )
        try:
            hello = json.loads(
                read_frame(self.proc.stdout.fileno(), time.monotonic() + WORKER_START_TIMEOUT_S)
            )
            if not hello.get("ready"):
                raise RuntimeError(f"unexpected greeting {hello!r}")
        except Exception as exc:  # noqa: BLE001
            tail = self._stderr_tail()
            self.stop()
            raise RuntimeError(f"the validation worker failed to start ({exc!r}): {tail}") from None

    def _stderr_tail(self) -> str:
        if self.stderr is None:
            return ""
        try:
            self.stderr.seek(0)
            return self.stderr.read().decode(errors="replace")[-2000:]
        except (OSError, ValueError):
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.stdin.close()
                proc.wait(timeout=2)
            except Exception:  # noqa: BLE001
                proc.kill()
                proc.wait()
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None

    def request(self, header: Dict[str, Any], raw: bytes, single: bool) -> Dict[str, Any]:
        with self.lock:
            if single:
                self.stop()
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            proc = self.proc
            try:
                write_frame(proc.stdin.fileno(), json.dumps(header).encode())
                write_frame(proc.stdin.fileno(), raw)
                # The worker kills its child at timeout_s; allow it a margin to report that.
                deadline = time.monotonic() + float(header["timeout_s"]) + 15.0
                reply = json.loads(read_frame(proc.stdout.fileno(), deadline))
            except TimeoutError:
                self.stop()
                return {"timeout": True}
            except (EOFError, OSError, ValueError) as exc:
                tail = self._stderr_tail()
                self.stop()
                return {"crash": f"the validation worker died ({type(exc).__name__}) {tail[-500:]}"}
            if single:
                self.stop()
            return reply


_WORKER = _Worker()
atexit.register(_WORKER.stop)


def shutdown_worker() -> None:
    """Stop the validation worker process (it restarts on the next :func:`validate`)."""
    with _WORKER.lock:
        _WORKER.stop()


def _use_single_process() -> bool:
    """``QLLM_VALIDATOR_MODE=subprocess``: a fresh worker per candidate (slow, maximal isolation)."""
    return os.environ.get("QLLM_VALIDATOR_MODE", "").lower() == "subprocess" or not hasattr(os, "fork")


# public API ------------------------------------------------------------------------------------------
def validate(
    source: str,
    states: torch.Tensor,
    n_agents: int,
    input_kind: str,
    igm: str = "enforce",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    max_ms_per_256: float = DEFAULT_MAX_MS_PER_256,
) -> ValidationReport:
    """Statically check ``source`` and run the dynamic checks on ``states`` in another process.

    Args:
        source: the TFCAF module text.
        states: real credit inputs, ``[B, n_agents, obs_dim]`` (``input_kind="observation"``)
            or ``[B, state_dim]`` (``"state"``).
        n_agents: agents in the group.
        input_kind: ``"observation"`` or ``"state"``.
        igm: ``"enforce"`` (every weight must be ``>= 0``) or ``"relax"``.
        timeout_s: wall-clock limit of the dynamic checks; the child is killed after it.
        memory_mb: address space the child may add to what it has mapped at start.
        max_ms_per_256: speed limit, per call, scaled with the batch size.

    Never raises for a bad candidate: everything wrong ends up in the report.
    """
    if input_kind not in (OBSERVATION_KEY, STATE_KEY):
        raise ValueError(f"input_kind must be 'observation' or 'state', got '{input_kind}'")
    if igm not in IGM_MODES:
        raise ValueError(f"igm must be one of {IGM_MODES}, got '{igm}'")
    if not isinstance(states, torch.Tensor) or not states.is_floating_point():
        raise ValueError("states must be a floating-point tensor")
    expected_ndim = 3 if input_kind == OBSERVATION_KEY else 2
    if states.ndim != expected_ndim or states.shape[0] < 1 or (
        input_kind == OBSERVATION_KEY and states.shape[1] != n_agents
    ):
        shape = "[B, n_agents, obs_dim]" if input_kind == OBSERVATION_KEY else "[B, state_dim]"
        raise ValueError(f"states have shape {list(states.shape)}, expected {shape} with B >= 1")

    started = time.perf_counter()
    report = ValidationReport(
        ok=False,
        checks=[],
        n_states=int(states.shape[0]),
        n_agents=int(n_agents),
        input_kind=input_kind,
        igm=igm,
        source_sha256=source_sha256(source) if isinstance(source, str) else "",
    )
    static = static_check(source)
    report.timings["static_ms"] = (time.perf_counter() - started) * 1e3
    if not static.ok:
        report.checks.append(
            CheckResult("static", False, "rejected by the static checker: " + "; ".join(static.errors))
        )
        return report
    report.checks.append(CheckResult("static", True, "only the allowed Python/torch subset is used"))

    cpu_states = states.detach().to("cpu").contiguous()
    header = {
        "source": source,
        "n_agents": int(n_agents),
        "input_kind": input_kind,
        "igm": igm,
        "timeout_s": float(timeout_s),
        "memory_mb": int(memory_mb),
        "max_ms_per_256": float(max_ms_per_256),
        "shape": list(cpu_states.shape),
        "dtype": str(cpu_states.dtype),
    }
    raw = cpu_states.view(torch.uint8).numpy().tobytes() if cpu_states.numel() else b""
    t0 = time.perf_counter()
    try:
        reply = _WORKER.request(header, raw, single=_use_single_process())
    except RuntimeError as exc:
        reply = {"crash": str(exc)}
    report.timings["dynamic_wall_ms"] = (time.perf_counter() - t0) * 1e3

    if reply.get("timeout"):
        report.checks.append(
            CheckResult(
                "timeout",
                False,
                f"the dynamic checks did not finish within {timeout_s:g} s and were killed "
                "(an endless or huge loop, or very slow code?)",
            )
        )
    elif "crash" in reply:
        report.checks.append(CheckResult("crash", False, str(reply["crash"])))
    for c in reply.get("checks", []):
        report.checks.append(CheckResult(c["name"], c["passed"], c["message"], c.get("details", {})))
    report.warnings.extend(reply.get("warnings", []))
    report.stats.update(reply.get("stats", {}))
    for key, value in reply.get("timings", {}).items():
        report.timings[key] = float(value)
    if "child_wall_ms" in reply:
        report.timings["child_wall_ms"] = float(reply["child_wall_ms"])
    report.timings["total_ms"] = (time.perf_counter() - started) * 1e3
    names = {c.name for c in report.checks}
    report.ok = all(c.passed for c in report.checks) and "speed" in names
    return report

