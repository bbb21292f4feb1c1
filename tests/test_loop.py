"""The coder-evaluator loop end to end, through the real openai client and the fake server."""

from __future__ import annotations

import json

import pytest

from benchmarl_qllm.credit.function import CreditFunction, parse_header
from benchmarl_qllm.credit.validator import validate
from benchmarl_qllm.generation import prompts
from benchmarl_qllm.generation.backends import OpenAIBackend
from benchmarl_qllm.generation.loop import GenerationError, GenerationSettings, generate_tfcaf
from fake_openai_server import garbage, reply, status, truncated
from generation_helpers import (  # noqa: F401
    N_STATES,
    balance_description,
    balance_states,
    code_answer,
    fake_server,
    good_source,
    hostile_sources,
    isolated_env,
    variant,
)

SYNTAX_ERROR = "import torch\n\ndef weights(td):\n    obs = td['observation']\n    return torch.ones_like(obs[..., 0]) *\n"


def run(server, description, states, tmp_path=None, **settings):
    backend = OpenAIBackend("fake-model", base_url=server.base_url, api_key="sk-test",
                            timeout=5, backoff_s=0.01)
    settings.setdefault("n_states", N_STATES)
    settings.setdefault("validator_timeout_s", 5)
    out = tmp_path / "out" / "balance_tfcaf.py" if tmp_path is not None else None
    return generate_tfcaf(description, backend, GenerationSettings(**settings), states=states, out=out)


def coder_requests(server):
    return [r for r in server.chat_requests() if r["messages"][0]["content"] == prompts.SYSTEM_PROMPT]


def evaluator_requests(server):
    return [r for r in server.chat_requests() if r["messages"][0]["content"] == prompts.EVALUATOR_SYSTEM_PROMPT]


def test_good_run_end_to_end(fake_server, balance_description, balance_states, good_source, tmp_path):
    server = fake_server([
        code_answer(good_source), code_answer(variant(good_source, 0.3)),
        reply('{"choice": 2, "advice": "weight the agents under the package more"}'),
        code_answer(variant(good_source, 0.2)), code_answer(variant(good_source, 0.4)),
        reply('{"choice": 3, "advice": "fine"}'),
    ])
    result = run(server, balance_description, balance_states, tmp_path, candidates=2, rounds=2)

    # 2 rounds x 2 coder calls + 2 evaluator calls.
    assert len(server.chat_requests()) == 6
    assert len(coder_requests(server)) == 4 and len(evaluator_requests(server)) == 2
    # The advice and the chosen code go into the second round's coder prompt.
    second = coder_requests(server)[2]["messages"][-1]["content"]
    assert "weight the agents under the package more" in second and "r1c2" in second
    # The evaluator of round 2 saw the incumbent (r1c2) first and the two new ones.
    assert "Candidate 3" in evaluator_requests(server)[1]["messages"][1]["content"]
    assert result.candidate.id == "r2c2"

    # The file on disk: validated, loadable, with a truthful header.
    text = result.path.read_text()
    assert text == result.source
    header = parse_header(text)
    assert header["task"] == "vmas/balance"
    assert header["produced-by"] == "qllm generate (coder-evaluator loop, 2 candidates x 2 rounds)"
    assert header["model"].startswith("fake-model-2024 via openai-compatible API at http://127.0.0.1:")
    assert header["prompt-sha256"] == prompts.generation_prompt_sha256(balance_description)
    assert header["igm"] == "enforce" and header["input"] == "observation [B, n_agents, 16]"
    assert "0.4 + (1 - 0.4)" in text
    CreditFunction.from_file(result.path)
    assert validate(text, balance_states, 4, "observation").ok

    # The transcript next to it.
    transcript = json.loads(result.transcript_path.read_text())
    assert result.transcript_path.name == "balance_tfcaf.transcript.json"
    assert transcript["status"] == "ok" and transcript["result"]["candidate"] == "r2c2"
    totals = transcript["totals"]
    assert totals["llm_calls"] == 6 and totals["coder_calls"] == 4 and totals["evaluator_calls"] == 2
    assert totals["prompt_tokens"] == 600 and totals["completion_tokens"] == 300
    assert totals["candidates"] == 4 and totals["passed"] == 4
    assert totals["wall_s"] >= totals["llm_s"] > 0 and totals["validation_s"] > 0
    assert [c["id"] for c in transcript["candidates"]] == ["r1c1", "r1c2", "r2c1", "r2c2"]
    first = transcript["candidates"][0]
    assert first["report"]["ok"] and {c["name"] for c in first["report"]["checks"]} >= {"igm", "gradient"}
    call = transcript["calls"][0]
    assert call["role"] == "coder" and call["messages"][0]["content"] == prompts.SYSTEM_PROMPT
    assert call["answer"].startswith("Here is the module") and call["usage"]["total_tokens"] == 150
    assert transcript["rounds"][0]["advice"] == "weight the agents under the package more"
    assert transcript["rounds"][0]["method"] == "evaluator (json)"
    assert transcript["prompts"]["task"].startswith("## Task: vmas/balance")


def test_syntax_error_is_fed_back_and_repaired(fake_server, balance_description, balance_states, good_source):
    server = fake_server([code_answer(SYNTAX_ERROR), code_answer(good_source)])
    result = run(server, balance_description, balance_states, candidates=1, rounds=2)
    assert result.candidate.id == "r2c1"
    repair = coder_requests(server)[1]["messages"][-1]["content"]
    assert "Candidate r1c1 failed" in repair
    assert "syntax error at line 5" in repair and "torch.ones_like(obs[..., 0]) *" in repair
    assert result.transcript["rounds"][0]["failed"] == ["r1c1"]


def test_hostile_candidates_are_rejected_without_side_effects(
        fake_server, balance_description, balance_states, good_source, tmp_path):
    target = tmp_path / "pwned.txt"
    chosen = {name: src for name, _, src in hostile_sources(target)}
    names = ["open_write", "import_os_system", "socket_connect", "subclasses_escape",
             "getattr_escape", "numpy_dump", "infinite_for_loop", "huge_tensor"]
    server = fake_server([code_answer(chosen[n]) for n in names] + [code_answer(good_source)])
    result = run(server, balance_description, balance_states, candidates=len(names) + 1,
                 rounds=1, validator_timeout_s=1.5)
    assert result.candidate.id == f"r1c{len(names) + 1}"
    assert not target.exists()
    failed = {c["id"]: c for c in result.transcript["candidates"] if not c["passed"]}
    assert len(failed) == len(names)
    assert failed["r1c7"]["report"]["checks"][-1]["name"] == "timeout"


@pytest.mark.parametrize(
    "answer, chosen, method",
    [
        ('I compared them.\n```json\n{"choice": 1, "advice": "ok"}\n```', "r1c1", "evaluator (json)"),
        ("Candidate 2 is the best one.\nAdvice: keep it simple", "r1c2", "evaluator (phrase)"),
        ("choice: 2", "r1c2", "evaluator (phrase)"),
        ("I like them both!", None, "fallback: best-validated (the evaluator answer had no usable choice)"),
        (garbage(), None, "fallback: best-validated (the evaluator call failed)"),
    ],
    ids=["json-in-fence", "prose", "key-value", "no-choice", "garbage"],
)
def test_evaluator_answer_formats(fake_server, balance_description, balance_states, good_source,
                                  answer, chosen, method):
    spec = reply(answer) if isinstance(answer, str) else answer
    script = [code_answer(good_source), code_answer(variant(good_source, 0.3)), spec]
    if not isinstance(answer, str):
        script += [dict(spec), dict(spec)]  # the backend retries bad replies twice
    server = fake_server(script)
    result = run(server, balance_description, balance_states, candidates=2, rounds=1)
    record = result.transcript["rounds"][0]
    assert record["method"] == method
    if chosen:
        assert result.candidate.id == chosen
    else:
        assert result.candidate.id in ("r1c1", "r1c2")  # best-validated, never unvalidated
    assert result.report.ok


def test_transient_llm_failures_are_survived(fake_server, balance_description, balance_states, good_source):
    server = fake_server([
        status(429), status(500), code_answer(SYNTAX_ERROR),      # retried by the SDK
        truncated(),                                              # lost answer, loop goes on
        garbage(), code_answer(good_source),                      # retried by the backend
        reply("I prefer candidate 1"),
    ])
    result = run(server, balance_description, balance_states, candidates=3, rounds=1)
    assert result.candidate.id == "r1c3"
    ids = {c["id"]: c for c in result.transcript["candidates"]}
    assert "truncated" in ids["r1c2"]["error"]
    assert result.transcript["totals"]["failed_calls"] == 1


def test_nothing_passes_raises_with_summary_and_transcript(
        fake_server, balance_description, balance_states, tmp_path):
    negative = "import torch\n\ndef weights(td):\n    return -torch.ones_like(td['observation'][..., 0])\n"
    server = fake_server([code_answer(SYNTAX_ERROR), reply("Sorry, no code."), code_answer(negative),
                          code_answer(negative)])
    with pytest.raises(GenerationError) as info:
        run(server, balance_description, balance_states, tmp_path, candidates=2, rounds=2)
    message = str(info.value)
    assert "no candidate for vmas/balance passed validation after 2 round(s) x 2 candidate(s)" in message
    assert "igm x2" in message and "static x1" in message and "llm/answer x1" in message
    # The second round was told about both failures of the first.
    feedback = coder_requests(server)[2]["messages"][-1]["content"]
    assert "syntax error at line 5" in feedback and "no Python code" in feedback
    assert "weights are negative" in message  # the last round's concrete errors
    assert not (tmp_path / "out" / "balance_tfcaf.py").exists()
    saved = json.loads((tmp_path / "out" / "balance_tfcaf.transcript.json").read_text())
    assert saved["status"] == "failed" and saved["totals"]["passed"] == 0
    assert info.value.transcript_path.exists()
    # No evaluator call: there was never a candidate to judge.
    assert evaluator_requests(server) == []


def test_fatal_backend_error_stops_the_loop(fake_server, balance_description, balance_states):
    server = fake_server([status(401, "invalid api key")])
    with pytest.raises(GenerationError, match="LLM backend failed: authentication failed"):
        run(server, balance_description, balance_states)
    assert len(server.chat_requests()) == 1


def test_relaxed_igm_changes_prompt_and_header(fake_server, balance_description, balance_states):
    signed = ("import torch\n\ndef weights(td):\n"
              "    return torch.tanh(td['observation'][..., 0]) + 0.5\n")
    server = fake_server([code_answer(signed)])
    result = run(server, balance_description, balance_states, candidates=1, rounds=1, igm="relax")
    assert parse_header(result.source)["igm"] == "relax"
    assert "IGM is RELAXED" in coder_requests(server)[0]["messages"][1]["content"]
