"""Replaying generations: prompts are deterministic functions of the task, the settings and the
previous answers, so

* recorded answers replay through the real ``openai`` client against the fake server, even
  with injected faults (timeouts, HTTP 500/503/429, bodies that are not JSON, empty replies),
  and give the same prompts and the same result;
* a file-backend run rerun into its own answers folder reproduces every prompt file byte for
  byte and the same TFCAF;
* a changed answer is detected at the first prompt that depends on it.

The answers (``tests/data/recorded_navigation_answers.json``) were written for these tests in
the style of real LLM replies; the replay machinery
(:class:`fake_openai_server.TranscriptReplay`) replays any saved transcript, e.g. one of a real
run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from benchmarl_qllm.cli import main
from benchmarl_qllm.credit.function import parse_header
from benchmarl_qllm.environments import get_description
from benchmarl_qllm.environments.validation import task_states
from benchmarl_qllm.generation.backends import OpenAIBackend
from benchmarl_qllm.generation.loop import GenerationError, GenerationSettings, generate_tfcaf
from fake_openai_server import TranscriptReplay, delay, empty_reply, garbage, reply, status
from generation_helpers import TESTS_DIR, fake_server, isolated_env  # noqa: F401

TASK = "vmas/navigation"
N_STATES = 48
RECORDED = json.loads((TESTS_DIR / "data" / "recorded_navigation_answers.json").read_text())
SETTINGS = dict(candidates=3, rounds=2, n_states=N_STATES, validator_timeout_s=10)


def recorded_answer(request) -> str:
    """The recorded answer for a chat request: coder calls by the candidate id of their brief,
    evaluator calls by their round."""
    text = request["messages"][-1]["content"]
    m = re.search(r"Design brief for candidate (r\d+c\d+)", text)
    if m:
        return RECORDED["coder"][m.group(1)]
    m = re.search(r"## Round (\d+):", text)
    return RECORDED["evaluator"][m.group(1)]


def _without_model(source: str) -> str:
    """The TFCAF minus its ``model:`` header line (it names the endpoint, whose port varies)."""
    return "\n".join(line for line in source.splitlines() if not line.startswith("model: "))


def backend(server, **kw):
    kw.setdefault("timeout", 5)
    return OpenAIBackend("recorded-model", base_url=server.base_url, api_key="sk-test",
                         backoff_s=0.01, **kw)


@pytest.fixture(scope="module")
def states():
    return task_states(TASK, n_states=N_STATES)


@pytest.fixture(scope="module")
def description():
    return get_description(TASK)


@pytest.fixture
def recording(fake_server, states, description):
    """A first run answered from the recorded answers: its transcript and result."""
    server = fake_server(responder=lambda request: reply(recorded_answer(request)))
    result = generate_tfcaf(description, backend(server), GenerationSettings(**SETTINGS), states=states)
    return result


def test_recorded_answers_give_a_validated_result(recording):
    t = recording.transcript
    assert recording.candidate.id == "r2c1" and recording.report.ok
    assert [c["id"] for c in t["candidates"]] == ["r1c1", "r1c2", "r1c3", "r2c1", "r2c2", "r2c3"]
    passed = {c["id"]: c["passed"] for c in t["candidates"]}
    assert passed == {"r1c1": True, "r1c2": True, "r1c3": False, "r2c1": True, "r2c2": True, "r2c3": True}
    assert [r["method"] for r in t["rounds"]] == ["evaluator (json)", "evaluator (json)"]
    assert t["rounds"][0]["accept"] is False and t["rounds"][1]["accept"] is True
    assert t["rounds"][1]["incumbent"] == "r1c1"
    # The round-2 coder prompts carry the advice and r1c3's concrete error.
    feedback = t["calls"][4]["messages"][-2]["content"]
    assert "since each collision costs -1" in feedback and "Candidate r1c3 failed" in feedback
    assert "[igm]" in feedback and "negative" in feedback


def test_replay_through_the_openai_client_with_injected_faults(fake_server, recording, states,
                                                               description):
    """Every request of the recorded run again, with faults before several of them: the
    client's and the backend's retries absorb them, and the replay asks exactly the recorded
    prompts and ends with the same function."""
    faults = {
        1: [status(500)],                                   # server error, SDK retry
        2: [delay(1.5, reply("too late"))],                 # client timeout, SDK retry
        3: [garbage()],                                     # body is not JSON, backend retry
        4: [status(503), status(429)],                      # the evaluator, twice
        5: [garbage('{"id": "x", "object": "chat.completion"}')],  # JSON without choices
        8: [empty_reply()],                                 # empty answer, backend retry
    }
    replay = TranscriptReplay(recording.transcript, faults=faults)
    server = fake_server(responder=replay)
    result = generate_tfcaf(description, backend(server, timeout=0.5),
                            GenerationSettings(**SETTINGS), states=states)
    assert replay.unmatched == 0 and replay.served == list(range(1, 9))
    assert _without_model(result.source) == _without_model(recording.source)
    assert result.candidate.id == recording.candidate.id
    old = [c["messages"] for c in recording.transcript["calls"]]
    new = [c["messages"] for c in result.transcript["calls"]]
    assert new == old
    attempts = [c["attempts"] for c in result.transcript["calls"]]
    assert attempts[2] == 2 and attempts[4] == 2 and attempts[7] == 2  # backend-level retries
    assert len(server.chat_requests()) == 8 + 1 + 1 + 1 + 2 + 1 + 1


def test_a_drifted_prompt_fails_loudly_on_replay(fake_server, recording, states, description):
    """Replaying with other settings (another discount) asks other prompts: no recorded answer,
    a clear error instead of a silently different generation."""
    replay = TranscriptReplay(recording.transcript)
    server = fake_server(responder=replay)
    with pytest.raises(GenerationError, match="no recorded answer"):
        generate_tfcaf(description, backend(server, max_retries=0),
                       GenerationSettings(**{**SETTINGS, "gamma": 0.95}), states=states)
    assert replay.unmatched == 1


# file backend --------------------------------------------------------------------------------------
def _write_answers(folder: Path, transcript) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for call in transcript["calls"]:
        (folder / f"{call['n']:03d}_answer.md").write_text(call["answer"], encoding="utf-8")


def _cli(folder: Path, out: Path, *extra: str):
    return main(["generate", TASK, "--backend", "file", "--answers-dir", str(folder), "--timeout", "0",
                 "--candidates", "3", "--rounds", "2", "--n-states", str(N_STATES), "--quiet",
                 "--out", str(out), *extra])


def test_file_backend_rerun_reproduces_every_prompt(recording, tmp_path, capsys):
    answers = tmp_path / "answers"
    _write_answers(answers, recording.transcript)
    assert _cli(answers, tmp_path / "first" / "tfcaf.py") == 0
    out = capsys.readouterr().out
    assert "tokens n/a" in out and "chose r2c1" in out and "2 of 2 rounds" in out
    prompts_1 = {p.name: p.read_bytes() for p in sorted(answers.glob("*_prompt.md"))}
    assert sorted(prompts_1) == [f"{n:03d}_prompt.md" for n in range(1, 9)]
    first = (tmp_path / "first" / "tfcaf.py").read_text()

    # The same command again, into the same folder: every answer is replayed, nothing is
    # rewritten, every prompt is the same byte for byte, and so is the result.
    assert _cli(answers, tmp_path / "second" / "tfcaf.py") == 0
    capsys.readouterr()
    prompts_2 = {p.name: p.read_bytes() for p in sorted(answers.glob("*_prompt.md"))}
    assert prompts_2 == prompts_1
    assert (tmp_path / "second" / "tfcaf.py").read_text() == first
    t1 = json.loads((tmp_path / "first" / "tfcaf.transcript.json").read_text())
    t2 = json.loads((tmp_path / "second" / "tfcaf.transcript.json").read_text())
    assert [c["messages"] for c in t1["calls"]] == [c["messages"] for c in t2["calls"]]
    assert t1["totals"]["total_tokens"] is None
    # The file prompts carry the same messages as the openai-client run.
    assert [c["messages"] for c in t1["calls"]] == [c["messages"] for c in recording.transcript["calls"]]
    assert parse_header(first)["prompt-sha256"] == recording.transcript["prompt_sha256"]

    # Each prompt file says how to answer it.
    coder = prompts_1["001_prompt.md"].decode()
    evaluator = prompts_1["004_prompt.md"].decode()
    assert "qllm call 1 (coder)" in coder and "001_answer.md" in coder and "```python" in coder
    assert "qllm call 4 (evaluator)" in evaluator and '"choice"' in evaluator.split("-->")[0]


def test_file_backend_rerun_detects_a_changed_answer(recording, tmp_path, capsys):
    answers = tmp_path / "answers"
    _write_answers(answers, recording.transcript)
    assert _cli(answers, tmp_path / "a.py") == 0
    capsys.readouterr()
    # Another evaluator choice in round 1 changes the round-2 coder prompts (call 5 on).
    (answers / "004_answer.md").write_text('{"choice": "r1c2", "accept": false, "advice": "x"}')
    assert _cli(answers, tmp_path / "b.py") == 2
    err = capsys.readouterr().err
    assert "005_answer.md answers a different prompt than call 5 now asks" in err
    assert "first difference at line" in err


def test_file_backend_resumes_after_a_missing_answer(recording, tmp_path, capsys):
    answers = tmp_path / "answers"
    _write_answers(answers, recording.transcript)
    (answers / "006_answer.md").unlink()
    (answers / "007_answer.md").unlink()
    (answers / "008_answer.md").unlink()
    assert _cli(answers, tmp_path / "a.py") == 2
    err = capsys.readouterr().err
    assert "006_answer.md" in err and "run the same command again" in err
    assert (answers / "006_prompt.md").exists() and not (answers / "007_prompt.md").exists()
    _write_answers(answers, recording.transcript)
    assert _cli(answers, tmp_path / "a.py") == 0
    assert "chose r2c1" in capsys.readouterr().out


# The shipped LLM-written library: replay a real run's transcript ------------------------------
@pytest.mark.parametrize("task", ["matrix/climbing", "vmas/balance"])
def test_shipped_llm_transcript_replays_through_the_openai_client(fake_server, task):
    """The recorded answers of the LLM that wrote a packaged function, replayed through the real
    openai client with faults injected: the loop asks exactly the recorded prompts and returns
    the packaged function again (same code; only the `model:` line names the new endpoint)."""
    import dataclasses

    from benchmarl_qllm.credit.library import LLM, library_path, transcript_path

    shipped = library_path(task, LLM)
    transcript = json.loads(transcript_path(shipped).read_text(encoding="utf-8"))
    fields = {f.name for f in dataclasses.fields(GenerationSettings)}
    settings = GenerationSettings(**{k: v for k, v in transcript["settings"].items() if k in fields})
    replay = TranscriptReplay(transcript, faults={1: [status(500)], 2: [garbage()], 3: [empty_reply()]})
    server = fake_server(responder=replay)
    result = generate_tfcaf(task, backend(server, timeout=30), settings)
    assert replay.unmatched == 0 and replay.served == list(range(1, len(transcript["calls"]) + 1))
    assert _without_model(result.source) == _without_model(shipped.read_text(encoding="utf-8"))
    assert result.candidate.id == transcript["result"]["candidate"]
