"""Fixtures and helpers shared by the generation/validator/CLI tests.

Test modules import the fixtures they use (``from generation_helpers import ...``), which keeps
them out of a repository-wide conftest.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from fake_openai_server import FakeOpenAIServer, reply  # noqa: E402

TASK = "vmas/balance"
N_STATES = 32


@pytest.fixture
def fake_server():
    """``fake_server(script, responder=None)`` -> a started server, stopped after the test."""
    servers = []

    def start(script=(), responder=None):
        server = FakeOpenAIServer(script, responder=responder).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def balance_states():
    from benchmarl_qllm.environments.validation import task_states

    return task_states(TASK, n_states=N_STATES)


@pytest.fixture(scope="session")
def balance_description():
    from benchmarl_qllm.environments import get_description

    return get_description(TASK)


@pytest.fixture(scope="session")
def good_source():
    from benchmarl_qllm.credit.library import library_path

    return library_path(TASK).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test reads the user's cache or LLM settings."""
    monkeypatch.setenv("QLLM_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("QLLM_BASE_URL", "QLLM_MODEL", "QLLM_BACKEND", "QLLM_ANSWERS_DIR",
                "QLLM_API_KEY", "OPENAI_API_KEY", "QLLM_TIMEOUT", "QLLM_VALIDATOR_MODE"):
        monkeypatch.delenv(var, raising=False)


HOSTILE_DIR = TESTS_DIR / "hostile_tfcafs"


def hostile_sources(target: Path):
    """``[(name, expected stage, source)]`` of the hostile corpus, ``{TARGET}`` -> ``target``."""
    out = []
    for path in sorted(HOSTILE_DIR.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        expect = text.splitlines()[0].split(":", 1)[1].strip()
        out.append((path.stem, expect, text.replace("{TARGET}", str(target))))
    return out


def code_answer(source: str, prose: str = "Here is the module.") -> dict:
    """A scripted coder answer holding ``source`` in a python fence."""
    return reply(f"{prose}\n\n```python\n{source.rstrip()}\n```\n")


def variant(source: str, floor: float) -> str:
    """A different, still valid version of the balance TFCAF (another weight floor)."""
    out = source.replace("return 0.5 + 0.5 * n_agents * closeness", 
                         f"return {floor} + (1 - {floor}) * n_agents * closeness")
    assert out != source
    return out
