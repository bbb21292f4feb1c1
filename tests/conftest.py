"""Shared fixtures: small TFCAFs, tiny experiment configs, and a clean working directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("WANDB_MODE", "offline")

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# `benchmarks/` (sweep, report) lives in the repository, not in the package. Appended, not
# prepended, so that `import benchmarl_qllm` still finds the installed package first.
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))


@pytest.fixture
def make_credit():
    """Build a CreditFunction from source text (through the sandboxed loader)."""
    from benchmarl_qllm.credit.function import CreditFunction

    def _make(source: str, origin: str = "test-tfcaf"):
        return CreditFunction.from_source(source, origin=origin)

    return _make


@pytest.fixture(scope="session")
def real_states():
    """``real_states(task)``: 64 states of ``task`` from a random rollout, built once per session
    (building a live env costs up to a second, e.g. vmas/sampling)."""
    from benchmarl_qllm.environments import sample_states

    cache = {}

    def get(task):
        if task not in cache:
            cache[task] = sample_states(task, n=64, seed=0)
        return cache[task].clone()

    return get
