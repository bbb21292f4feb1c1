"""Verified programs are cached between runs, and a cached program is verified again on load."""

from __future__ import annotations

import json

import pytest
import torch

import benchmarl_qllm.credit.jail as jail
from benchmarl_qllm.credit.function import CreditFunction, program_cache_path
from benchmarl_qllm.credit.program import InputSpec

SOURCE = "import torch\n\n\ndef weights(td):\n    return torch.sigmoid(td['observation'][..., 0]) + 0.25\n"
SPEC = InputSpec("observation", 3, 5)


def _weights(function):
    return function.weights({"observation": torch.ones(2, 3, 5), "n_agents": 3})


def test_second_load_uses_the_cache_and_a_tampered_cache_is_retraced(tmp_path, monkeypatch):
    monkeypatch.setenv("QLLM_PROGRAM_CACHE", str(tmp_path))
    first = _weights(CreditFunction.from_source(SOURCE))
    cached = program_cache_path(CreditFunction.from_source(SOURCE).sha256, SPEC)
    assert cached.is_file()

    traces = []
    real_trace = jail.trace_in_jail
    monkeypatch.setattr(jail, "trace_in_jail", lambda *a, **k: (traces.append(a), real_trace(*a, **k))[1])
    assert torch.equal(_weights(CreditFunction.from_source(SOURCE)), first) and traces == []

    # Anything else in the cache file is verified like jail output: a forbidden operator is
    # refused, the source is traced again, and the cache is rewritten.
    data = json.loads(cached.read_text())
    data["nodes"].append({"op": "aten.uniform.default", "args": [{"input": 0}], "kwargs": {}})
    cached.write_text(json.dumps(data))
    assert torch.equal(_weights(CreditFunction.from_source(SOURCE)), first) and len(traces) == 1
    assert "aten.uniform" not in cached.read_text()


def test_cache_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("QLLM_PROGRAM_CACHE", "off")
    assert program_cache_path("0" * 64, SPEC) is None
