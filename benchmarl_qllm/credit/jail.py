"""Trace LLM-written TFCAF source into a verified :class:`TensorProgram`, via the jail.

:func:`trace_in_jail` sends the source to a long-lived worker process
(:mod:`benchmarl_qllm.credit._jail_worker`), started with a minimal environment, which runs it
in a forked, seccomp-confined child and answers with the traced program as JSON. Nothing the
worker or the child says is trusted: the reply is parsed defensively and the program is
verified and rebuilt here by :meth:`TensorProgram.from_json`.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

from benchmarl_qllm.credit._jail_worker import read_frame, write_frame
from benchmarl_qllm.credit.program import InputSpec, ProgramError, TensorProgram

WORKER_MODULE = "benchmarl_qllm.credit._jail_worker"
WORKER_START_TIMEOUT_S = 180.0
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_MB = 2048
# What the worker's environment holds: nothing inherited but what Python needs to start.
_KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")


class JailError(RuntimeError):
    """The jail cannot run here (no seccomp) or its worker failed to start."""


@dataclass
class TraceOutcome:
    """What tracing one source in the jail gave: a verified program, or why not.

    ``stage``: ``"traced"`` (``program`` set), ``"load"``/``"trace"`` (the candidate raised;
    ``message`` and ``line`` say where), ``"rejected"`` (the program failed verification),
    ``"timeout"`` or ``"crash"``.
    """

    stage: str
    program: Optional[TensorProgram] = None
    message: str = ""
    line: Optional[int] = None
    wall_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.program is not None


def minimal_environment() -> Dict[str, str]:
    """The worker's environment: no API keys, tokens, proxies or Python path tweaks."""
    env = {k: os.environ[k] for k in _KEPT_VARIABLES if k in os.environ}
    env.update(
        HOME=tempfile.gettempdir(), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
        PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", PYTHONWARNINGS="ignore",
        QLLM_JAIL_WORKER="1",
    )
    return env


class _Worker:
    """One worker process, started on first use and restarted after a failure."""

    def __init__(self) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self.stderr = None
        self.lock = threading.Lock()

    def _start(self) -> None:
        if not sys.platform.startswith("linux"):
            raise JailError(
                "LLM-written credit functions run only in a seccomp jail, which needs Linux; "
                "load a saved verified program (credit_program.json) instead"
            )
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", WORKER_MODULE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            env=minimal_environment(), close_fds=True, cwd="/",
        )
        try:
            hello = json.loads(read_frame(self.proc.stdout.fileno(), time.monotonic() + WORKER_START_TIMEOUT_S))
            if hello != {"ready": True}:
                raise ValueError(hello)
        except Exception as exc:  # noqa: BLE001
            tail = self._stderr_tail()
            self.stop()
            raise JailError(f"the jail worker failed to start ({exc!r}): {tail}") from None

    def _stderr_tail(self) -> str:
        try:
            self.stderr.seek(0)
            return self.stderr.read().decode(errors="replace")[-1500:]
        except (AttributeError, OSError, ValueError):
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

    def request(self, request: Dict[str, Any]) -> bytes:
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            try:
                write_frame(self.proc.stdin.fileno(), json.dumps(request).encode())
                deadline = time.monotonic() + float(request["timeout_s"]) + 15.0
                return read_frame(self.proc.stdout.fileno(), deadline)
            except (TimeoutError, EOFError, OSError, ValueError) as exc:
                self.stop()
                return json.dumps({"stage": "crash", "message": f"the jail worker failed ({type(exc).__name__})"}).encode()


_WORKER = _Worker()
atexit.register(_WORKER.stop)


def shutdown_jail() -> None:
    """Stop the jail worker (it restarts on the next trace)."""
    with _WORKER.lock:
        _WORKER.stop()


def trace_in_jail(
    source: str,
    spec: InputSpec,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> TraceOutcome:
    """Run ``source`` in the jail, trace it, and verify the program it sends back."""
    rng = random.SystemRandom()
    request = {
        "source": source, "input_kind": spec.kind, "n_agents": spec.n_agents, "input_dim": spec.dim,
        "example_batch": rng.randint(5, 300), "seed": rng.randrange(1 << 31),
        "timeout_s": float(timeout_s), "memory_mb": int(memory_mb),
    }
    started = time.perf_counter()
    raw = _WORKER.request(request)
    wall_ms = (time.perf_counter() - started) * 1e3
    try:
        reply = json.loads(raw)
        stage = reply["stage"] if isinstance(reply, dict) else None
    except (ValueError, KeyError, TypeError):
        reply, stage = {}, None
    if stage == "traced":
        try:
            program = TensorProgram.from_json(json.dumps(reply.get("program")), spec)
        except ProgramError as exc:
            return TraceOutcome("rejected", message=str(exc), wall_ms=wall_ms)
        return TraceOutcome("traced", program=program, wall_ms=wall_ms)
    if stage == "timeout":
        return TraceOutcome(
            "timeout", wall_ms=wall_ms,
            message=f"running and tracing the function took longer than {timeout_s:g} s "
            "(an endless or huge Python loop?)",
        )
    if stage in ("load", "trace", "crash", "jail"):
        message = reply.get("message") if isinstance(reply.get("message"), str) else ""
        line = reply.get("line") if isinstance(reply.get("line"), int) else None
        return TraceOutcome("crash" if stage == "jail" else stage, message=message[:1500], line=line, wall_ms=wall_ms)
    return TraceOutcome("crash", message="the jail sent a malformed reply", wall_ms=wall_ms)
