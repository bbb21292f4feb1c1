"""The jail: where LLM-written Python runs, and the only place it runs.

Started by :mod:`benchmarl_qllm.credit.jail` as ``python -I -m benchmarl_qllm.credit._jail_worker``
with a minimal environment (no API keys, no user site, no ``PYTHONPATH``). The worker imports
torch, warms up ``torch.export`` once, then serves requests from stdin. For each request it forks
a child that, before touching the candidate:

* closes every file descriptor but its result pipe,
* sets resource limits (address space, CPU seconds, no file size, no core dumps),
* pins torch to one thread,
* installs a seccomp filter that allows only memory management, reading and writing already-open
  descriptors (writing only to the result pipe), clocks, signals and exit: no ``open``, no
  ``socket``, no ``fork``/``clone``/``execve``, no ``kill``, no ``ptrace``.

Then it executes the candidate, traces ``weights``/``bias`` with ``torch.export`` on a random
input whose batch size is symbolic, decomposes the graph to core ATen operators and writes it
as JSON (:func:`~benchmarl_qllm.credit.program.encode_program`) to the pipe. The parent treats
that reply as untrusted text: it verifies and rebuilds the program itself.

Wire format (worker <-> parent): 8-byte big-endian length, then that many bytes of JSON.
"""

from __future__ import annotations

import errno
import json
import os
import random
import resource
import select
import signal
import struct
import sys
import time
import traceback
from typing import Any, Dict, List, Optional

_LEN = struct.Struct(">Q")
MAX_REQUEST = 1 << 20
MAX_REPLY = 8 << 20
MAX_MESSAGE = 1200
CANDIDATE_FILE = "<candidate>"
MAX_BATCH_SYMBOL = 1 << 24

# Everything the traced candidate may ask the kernel for (x86-64 and aarch64 names).
ALLOWED_SYSCALLS = (
    "read", "mmap", "munmap", "mremap", "brk", "mprotect", "madvise", "futex",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "exit", "exit_group",
    "clock_gettime", "clock_getres", "gettimeofday", "nanosleep", "clock_nanosleep",
    "getpid", "gettid", "getrandom", "lseek", "close", "sched_yield", "sched_getaffinity",
    "getrusage", "times", "fstat", "uname", "sysinfo", "membarrier", "rseq",
    "set_robust_list", "restart_syscall", "getcwd",
)


# framing ---------------------------------------------------------------------------------------
def write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(_LEN.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def read_exact(fd: int, n: int, deadline: Optional[float]) -> bytes:
    chunks, remaining = [], n
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: Optional[float] = None, limit: int = MAX_REPLY) -> bytes:
    (length,) = _LEN.unpack(read_exact(fd, _LEN.size, deadline))
    if length > limit:
        raise ValueError(f"frame of {length} bytes exceeds the {limit}-byte limit")
    return read_exact(fd, length, deadline)


# the jail --------------------------------------------------------------------------------------
def _memory_in_use() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def enter_jail(result_fd: int, memory_mb: int, cpu_s: float) -> None:
    """Irreversibly confine this process (see the module docstring)."""
    import pyseccomp
    import torch

    torch.set_num_threads(1)
    address_space = _memory_in_use() + int(memory_mb) * 1024 * 1024
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, result_fd)
    os.closerange(result_fd + 1, 1 << 16)
    for which, value in (
        (resource.RLIMIT_AS, address_space),
        # A backstop behind the parent's wall-clock limit, which normally fires first.
        (resource.RLIMIT_CPU, int(cpu_s) + 2),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, result_fd + 1),
    ):
        resource.setrlimit(which, (value, value))
    jail = pyseccomp.SyscallFilter(defaction=pyseccomp.ERRNO(errno.EPERM))
    for name in ALLOWED_SYSCALLS:
        try:
            jail.add_rule(pyseccomp.ALLOW, name)
        except (RuntimeError, ValueError, OSError):
            pass  # not a syscall on this architecture
    # Writing is allowed to the result pipe and to stdout/stderr, which now point to /dev/null.
    for fd in (1, 2, result_fd):
        jail.add_rule(pyseccomp.ALLOW, "write", pyseccomp.Arg(0, pyseccomp.EQ, fd))
    jail.load()


def _clip(text: str, limit: int = MAX_MESSAGE) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 20] + f"... [{len(text)} chars]"


def describe_exception(exc: BaseException, source: str) -> Dict[str, Any]:
    """``Type: message`` and the candidate line that raised it (for the coder LLM)."""
    message = "out of memory (the jail's memory limit)" if isinstance(exc, MemoryError) else _clip(exc)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == CANDIDATE_FILE]
    line = frames[-1].lineno if frames else None
    text = f"{type(exc).__name__}: {message or '(no message)'}"
    if line:
        lines = source.splitlines()
        code = lines[line - 1].strip() if line <= len(lines) else ""
        text += f" (line {line}, in {frames[-1].name}: `{_clip(code, 200)}`)"
    return {"message": text, "line": line}


def trace_candidate(request: Dict[str, Any]) -> Dict[str, Any]:
    """Execute the candidate and trace it to a program (inside the jail)."""
    import torch
    from torch.export import Dim, export

    from benchmarl_qllm.credit.function import make_credit_input
    from benchmarl_qllm.credit.program import encode_program
    from benchmarl_qllm.credit.sandbox import safe_builtins

    source, kind = request["source"], request["input_kind"]
    n_agents, dim = int(request["n_agents"]), int(request["input_dim"])
    namespace: Dict[str, Any] = {"__builtins__": safe_builtins(), "__name__": "tfcaf"}
    try:
        exec(compile(source, CANDIDATE_FILE, "exec"), namespace)  # noqa: S102 - inside the jail
    except BaseException as exc:  # noqa: BLE001
        return {"stage": "load", **describe_exception(exc, source)}
    weights_fn, bias_fn = namespace.get("weights"), namespace.get("bias")
    if not callable(weights_fn):
        return {"stage": "load", "message": "the module defines no function weights(td)", "line": None}
    if bias_fn is not None and not callable(bias_fn):
        return {"stage": "load", "message": "bias is defined but is not a function", "line": None}

    class Credit(torch.nn.Module):
        def forward(self, x):
            td = make_credit_input(kind, x, n_agents)
            w = weights_fn(td)
            b = bias_fn(td) if bias_fn is not None else x.new_zeros(x.shape[0], 1)
            return _as_output("weights", w, x, n_agents), _as_output("bias", b, x, 1)

    batch = int(request["example_batch"])
    shape = (batch, n_agents, dim) if kind == "observation" else (batch, dim)
    example = torch.randn(shape, generator=torch.Generator().manual_seed(int(request["seed"])))
    try:
        exported = export(
            Credit(), (example,),
            dynamic_shapes={"x": {0: Dim("batch", min=1, max=MAX_BATCH_SYMBOL)}},
            strict=False,
        ).run_decompositions()
        return {"stage": "traced", "program": encode_program(exported, kind, n_agents, dim)}
    except BaseException as exc:  # noqa: BLE001
        return {"stage": "trace", **describe_exception(exc, source)}


def _as_output(name: str, value, x, width: int):
    """Accept ``[B, width]`` (or ``[B]``/``[B, width, 1]``), as float32 on the input's device."""
    import torch

    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name}() returned {type(value).__name__}, expected a torch.Tensor")
    if value.dim() == 0 or value.shape[0] != x.shape[0] or value.numel() != x.shape[0] * width:
        raise ValueError(
            f"{name}() returned shape {list(value.shape)}, expected [batch, {width}] "
            "(outputs must follow the batch size of the input)"
        )
    return value.reshape(x.shape[0], width).to(torch.float32)


def _child(request: Dict[str, Any], result_fd: int) -> None:
    try:
        enter_jail(result_fd, request["memory_mb"], request["timeout_s"])
        reply = trace_candidate(request)
        payload = json.dumps(reply, allow_nan=False).encode()
    except BaseException as exc:  # noqa: BLE001
        payload = json.dumps({"stage": "jail", "message": _clip(f"{type(exc).__name__}: {exc}")}).encode()
    try:
        write_frame(result_fd, payload[: MAX_REPLY - 16] if len(payload) > MAX_REPLY - 16 else payload)
    finally:
        os._exit(0)


def serve_one(request: Dict[str, Any]) -> bytes:
    """Fork a jailed child for ``request``; its raw reply, or a JSON error the worker wrote."""
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(request, write_fd)
    os.close(write_fd)
    try:
        payload = read_frame(read_fd, deadline=started + float(request["timeout_s"]), limit=MAX_REPLY)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        payload = json.dumps({"stage": "timeout"}).encode()
    except (EOFError, ValueError):
        payload = b""
    finally:
        os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if not payload:
        payload = json.dumps({"stage": "crash", "message": _exit_message(status)}).encode()
    return payload


def _exit_message(status: int) -> str:
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        hint = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed at its CPU time limit",
                "SIGSEGV": "crashed"}.get(name, "")
        return f"the jailed process died from {name}" + (f" ({hint})" if hint else "")
    return f"the jailed process exited with status {os.WEXITSTATUS(status)} without a result"


def warm_up() -> None:
    """Trace a representative function once so that the jail needs no file access later."""
    request = {
        "source": _WARM_UP_SOURCE, "input_kind": "observation", "n_agents": 3, "input_dim": 6,
        "example_batch": 11, "seed": 0,
    }
    reply = trace_candidate(request)
    if reply.get("stage") != "traced":
        raise RuntimeError(f"jail warm-up failed: {reply}")


_WARM_UP_SOURCE = '''
import torch
import torch.nn.functional as F
def weights(td):
    x = td["observation"]
    d = torch.linalg.vector_norm(x[..., 0:2], dim=-1) + torch.cdist(x, x).mean(-1)
    s = F.softplus(x.sum(-1)) + torch.sigmoid(x.amax(-1)) + x.std(-1) + x.cumsum(-1)[..., -1]
    s = s + torch.where(x[..., 2] > 0, x[..., 3], x.new_zeros(())).clamp(0, 1) + x.sort(-1).values[..., 0]
    s = s + torch.gather(x, -1, x.argmax(-1, keepdim=True)).squeeze(-1) + F.one_hot(x.argmin(-1), 6).sum(-1)
    return torch.softmax(-d, dim=-1) * td["n_agents"] + s.abs() + torch.tensor([0.5, 1.0, 2.0])
def bias(td):
    x = td["observation"]
    return (x.mean(dim=(1, 2)) + x.max(-1).values.min(-1).values).unsqueeze(-1) * torch.exp(x[:, :1, 0])
'''


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()
    in_fd = sys.stdin.fileno()
    out_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    write_frame(out_fd, json.dumps({"ready": True}).encode())
    while True:
        try:
            request = json.loads(read_frame(in_fd, limit=MAX_REQUEST))
        except EOFError:
            return 0
        try:
            payload = serve_one(request)
        except Exception as exc:  # noqa: BLE001 - report and keep serving
            payload = json.dumps({"stage": "crash", "message": _clip(f"worker error: {exc}")}).encode()
        write_frame(out_fd, payload)


if __name__ == "__main__":
    sys.exit(main())
