"""LLM backends: the real openai SDK against the fake server, and the file backend."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from benchmarl_qllm.generation.backends import FileBackend, LLMBackendError, OpenAIBackend
from fake_openai_server import delay, empty_reply, garbage, reply, status, truncated
from generation_helpers import fake_server, isolated_env  # noqa: F401

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]


def backend(server, **kw):
    kw.setdefault("timeout", 5)
    kw.setdefault("backoff_s", 0.01)
    return OpenAIBackend("fake-model", base_url=server.base_url, api_key="sk-test", **kw)


def test_reply_usage_and_request(fake_server):
    server = fake_server([reply("hello", prompt_tokens=11, completion_tokens=7)])
    r = backend(server, max_tokens=123).complete(MESSAGES, temperature=0.3)
    assert r.text == "hello" and r.model == "fake-model-2024" and r.finish_reason == "stop"
    assert r.usage == {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    (request,) = server.chat_requests()
    assert request["model"] == "fake-model" and request["messages"] == MESSAGES
    assert request["temperature"] == 0.3 and request["max_tokens"] == 123
    assert server.requests[0]["headers"]["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize("failure", [status(429), status(500), status(503)], ids=["429", "500", "503"])
def test_retries_rate_limits_and_server_errors(fake_server, failure):
    server = fake_server([failure, dict(failure), reply("ok")])
    r = backend(server).complete(MESSAGES)
    assert r.text == "ok" and len(server.requests) == 3


def test_retries_after_client_timeout(fake_server):
    server = fake_server([delay(1.5, reply("too late")), reply("ok")])
    start = time.monotonic()
    r = backend(server, timeout=0.3).complete(MESSAGES)
    assert r.text == "ok" and time.monotonic() - start < 1.5


def test_retries_garbage_and_empty_replies(fake_server):
    server = fake_server([garbage(), garbage(content_type="text/html"), empty_reply(), reply("ok")])
    r = backend(server, bad_reply_retries=3).complete(MESSAGES)
    assert r.text == "ok" and r.attempts == 4


def test_persistent_garbage_is_a_clear_non_fatal_error(fake_server):
    server = fake_server([garbage(), garbage(), garbage()])
    with pytest.raises(LLMBackendError, match="not JSON.*after 3 attempts") as info:
        backend(server, bad_reply_retries=2).complete(MESSAGES)
    assert not info.value.fatal and info.value.kind == "bad_reply"


def test_truncated_reply(fake_server):
    server = fake_server([truncated()])
    with pytest.raises(LLMBackendError, match="truncated.*finish_reason='length'.*max_tokens=4096") as info:
        backend(server).complete(MESSAGES)
    assert info.value.kind == "truncated" and not info.value.fatal


def test_rate_limit_that_never_ends_is_fatal(fake_server):
    server = fake_server([status(429) for _ in range(3)])
    with pytest.raises(LLMBackendError, match="rate limited.*HTTP 429.*2 retries") as info:
        backend(server, max_retries=2).complete(MESSAGES)
    assert info.value.fatal and len(server.requests) == 3


def test_timeouts_that_never_end_are_fatal(fake_server):
    server = fake_server([delay(1.0), delay(1.0)])
    with pytest.raises(LLMBackendError, match="timed out after 0.2 s") as info:
        backend(server, timeout=0.2, max_retries=1).complete(MESSAGES)
    assert info.value.kind == "timeout"


def test_auth_error_is_not_retried(fake_server):
    server = fake_server([status(401, "bad key")])
    with pytest.raises(LLMBackendError, match="authentication failed.*QLLM_API_KEY"):
        backend(server).complete(MESSAGES)
    assert len(server.requests) == 1


def test_unreachable_endpoint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    b = OpenAIBackend("m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=2)
    with pytest.raises(LLMBackendError, match=f"cannot connect to the LLM endpoint http://127.0.0.1:{port}/v1"):
        b.complete(MESSAGES)


def test_configuration_errors(monkeypatch):
    with pytest.raises(LLMBackendError, match="no model configured"):
        OpenAIBackend("")
    with pytest.raises(LLMBackendError, match="no API key.*QLLM_API_KEY or OPENAI_API_KEY"):
        OpenAIBackend("gpt-4o-mini")
    monkeypatch.setenv("QLLM_API_KEY", "sk-from-env")
    assert OpenAIBackend("gpt-4o-mini").client.api_key == "sk-from-env"
    # A local server needs no key.
    monkeypatch.delenv("QLLM_API_KEY")
    assert OpenAIBackend("m", base_url="http://127.0.0.1:1/v1").client.api_key == "not-needed"


# file backend ---------------------------------------------------------------------------------------
def test_file_backend_waits_for_answers_written_by_another_thread(tmp_path):
    b = FileBackend(tmp_path / "answers", timeout_s=10, poll_s=0.02, settle_s=0.05)

    def answer():
        for n, text in ((1, "first answer"), (2, "second answer")):
            prompt, path = b.paths(n)
            while not prompt.exists():
                time.sleep(0.01)
            tmp = path.with_suffix(".part")
            tmp.write_text(text)
            os.replace(tmp, path)

    worker = threading.Thread(target=answer)
    worker.start()
    first = b.complete(MESSAGES, role="coder")
    second = b.complete([{"role": "user", "content": "again"}], role="evaluator")
    worker.join()
    assert (first.text, second.text) == ("first answer", "second answer")
    prompt = (tmp_path / "answers" / "001_prompt.md").read_text()
    assert "be brief" in prompt and "## user" in prompt and "001_answer.md" in prompt
    assert "(evaluator)" in (tmp_path / "answers" / "002_prompt.md").read_text()


def test_file_backend_says_which_file_to_fill(tmp_path):
    b = FileBackend(tmp_path, timeout_s=0)
    with pytest.raises(LLMBackendError) as info:
        b.complete(MESSAGES)
    message = str(info.value)
    assert str(tmp_path / "001_answer.md") in message and "001_prompt.md" in message
    assert "run the same command again" in message


def test_file_backend_replays_and_detects_stale_answers(tmp_path):
    b = FileBackend(tmp_path, timeout_s=0)
    with pytest.raises(LLMBackendError):
        b.complete(MESSAGES)
    (tmp_path / "001_answer.md").write_text("the answer")
    assert FileBackend(tmp_path, timeout_s=0).complete(MESSAGES).text == "the answer"
    with pytest.raises(LLMBackendError, match="answers a different prompt"):
        FileBackend(tmp_path, timeout_s=0).complete([{"role": "user", "content": "changed"}])


def test_file_backend_prompt_files_say_how_to_answer(tmp_path):
    b = FileBackend(tmp_path, timeout_s=0)
    for role in ("coder", "evaluator"):
        with pytest.raises(LLMBackendError):
            b.complete(MESSAGES, role=role)
    coder = (tmp_path / "001_prompt.md").read_text()
    evaluator = (tmp_path / "002_prompt.md").read_text()
    head = coder.split("-->")[0]
    assert "qllm call 1 (coder)" in head and "001_answer.md" in head and "```python" in head
    assert "rerun the same `qllm generate` command" in head
    assert '"choice"' in evaluator.split("-->")[0] and "002_answer.md" in evaluator
    assert coder.endswith("## user\n\nhi\n")


def test_file_backend_stale_answer_names_the_first_difference(tmp_path):
    (tmp_path / "001_answer.md").write_text("the answer")
    assert FileBackend(tmp_path, timeout_s=0).complete(MESSAGES).text == "the answer"
    changed = [MESSAGES[0], {"role": "user", "content": "hello"}]
    with pytest.raises(LLMBackendError) as info:
        FileBackend(tmp_path, timeout_s=0).complete(changed)
    message = str(info.value)
    assert info.value.kind == "stale" and "first difference at line" in message
    assert "'hi' -> 'hello'" in message and "Delete 001_answer.md and every later answer file" in message
