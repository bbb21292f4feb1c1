"""The validator: static + dynamic checks in a separate, limited process."""

from __future__ import annotations

import json
import time

import pytest
import torch

from benchmarl_qllm.credit.validator import ValidationReport, validate
from benchmarl_qllm.environments.validation import validate_for_task
from generation_helpers import N_STATES, TASK, balance_states, good_source, isolated_env  # noqa: F401

HEADER = "import torch\n\n\n"


def run(source, states, **kw):
    kw.setdefault("timeout_s", 10)
    return validate(source, states, n_agents=4, input_kind="observation", **kw)


def failed(report):
    return {c.name for c in report.failures}


def test_library_function_passes_every_check(good_source, balance_states):
    report = run(good_source, balance_states)
    assert report.ok, report.format()
    names = [c.name for c in report.checks]
    for name in ("static", "trace", "verify", "call", "outputs", "finite", "bounded", "igm",
                 "gradient", "deterministic", "batch_independence", "nonzero", "speed"):
        assert name in names
    assert report.n_states == N_STATES and report.stats["weight_min"] >= 0.5
    assert "PASSED" in report.format()
    again = ValidationReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report


def test_validate_for_task_uses_description_and_real_states(good_source):
    report = validate_for_task(good_source, TASK, n_states=N_STATES)
    assert report.ok and report.n_agents == 4 and report.input_kind == "observation"
    assert report.igm == "enforce"


@pytest.mark.parametrize(
    "body, check, fragment",
    [
        ("    return obs[..., 0:2]\n", "trace", "returned shape"),
        ("    return 1.0\n", "trace", "returned float, expected a torch.Tensor"),
        ("    obs[..., 0] = 1.0\n    return torch.ones_like(obs[..., 1])\n",
         "trace", "writes into its input in place"),
        ("    return obs[..., 0] @ obs[..., 1]\n", "trace", "line 9, in weights"),
        ("    return torch.rand_like(obs[..., 0])\n", "static", "not an allowed torch function"),
        ("    return torch.Tensor(obs.shape[0], 4)\n", "verify", "is not allowed"),
        ("    return obs[..., 0] * 1e30\n", "bounded", "exceed the bound"),
        ("    return obs[..., 0] / (obs[..., 1] - obs[..., 1])\n", "finite", "non-finite"),
        ("    if obs.sum() > 0:\n        return obs[..., 0]\n    return obs[..., 1]\n",
         "trace", "cannot be traced"),
        ("    if obs.shape[0] == 256:\n        return obs[..., 0]\n    return obs[..., 1]\n",
         "trace", "must not depend on B"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v and "\n" not in v else None,
)
def test_dynamic_failures_are_concrete(balance_states, body, check, fragment):
    source = HEADER + "COUNTER = [0]\n\n\ndef weights(td):\n    obs = td[\"observation\"]\n" + body
    report = run(source, balance_states)
    assert not report.ok
    assert check in failed(report), report.format()
    message = report.check(check).message
    assert fragment in message, message
    assert fragment in report.feedback()


@pytest.mark.parametrize(
    "body",
    [
        # state across calls, trainable tensors, batch-size tricks: tracing removes them
        "    COUNTER[0] = COUNTER[0] + 1\n    return torch.ones_like(obs[..., 0]) * COUNTER[0]\n",
        "    return torch.ones_like(obs[..., 0]) * torch.ones(4, requires_grad=True)\n",
        "    return torch.softmax(obs[..., 0:1].squeeze(), dim=-1)\n",
    ],
)
def test_traced_program_is_stateless_and_batch_independent(balance_states, body):
    source = HEADER + "COUNTER = [0]\n\n\ndef weights(td):\n    obs = td[\"observation\"]\n" + body
    report = run(source, balance_states)
    assert report.ok, report.format()
    program = report.program
    first, _ = program(balance_states)
    for _ in range(3):
        again, _ = program(balance_states)
        assert torch.equal(first, again) and not again.requires_grad
    single, _ = program(balance_states[:1])
    assert torch.allclose(single, first[:1])


def test_exception_text_and_line_reach_the_report(balance_states):
    source = HEADER + "def weights(td):\n    obs = td[\"observation\"]\n    return obs[..., 99]\n"
    report = run(source, balance_states)
    msg = report.check("trace").message
    assert "IndexError" in msg and "line 6" in msg and "obs[..., 99]" in msg


def test_relaxed_igm_accepts_signed_weights(balance_states):
    source = HEADER + "def weights(td):\n    return torch.tanh(td[\"observation\"][..., 0])\n"
    assert "igm" in failed(run(source, balance_states, igm="enforce"))
    assert run(source, balance_states, igm="relax").ok


def test_speed_limit(good_source, balance_states):
    report = run(good_source, balance_states, max_ms_per_256=1e-6)
    assert failed(report) == {"speed"}
    assert "vectorize" in report.check("speed").message


def test_static_rejection_never_starts_the_process(balance_states):
    report = run("import os\ndef weights(td):\n    return os.getcwd()\n", balance_states)
    assert [c.name for c in report.checks] == ["static"]
    assert "import of 'os' is not allowed" in report.check("static").message


def test_endless_loop_is_killed_and_the_worker_survives(good_source, balance_states):
    loop = HEADER + "def weights(td):\n    s = 0\n    for i in range(10 ** 15):\n        s += i\n    return s\n"
    start = time.monotonic()
    report = run(loop, balance_states, timeout_s=1.0)
    assert time.monotonic() - start < 8
    assert failed(report) == {"trace"} and "took longer than 1 s" in report.format()
    assert run(good_source, balance_states).ok


def test_memory_limit(balance_states):
    big = HEADER + "def weights(td):\n    x = torch.ones(30000, 30000)\n    return td['observation'][..., 0] + x.sum()\n"
    report = run(big, balance_states, memory_mb=512)
    assert failed(report) == {"verify"}
    assert "elements" in report.check("verify").message


def test_bad_arguments_raise(good_source, balance_states):
    with pytest.raises(ValueError, match="input_kind"):
        validate(good_source, balance_states, 4, "pixels")
    with pytest.raises(ValueError, match="expected"):
        validate(good_source, balance_states[:, :2], 4, "observation")
