"""The process side of :mod:`benchmarl_qllm.credit.validator`.

Run as ``python -m benchmarl_qllm.credit._validation_worker``. The worker imports torch once
and then serves requests read from stdin: for each one it forks a fresh child that sets its
resource limits (address space, file size, core dumps), pins torch to one thread, loads the
candidate and runs the dynamic checks of :mod:`benchmarl_qllm.credit.checks` on the sampled
states. The worker kills a child that outlives its time limit, so a hostile or
hung candidate costs one child, never the worker or the parent. Forking a process that has
already imported torch takes milliseconds, where a fresh interpreter takes seconds.

With ``--single`` it serves one request and exits; where ``os.fork`` does not exist it runs the
checks in its own process (the parent then kills the whole worker on a timeout).

Wire format, both directions: an 8-byte big-endian length, then that many bytes. A request is
a JSON header frame followed by a frame of raw state bytes; a reply is one JSON frame. Replies
are JSON, never pickle, so a child that escaped the sandbox still cannot run code in the parent.
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import struct
import sys
import time
from typing import Any, Dict, List, Optional

from benchmarl_qllm.credit.checks import clip_text, run_checks

_LEN = struct.Struct(">Q")
MAX_FRAME = 64 * 1024 * 1024
MAX_REPLY = 4 * 1024 * 1024


# framing ------------------------------------------------------------------------------------
def write_frame(fd: int, payload: bytes) -> None:
    data = _LEN.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, n: int, deadline: Optional[float]) -> bytes:
    chunks, remaining = [], n
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: Optional[float] = None, limit: int = MAX_FRAME) -> bytes:
    (length,) = _LEN.unpack(_read_exact(fd, _LEN.size, deadline))
    if length > limit:
        raise ValueError(f"frame of {length} bytes exceeds the {limit}-byte limit")
    return _read_exact(fd, length, deadline)


# resource limits -------------------------------------------------------------------------------
def _memory_in_use_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def apply_limits(memory_mb: int, cpu_s: float) -> None:
    """Limit the address space to what is mapped now plus ``memory_mb``; no files, no cores."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    limits = [
        (resource.RLIMIT_AS, _memory_in_use_bytes() + int(memory_mb) * 1024 * 1024),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, max(1, int(math.ceil(cpu_s)))),
    ]
    for which, value in limits:
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard))
        except (ValueError, OSError):
            pass


# one request -----------------------------------------------------------------------------------
def decode_request(header: Dict[str, Any], raw: bytes):
    import torch

    dtype = getattr(torch, header["dtype"].replace("torch.", ""))
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"bad dtype {header['dtype']}")
    flat = torch.frombuffer(bytearray(raw), dtype=torch.uint8) if raw else torch.empty(0, dtype=torch.uint8)
    return flat.view(dtype).reshape(header["shape"])


def _child(header: Dict[str, Any], raw: bytes) -> Dict[str, Any]:
    """Runs in the forked child: limits, then the checks."""
    apply_limits(header["memory_mb"], cpu_s=header["timeout_s"] + 5)
    import torch

    torch.set_num_threads(1)
    states = decode_request(header, raw)
    return run_checks(header["source"], states, header["n_agents"], header["input_kind"],
                      header["igm"], header["max_ms_per_256"])


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _killed_message(status: int, timeout_s: float, memory_mb: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = _signal_name(sig)
        hint = {
            "SIGXFSZ": "it tried to write a file",
            "SIGXCPU": f"it used more than {timeout_s:.0f} s of CPU time",
            "SIGSEGV": "it crashed the interpreter",
            "SIGKILL": f"killed (out of memory? limit {memory_mb} MB)",
        }.get(name, "")
        return f"the validation process died from {name}" + (f": {hint}" if hint else "")
    return f"the validation process exited with status {os.WEXITSTATUS(status)} without a result"


def serve_one(header: Dict[str, Any], raw: bytes) -> Dict[str, Any]:
    """Validate one request in a forked child (or in this process where fork is missing)."""
    timeout_s = float(header["timeout_s"])
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        try:
            return _child(header, raw)
        except BaseException as exc:  # noqa: BLE001
            return {"crash": f"{type(exc).__name__}: {clip_text(exc)}"}
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(read_fd)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            # Nothing but the result pipe stays open (not the worker's protocol stream).
            os.closerange(3, write_fd)
            os.closerange(write_fd + 1, 1 << 16)
            try:
                result = _child(header, raw)
            except MemoryError:
                result = {"crash": f"MemoryError: the candidate exceeded the {header['memory_mb']} MB memory limit"}
            except BaseException as exc:  # noqa: BLE001
                result = {"crash": f"{type(exc).__name__}: {clip_text(exc)}"}
            try:
                payload = json.dumps(result, default=str).encode()
            except Exception as exc:  # noqa: BLE001
                payload = json.dumps({"crash": f"unserializable result: {exc}"}).encode()
            write_frame(write_fd, payload[:MAX_REPLY])
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    os.close(write_fd)
    result: Dict[str, Any]
    try:
        payload = read_frame(read_fd, deadline=start + timeout_s, limit=MAX_REPLY)
        result = json.loads(payload)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        result = {"timeout": True}
    except (EOFError, ValueError):
        result = {}
    finally:
        os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if not result:
        result = {"crash": _killed_message(status, timeout_s, header["memory_mb"])}
    result["child_wall_ms"] = (time.monotonic() - start) * 1e3
    return result


def _read_request(fd: int):
    header = json.loads(read_frame(fd))
    raw = read_frame(fd)
    return header, raw


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and closes stdin
    import torch  # noqa: F401 - import once; every forked child inherits it


    in_fd, out_fd = sys.stdin.fileno(), sys.stdout.fileno()
    # Keep the protocol stream away from anything else that prints.
    proto_out = os.dup(out_fd)
    os.dup2(sys.stderr.fileno(), out_fd)
    write_frame(proto_out, json.dumps({"ready": True, "pid": os.getpid()}).encode())
    while True:
        try:
            header, raw = _read_request(in_fd)
        except EOFError:
            return 0
        try:
            result = serve_one(header, raw)
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            result = {"crash": f"worker error: {type(exc).__name__}: {clip_text(exc)}"}
        write_frame(proto_out, json.dumps(result, default=str).encode())
        if "--single" in argv:
            return 0


if __name__ == "__main__":
    sys.exit(main())
