"""The security boundary itself: every hostile file straight into the jail, no static filter.

The static checker is only a usability filter, so these tests skip it and hand each file of
``tests/hostile_tfcafs/`` directly to :func:`trace_in_jail`. Whatever happens inside, nothing
may happen outside: canary files in both directions, a TCP listener the file tries to reach,
a secret in this process's environment, this process's ``math`` module, and the jail worker
itself, which must keep serving. Anything that comes back as a program must be one that
cannot do what the source tried (stateless, parameter-free, pure).
"""

from __future__ import annotations

import math
import socket
from pathlib import Path

import pytest
import torch

from benchmarl_qllm.credit.jail import shutdown_jail, trace_in_jail
from benchmarl_qllm.credit.program import InputSpec, ProgramError, TensorProgram
from generation_helpers import HOSTILE_DIR

SPEC = InputSpec("observation", 4, 16)
PORT = 47613  # the port socket_loopback.py tries
SECRET = "sk-test-" + "s3cr3t" * 6
HOSTILE = sorted(p.stem for p in HOSTILE_DIR.glob("*.py"))
GOOD = "import torch\n\n\ndef weights(td):\n    return torch.sigmoid(td['observation'][..., 0]) + 0.5\n"


@pytest.fixture(scope="module")
def listener():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", PORT))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _accepted(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_in_the_jail_changes_nothing_outside(name, tmp_path, listener, monkeypatch):
    monkeypatch.setenv("QLLM_TEST_SECRET_KEY", SECRET)
    target = tmp_path / "pwned.txt"
    canary = tmp_path / "pwned.txt.canary"
    canary.write_text("still here")
    source = (HOSTILE_DIR / f"{name}.py").read_text(encoding="utf-8").replace("{TARGET}", str(target))

    outcome = trace_in_jail(source, SPEC, timeout_s=3.0, memory_mb=1024)

    assert not target.exists(), f"{name} created {target}"
    assert canary.read_text() == "still here", f"{name} changed or removed {canary}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pwned.txt.canary"]
    assert not _accepted(listener), f"{name} reached 127.0.0.1:{PORT}"
    assert math.sqrt(4.0) == 2.0 and math.pi == pytest.approx(3.14159265)
    assert SECRET not in outcome.message and "root:" not in outcome.message
    if outcome.ok:
        _assert_harmless(outcome.program)
    # The worker survived whatever the file did (kill_parent, forge_verdict, loops, ...).
    assert trace_in_jail(GOOD, SPEC, timeout_s=10.0).ok


def _assert_harmless(program: TensorProgram) -> None:
    module = program.module(torch.device("cpu"))
    assert not list(module.parameters())
    x = torch.randn(37, 4, 16)
    before = x.clone()
    w, b = program(x)
    assert torch.equal(x, before)
    for _ in range(250):
        w2, b2 = program(x)
        assert _same(w2, w) and _same(b2, b)
    # A secret in the parent's environment never reaches the jail (env_secret.py encodes it).
    assert not bool((w == 1 + len(SECRET)).any())


def _same(a: torch.Tensor, c: torch.Tensor) -> bool:
    return torch.equal(a.isnan(), c.isnan()) and torch.equal(a.nan_to_num(), c.nan_to_num())


def test_forged_reply_is_only_a_program_and_is_verified():
    """A reply a hostile child writes for itself is parsed as an untrusted program."""
    forged = (HOSTILE_DIR / "forge_verdict.py").read_text(encoding="utf-8")
    outcome = trace_in_jail(forged, SPEC, timeout_s=3.0)
    assert outcome.stage in ("rejected", "trace", "crash"), outcome
    if outcome.stage == "rejected":
        assert "aten.uniform.default" in outcome.message


def test_jail_environment_holds_no_secrets(monkeypatch):
    from benchmarl_qllm.credit.jail import minimal_environment

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = minimal_environment()
    assert SECRET not in env.values() and "PYTHONPATH" not in env and "OPENAI_API_KEY" not in env


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda p: p["nodes"].append({"op": "aten.uniform.default", "args": [{"input": 0}], "kwargs": {}}), "not allowed"),
        (lambda p: p["nodes"].append({"op": "builtins.eval", "args": ["1"], "kwargs": {}}), "not allowed"),
        (lambda p: p["nodes"].append({"op": "aten.add.Tensor", "args": [{"node": 10 ** 6}, 1], "kwargs": {}}), "malformed"),
        (lambda p: p["nodes"].append({"op": "aten.add.Tensor", "args": [{"code": "import os"}], "kwargs": {}}), "malformed"),
        (lambda p: p["nodes"].append({"op": "aten.add.Tensor", "args": [{"input": 0}, 1], "kwargs": {"__class__": 1}}), "malformed"),
        (lambda p: p.update(outputs=[{"input": 0}, {"input": 0}]), "shape"),
        (lambda p: p.update(extra=1), "top-level"),
        (lambda p: p["constants"].append({"dtype": "float32", "shape": [10 ** 7], "data": []}), "shape"),
        (lambda p: p["nodes"].append({"op": "aten.full.default", "args": [[100000, 100000], 1.0], "kwargs": {}}), "elements"),
    ],
)
def test_tampered_programs_are_rejected(mutate, fragment):
    import json

    outcome = trace_in_jail(GOOD, SPEC, timeout_s=10.0)
    assert outcome.ok
    data = json.loads(outcome.program.text)
    mutate(data)
    with pytest.raises(ProgramError, match=fragment):
        TensorProgram.from_json(json.dumps(data), SPEC)


def test_a_factory_without_a_device_is_built_on_the_programs_device():
    """The shape/memory check runs on meta tensors: a factory whose device was left out must not
    fall back to a real CPU allocation there (nor to the CPU next to CUDA inputs)."""
    import json

    data = json.loads(trace_in_jail(GOOD, SPEC, timeout_s=10.0).program.text)
    data["nodes"].append({"op": "aten.full.default", "args": [[1000, 1000], 1.0], "kwargs": {}})
    program = TensorProgram.from_json(json.dumps(data), SPEC)
    for device in ("meta", "cpu"):
        full = [n for n in program.module(torch.device(device)).graph.nodes if "full" in str(n.target)][-1]
        assert full.args[0] == [1000, 1000] and full.kwargs["device"] == torch.device(device)


def teardown_module():
    shutdown_jail()
