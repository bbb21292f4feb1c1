"""The LLM-written credit library: honest provenance, a complete transcript, and valid functions.

Each ``credit_library/<env>/llm/<task>.py`` must say in its header that ``qllm generate`` wrote
it (model, backend, prompt hash), ship its transcript, be exactly the transcript's result (same
SHA-256), and pass the validator on real states of its task.
"""

from __future__ import annotations

import json

import pytest

from benchmarl_qllm.credit.function import CreditFunction
from benchmarl_qllm.credit.library import HANDWRITTEN, LLM, library_entries, transcript_path

LLM_TASKS = sorted(library_entries(LLM))


def test_library_has_llm_written_functions():
    assert len(LLM_TASKS) >= 5


@pytest.mark.parametrize("task", LLM_TASKS)
def test_llm_function_matches_its_transcript(task):
    path = library_entries(LLM)[task]
    function = CreditFunction.from_file(path)
    header = function.header
    assert header["task"] == task
    assert header["produced-by"].startswith("qllm generate")
    assert header["model"] != "none" and "file backend" in header["model"]
    transcript = json.loads(transcript_path(path).read_text(encoding="utf-8"))
    assert transcript["status"] == "ok" and transcript["task"] == task
    assert transcript["result"]["sha256"] == function.sha256
    assert header["prompt-sha256"] == transcript["prompt_sha256"]
    calls = transcript["calls"]
    assert len(calls) == transcript["totals"]["llm_calls"] >= 2
    for call in calls:
        assert call["messages"] and call["answer"].strip()  # every prompt and its answer
    coder_answers = "\n".join(c["answer"] for c in calls if c["role"] == "coder")
    body = function.source.split('"""', 2)[2]  # the code after the provenance docstring
    assert body.strip()[:200] in coder_answers, "the shipped code is not in any recorded answer"


@pytest.mark.parametrize("task", LLM_TASKS)
def test_llm_function_validates_on_real_states(task):
    from benchmarl_qllm.environments import known_tasks
    from benchmarl_qllm.environments.validation import validate_for_task

    if task not in known_tasks():
        pytest.skip(f"no state sampler for {task} here")
    source = library_entries(LLM)[task].read_text(encoding="utf-8")
    report = validate_for_task(source, task, n_states=64)
    assert report.ok, report.format()


def test_every_llm_task_keeps_its_handwritten_reference():
    assert set(LLM_TASKS) <= set(library_entries(HANDWRITTEN))
