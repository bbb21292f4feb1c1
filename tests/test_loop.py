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
        reply('{"choice": "r1c2", "accept": false, "advice": "weight the agents under the package more"}'),
        code_answer(variant(good_source, 0.2)), code_answer(variant(good_source, 0.4)),
        reply('{"choice": "r2c2", "accept": true, "advice": ""}'),
    ])
    result = run(server, balance_description, balance_states, tmp_path, candidates=2, rounds=2)

    # 2 rounds x 2 coder calls + 2 evaluator calls.
    assert len(server.chat_requests()) == 6
    assert len(coder_requests(server)) == 4 and len(evaluator_requests(server)) == 2
    # The advice and the chosen code go into the second round's coder prompt (the feedback
    # message, before the candidate's brief).
    second = coder_requests(server)[2]["messages"][-2]["content"]
    assert "weight the agents under the package more" in second and "r1c2" in second
    # The evaluator of round 2 saw the incumbent (r1c2), marked, and the two new ones, under
    # the ids the coder uses.
    judged = evaluator_requests(server)[1]["messages"][1]["content"]
    assert "### Candidate r1c2 (INCUMBENT" in judged
    assert "### Candidate r2c1" in judged and "### Candidate r2c2" in judged
    assert result.candidate.id == "r2c2"

    # The file on disk: validated, loadable, with a truthful header.
    text = result.path.read_text()
    assert text == result.source
    header = parse_header(text)
    assert header["task"] == "vmas/balance"
    assert header["produced-by"] == "qllm generate (coder-evaluator loop, 2 candidates x 2 rounds)"
    assert header["model"].startswith("fake-model-2024 via openai-compatible API at http://127.0.0.1:")
    assert header["prompt-sha256"] == prompts.generation_prompt_sha256(balance_description)
    assert header["prompt-sha256"] != prompts.generation_prompt_sha256(balance_description, gamma=0.9)
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
    repair = coder_requests(server)[1]["messages"][-2]["content"]
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
    # The endless loop is stopped by the time limit (or refused while tracing).
    assert failed["r1c7"]["report"]["checks"][-1]["name"] in ("timeout", "trace")


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
    feedback = coder_requests(server)[2]["messages"][-2]["content"]
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


# briefs, roles, early stop, deterministic prompts ---------------------------------------------------
def test_candidates_of_a_round_get_distinct_briefs(fake_server, balance_description, balance_states,
                                                   good_source):
    server = fake_server([code_answer(variant(good_source, f)) for f in (0.1, 0.2, 0.3)]
                         + [reply('{"choice": "r1c3", "accept": false, "advice": ""}')])
    result = run(server, balance_description, balance_states, candidates=3, rounds=1)
    coder = coder_requests(server)
    assert len({json.dumps(r["messages"]) for r in coder}) == 3  # no two identical prompts
    briefs = [r["messages"][-1]["content"] for r in coder]
    for k, text in enumerate(briefs, start=1):
        assert text.startswith(f"## Design brief for candidate r1c{k}: ")
    # The same briefs are recorded with the calls, the candidates and the round.
    calls = [c for c in result.transcript["calls"] if c["role"] == "coder"]
    assert [c["candidate"] for c in calls] == ["r1c1", "r1c2", "r1c3"]
    names = [prompts.candidate_brief(1, k, False)["name"] for k in (1, 2, 3)]
    assert len(set(names)) == 3
    assert [c["brief"].split(":")[0] for c in calls] == names
    assert result.transcript["rounds"][0]["briefs"]["r1c2"].startswith(names[1])
    assert [c["brief"].split(":")[0] for c in result.transcript["candidates"]] == names


def test_evaluator_sees_the_task_without_the_coders_job(fake_server, balance_description,
                                                        balance_states, good_source):
    server = fake_server([code_answer(good_source), code_answer(variant(good_source, 0.3)),
                          reply('{"choice": "r1c1", "accept": false, "advice": "more"}'),
                          code_answer(variant(good_source, 0.2)), code_answer(variant(good_source, 0.4)),
                          reply('{"choice": "r2c1", "accept": false, "advice": "ignored"}')])
    result = run(server, balance_description, balance_states, candidates=2, rounds=2)
    first, last = [r["messages"][1]["content"] for r in evaluator_requests(server)]
    for text in (first, last):
        assert "## Task: vmas/balance" in text and "### Training" in text and "gamma = 0.99" in text
        assert "## Your job" not in text and "Write the TFCAF" not in text and "Design brief for" not in text
        assert "ms per call" not in text
    assert '"advice": "<one sentence' in first and "no advice is needed" not in first
    assert "This is the last round: no advice is needed" in last
    # Advice of the last round is not kept (nobody reads it); the first round's is.
    assert result.transcript["rounds"][0]["advice"] == "more"
    assert result.transcript["rounds"][1]["advice"] == ""
    # The coder's task prompt does carry the job.
    assert "## Your job" in coder_requests(server)[0]["messages"][1]["content"]


def test_stop_when_accepted(fake_server, balance_description, balance_states, good_source, tmp_path):
    server = fake_server([code_answer(good_source), code_answer(variant(good_source, 0.3)),
                          reply('```json\n{"choice": "r1c2", "accept": true, "advice": "ok"}\n```')])
    result = run(server, balance_description, balance_states, tmp_path, candidates=2, rounds=3,
                 stop_when_accepted=True)
    assert len(server.chat_requests()) == 3  # one round only
    assert result.candidate.id == "r1c2" and result.report.ok
    t = result.transcript
    assert t["totals"]["rounds_run"] == 1 and t["totals"]["stopped_early"] is True
    assert t["rounds"][0]["accept"] is True and t["rounds"][0]["stopped_early"] is True
    assert t["result"]["accepted"] is True and t["settings"]["stop_when_accepted"] is True
    assert "stopped after round 1" in result.source


def test_not_accepted_or_not_asked_runs_every_round(fake_server, balance_description, balance_states,
                                                     good_source):
    # accept false: the loop goes on, even with stop_when_accepted.
    server = fake_server([code_answer(good_source), reply('{"choice": "r1c1", "accept": false, "advice": "x"}'),
                          code_answer(variant(good_source, 0.3)),
                          reply('{"choice": "r2c1", "accept": true, "advice": ""}')])
    result = run(server, balance_description, balance_states, candidates=1, rounds=2,
                 stop_when_accepted=True)
    assert len(server.chat_requests()) == 4 and result.candidate.id == "r2c1"
    assert result.transcript["totals"]["stopped_early"] is False
    # Without the flag an accepting evaluator does not stop the loop.
    server = fake_server([code_answer(good_source), reply('{"choice": "r1c1", "accept": true, "advice": "x"}'),
                          code_answer(variant(good_source, 0.3)),
                          reply('{"choice": "r1c1", "accept": true, "advice": ""}')])
    result = run(server, balance_description, balance_states, candidates=1, rounds=2)
    assert len(server.chat_requests()) == 4 and result.candidate.id == "r1c1"
    assert result.transcript["totals"]["rounds_run"] == 2


def test_coder_feedback_is_reproducible_for_volatile_checks(fake_server, balance_description,
                                                            balance_states, good_source):
    """A batch-coupled candidate fails on randomly drawn sub-batches: the coder is told a
    fixed text, so two runs with the same answers send the same prompts."""
    coupled = ("import torch\n\ndef weights(td):\n    x = td['observation'][..., 0]\n"
               "    return torch.sigmoid(x - x.mean(0, keepdim=True)) + 0.1\n")
    prompts_seen = []
    for _ in range(2):
        server = fake_server([code_answer(coupled), code_answer(good_source)])
        run(server, balance_description, balance_states, candidates=1, rounds=2)
        prompts_seen.append([r["messages"] for r in server.chat_requests()])
    assert prompts_seen[0] == prompts_seen[1]
    feedback = prompts_seen[0][1][-2]["content"]
    assert "[batch_independence]" in feedback and "state row" not in feedback


def test_regime_statistics_reach_the_evaluator(fake_server):
    """On navigation the evaluator sees how each candidate's weights differ between the
    sampled situations (teammate in lidar range, near the goal, ...)."""
    from benchmarl_qllm.credit.library import library_path
    from benchmarl_qllm.environments import get_description
    from benchmarl_qllm.environments.sampling import regime_coverage
    from benchmarl_qllm.environments.validation import task_states

    task = "vmas/navigation"
    states = task_states(task, n_states=64)
    coverage = regime_coverage(task, states)
    assert coverage["teammate in lidar range"] > 0.1 and coverage["agent within 2 radii of its goal"] > 0
    packaged = library_path(task).read_text()
    uniform = "import torch\n\ndef weights(td):\n    return torch.ones_like(td['observation'][..., 0])\n"
    server = fake_server([code_answer(packaged), code_answer(uniform),
                          reply('{"choice": "r1c1", "accept": true, "advice": ""}')])
    backend = OpenAIBackend("fake-model", base_url=server.base_url, api_key="sk-test", timeout=5)
    result = generate_tfcaf(get_description(task), backend,
                            GenerationSettings(candidates=2, rounds=1, n_states=64), states=states)
    judged = evaluator_requests(server)[0]["messages"][1]["content"]
    assert "teammate in lidar range" in judged
    by_id = {c["id"]: c for c in result.transcript["candidates"]}
    # Per-situation weights need the validator's verified program; without one the evaluator
    # still sees which situations the states cover.
    assert ("by situation: " in judged) == bool(by_id["r1c1"]["regimes"])
    assert result.transcript["regime_coverage"] == coverage
    assert by_id["r1c1"]["report"]["stats"]["regime_coverage"] == coverage
    if by_id["r1c1"]["regimes"]:  # computed with the validator's verified program
        lidar = by_id["r1c1"]["regimes"]["teammate in lidar range"]
        flat = by_id["r1c2"]["regimes"]["teammate in lidar range"]
        assert flat["w_in"] == flat["w_out"] == 1.0
        assert lidar["w_in"] != lidar["w_out"]
