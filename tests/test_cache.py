"""``load_or_generate`` (``algorithm.credit=generate``): cache keys, re-validation, configuration."""

from __future__ import annotations

import pytest

from benchmarl_qllm.algorithms.credit_source import resolve_credit_function
from benchmarl_qllm.credit.sandbox import CreditFunctionError
from benchmarl_qllm.generation.cache import cache_dir, load_or_generate
from benchmarl_qllm.generation.loop import GenerationSettings
from fake_openai_server import reply
from generation_helpers import (  # noqa: F401
    N_STATES,
    TASK,
    code_answer,
    fake_server,
    good_source,
    isolated_env,
    variant,
)

SETTINGS = GenerationSettings(candidates=1, rounds=1, n_states=N_STATES)


def configure(monkeypatch, server, model="fake-model"):
    monkeypatch.setenv("QLLM_BASE_URL", server.base_url)
    monkeypatch.setenv("QLLM_MODEL", model)


def test_generates_once_then_hits_the_cache(fake_server, good_source, monkeypatch, tmp_path):
    server = fake_server([code_answer(good_source)])
    configure(monkeypatch, server)
    first = load_or_generate(TASK, igm="enforce", settings=SETTINGS)
    assert first.origin.startswith(str(tmp_path / "cache"))
    assert cache_dir() == tmp_path / "cache"
    files = sorted(p.name for p in (tmp_path / "cache" / "tfcaf" / "vmas" / "balance").iterdir()
                   if not p.name.endswith(".lock"))
    assert len(files) == 3 and files[0].startswith("enforce-")
    assert any(f.endswith(".transcript.json") for f in files) and any(f.endswith(".meta.json") for f in files)

    second = load_or_generate(TASK, igm="enforce", settings=SETTINGS)
    assert second.source == first.source and len(server.chat_requests()) == 1

    # Another model is another cache entry.
    server.add(code_answer(variant(good_source, 0.3)))
    monkeypatch.setenv("QLLM_MODEL", "other-model")
    third = load_or_generate(TASK, igm="enforce", settings=SETTINGS)
    assert third.source != first.source and len(server.chat_requests()) == 2


def test_without_llm_settings_the_newest_cached_function_is_used(fake_server, good_source, monkeypatch):
    server = fake_server([code_answer(good_source)])
    configure(monkeypatch, server)
    made = load_or_generate(TASK, settings=SETTINGS)
    monkeypatch.delenv("QLLM_BASE_URL")
    monkeypatch.delenv("QLLM_MODEL")
    # Default settings differ from the ones used, but task, IGM mode and prompts match.
    assert load_or_generate(TASK).source == made.source
    assert resolve_credit_function("generate", TASK, igm="enforce").source == made.source
    with pytest.raises(CreditFunctionError, match="no cached credit function for vmas/balance"):
        load_or_generate(TASK, igm="relax")


def test_nothing_cached_and_nothing_configured_says_how_to_configure():
    with pytest.raises(CreditFunctionError) as info:
        resolve_credit_function("generate", TASK)
    message = str(info.value)
    for hint in ("QLLM_MODEL", "QLLM_BASE_URL", "QLLM_API_KEY", "QLLM_BACKEND=file", "qllm generate"):
        assert hint in message


def test_tampered_cache_file_is_revalidated_and_regenerated(fake_server, good_source, monkeypatch):
    server = fake_server([code_answer(good_source), code_answer(variant(good_source, 0.3))])
    configure(monkeypatch, server)
    first = load_or_generate(TASK, settings=SETTINGS)
    path = first.origin
    with open(path, "a") as f:
        f.write("\n\ndef bias(td):\n    return -td['observation'][:, 0, :1] / 0.0\n")
    with pytest.warns(UserWarning, match="no longer passes validation"):
        again = load_or_generate(TASK, settings=SETTINGS)
    assert len(server.chat_requests()) == 2 and "0.3 + (1 - 0.3)" in again.source


def test_generation_failure_is_a_credit_function_error(fake_server, monkeypatch):
    server = fake_server([reply("I refuse.")])
    configure(monkeypatch, server)
    with pytest.raises(CreditFunctionError, match="generating a credit function for vmas/balance failed"):
        load_or_generate(TASK, settings=SETTINGS)


def test_the_discount_is_part_of_the_prompt_hash(fake_server, good_source, monkeypatch):
    from benchmarl_qllm.environments import get_description
    from benchmarl_qllm.generation.prompts import default_gamma, generation_prompt_sha256, task_prompt

    d = get_description(TASK)
    assert default_gamma() == 0.99  # BenchMARL's base_experiment.yaml
    assert generation_prompt_sha256(d) == generation_prompt_sha256(d, gamma=0.99)
    assert generation_prompt_sha256(d, gamma=0.95) != generation_prompt_sha256(d)
    assert "gamma = 0.95" in task_prompt(d, gamma=0.95)

    server = fake_server([code_answer(good_source), code_answer(variant(good_source, 0.3))])
    configure(monkeypatch, server)
    first = load_or_generate(TASK, igm="enforce", settings=SETTINGS)
    again = load_or_generate(TASK, igm="enforce", settings=SETTINGS, gamma=0.99)
    assert again.source == first.source and len(server.chat_requests()) == 1
    other = load_or_generate(TASK, igm="enforce", settings=SETTINGS, gamma=0.95)
    assert other.source != first.source and len(server.chat_requests()) == 2
    assert "gamma = 0.95" in server.chat_requests()[1]["messages"][1]["content"]
