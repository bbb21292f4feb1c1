"""LLM backends: any OpenAI-compatible chat endpoint, or files for air-gapped use.

Both implement ``complete(messages, *, temperature=None, max_tokens=None, role="coder") ->
LLMReply`` and raise :class:`LLMBackendError` with a message that says what to do.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence

API_KEY_ENV_VARS = ("QLLM_API_KEY", "OPENAI_API_KEY")
# Endpoints such as vLLM, Ollama or llama.cpp ignore the key but the SDK wants one.
PLACEHOLDER_API_KEY = "not-needed"


class LLMBackendError(RuntimeError):
    """An LLM call failed.

    ``fatal`` errors (cannot connect, authentication, unknown model, timeouts and rate limits
    that outlived every retry) stop a generation; the others (an empty, unusable or truncated
    reply) only lose that one answer.
    """

    def __init__(self, message: str, *, fatal: bool = True, kind: str = "error"):
        super().__init__(message)
        self.fatal = fatal
        self.kind = kind


@dataclass
class LLMReply:
    """One answer: its text, the model that produced it, token usage and timing."""

    text: str
    model: str
    usage: Dict[str, Optional[int]] = field(default_factory=dict)
    finish_reason: Optional[str] = None
    latency_s: float = 0.0
    attempts: int = 1

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


Messages = Sequence[Dict[str, str]]


class LLMBackend:
    """Interface of a backend."""

    #: A short human-readable description (``"openai-compatible API at URL, model M"``).
    name: str = "llm"
    #: The model name used in cache keys (what the user configured).
    model: str = "unknown"

    def complete(
        self,
        messages: Messages,
        *,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        role: str = "coder",
    ) -> LLMReply:
        raise NotImplementedError


def _usage(usage: Any) -> Dict[str, Optional[int]]:
    keys = ("prompt_tokens", "completion_tokens", "total_tokens")
    if usage is None:
        return {k: None for k in keys}
    return {k: getattr(usage, k, None) for k in keys}


class OpenAIBackend(LLMBackend):
    """Chat completions through the official ``openai`` SDK, against any compatible endpoint.

    Args:
        model: model name (e.g. ``"gpt-4o-mini"``, ``"qwen2.5-coder:32b"``).
        base_url: endpoint such as ``"http://localhost:8000/v1"``; ``None`` for api.openai.com.
        api_key: default ``$QLLM_API_KEY`` then ``$OPENAI_API_KEY``; endpoints with a custom
            ``base_url`` may run without one.
        timeout: seconds per HTTP request.
        max_retries: SDK retries with exponential backoff on connection errors, timeouts,
            408/409/429 and 5xx (it honours ``Retry-After``).
        bad_reply_retries: extra attempts when a reply arrives but is empty or not a chat
            completion (garbage body), with exponential backoff from ``backoff_s``.
        max_tokens: default completion budget per call.
        extra_body: extra JSON fields for the endpoint (e.g. ``{"top_k": 20}``).
    """

    def __init__(
        self,
        model: str,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: float = 120.0,
        max_retries: int = 4,
        bad_reply_retries: int = 2,
        backoff_s: float = 1.0,
        max_tokens: Optional[int] = 4096,
        extra_body: Optional[Dict[str, Any]] = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not model:
            raise LLMBackendError(
                "no model configured: pass --model (or set QLLM_MODEL), e.g. gpt-4o-mini"
            )
        try:
            import openai
        except ImportError as exc:  # pragma: no cover - declared dependency
            raise LLMBackendError(f"the openai package is not installed ({exc}): pip install openai")
        if api_key is None:
            api_key = next((os.environ[v] for v in API_KEY_ENV_VARS if os.environ.get(v)), None)
        if not api_key:
            if not base_url:
                raise LLMBackendError(
                    "no API key: set QLLM_API_KEY or OPENAI_API_KEY, or point --base-url "
                    "(QLLM_BASE_URL) at an OpenAI-compatible server that needs none"
                )
            api_key = PLACEHOLDER_API_KEY
        self._openai = openai
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.bad_reply_retries = bad_reply_retries
        self.backoff_s = backoff_s
        self.max_tokens = max_tokens
        self.extra_body = dict(extra_body or {})
        self._sleep = sleep
        self.client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        where = base_url or "api.openai.com"
        self.name = f"openai-compatible API at {where}"

    def _error(self, exc: Exception) -> LLMBackendError:
        o = self._openai
        where = self.base_url or "api.openai.com"
        retries = self.client.max_retries
        if isinstance(exc, o.APITimeoutError):
            return LLMBackendError(
                f"the LLM request to {where} timed out after {self.timeout:g} s "
                f"({retries} retries); raise the timeout (--timeout / QLLM_TIMEOUT) or check "
                "the server", kind="timeout")
        if isinstance(exc, o.APIConnectionError):
            return LLMBackendError(
                f"cannot connect to the LLM endpoint {where} ({exc.__cause__ or exc}); check "
                "--base-url / QLLM_BASE_URL and that the server is running", kind="connection")
        if isinstance(exc, o.AuthenticationError):
            return LLMBackendError(
                f"authentication failed at {where} (HTTP 401): set a valid QLLM_API_KEY or "
                "OPENAI_API_KEY", kind="auth")
        if isinstance(exc, o.NotFoundError):
            return LLMBackendError(
                f"model '{self.model}' or the chat endpoint was not found at {where} (HTTP 404): "
                f"{_short(exc)}", kind="not_found")
        if isinstance(exc, o.RateLimitError):
            return LLMBackendError(
                f"rate limited by {where} (HTTP 429) after {retries} retries with backoff: "
                f"{_short(exc)}", kind="rate_limit")
        if isinstance(exc, o.APIStatusError):
            return LLMBackendError(
                f"the LLM endpoint {where} answered HTTP {exc.status_code} after {retries} "
                f"retries: {_short(exc)}", kind="status")
        return LLMBackendError(f"LLM call to {where} failed: {type(exc).__name__}: {_short(exc)}")

    def complete(
        self,
        messages: Messages,
        *,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        role: str = "coder",
    ) -> LLMReply:
        o = self._openai
        kwargs: Dict[str, Any] = {"model": self.model, "messages": list(messages)}
        if temperature is not None:
            kwargs["temperature"] = temperature
        budget = max_tokens if max_tokens is not None else self.max_tokens
        if budget is not None:
            kwargs["max_tokens"] = budget
        if self.extra_body:
            kwargs["extra_body"] = self.extra_body
        problem = ""
        started = time.monotonic()
        for attempt in range(1, self.bad_reply_retries + 2):
            try:
                completion = self.client.chat.completions.create(**kwargs)
            except o.APIResponseValidationError as exc:
                problem = f"the endpoint returned a reply that is not a chat completion ({_short(exc)})"
            except o.APIError as exc:
                raise self._error(exc) from None
            except ValueError as exc:  # the body is not JSON (json.JSONDecodeError)
                problem = f"the endpoint returned a body that is not JSON ({type(exc).__name__}: {_short(exc)})"
            else:
                problem, reply = self._read(completion, budget)
                if reply is not None:
                    reply.latency_s = time.monotonic() - started
                    reply.attempts = attempt
                    return reply
            if attempt <= self.bad_reply_retries:
                self._sleep(self.backoff_s * (2 ** (attempt - 1)) * (0.75 + 0.25 * random.random()))
        raise LLMBackendError(
            f"{problem} (after {self.bad_reply_retries + 1} attempts)", fatal=False, kind="bad_reply"
        )

    def _read(self, completion: Any, budget: Optional[int]):
        choices = getattr(completion, "choices", None)
        if not choices:
            snippet = _short(completion if isinstance(completion, str) else repr(completion))
            return f"the endpoint returned no chat completion (garbage body: {snippet!r})", None
        choice = choices[0]
        message = getattr(choice, "message", None)
        text = getattr(message, "content", None) or ""
        finish = getattr(choice, "finish_reason", None)
        if finish == "length":
            raise LLMBackendError(
                f"the reply was truncated at the token limit (finish_reason='length', "
                f"max_tokens={budget}); raise max_tokens or ask for shorter code",
                fatal=False, kind="truncated",
            )
        if not text.strip():
            return f"the endpoint returned an empty reply (finish_reason={finish!r})", None
        model = getattr(completion, "model", None) or self.model
        return "", LLMReply(
            text=text, model=str(model), usage=_usage(getattr(completion, "usage", None)),
            finish_reason=finish,
        )


def _short(value: Any, limit: int = 300) -> str:
    text = str(value).strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."


ANSWER_FORMATS = {
    "coder": "the complete Python module in one ```python fenced block (a short explanation "
             "around it is fine)",
    "evaluator": 'one JSON object, e.g. {"choice": "r1c2", "accept": false, "advice": "..."}',
}


class FileBackend(LLMBackend):
    """Exchange prompts and answers through files, for machines without network access.

    Call ``n`` (1, 2, ...) writes ``<dir>/<nnn>_prompt.md`` (instructions, then the chat
    messages) and waits for the person (or another tool) to write the LLM's answer to
    ``<dir>/<nnn>_answer.md``. An answer is taken once the file is non-empty and unchanged for
    ``settle_s``. Answers that already exist for the same prompts are replayed, so a run can be
    stopped, answered and restarted: prompts are deterministic, so a rerun asks exactly the
    same questions and reuses every answer given so far.

    Args:
        directory: where prompt and answer files live (created if missing).
        timeout_s: how long to wait for each answer; ``0`` fails at once with instructions.
        poll_s: polling interval.
        model: what to record as the model (default ``"file"``).
        on_wait: called once per call with the answer path while waiting (progress display).
    """

    def __init__(
        self,
        directory,
        timeout_s: float = 3600.0,
        poll_s: float = 0.5,
        settle_s: float = 0.3,
        model: Optional[str] = None,
        on_wait: Optional[Callable[[Path], None]] = None,
    ):
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.settle_s = settle_s
        self.model = model or "file"
        self.on_wait = on_wait
        self.counter = 0
        self.name = f"file backend ({self.directory})"

    @staticmethod
    def render(messages: Messages) -> str:
        parts = []
        for m in messages:
            parts.append(f"<!-- role: {m['role']} -->\n## {m['role']}\n\n{m['content'].rstrip()}\n")
        return "\n".join(parts)

    def paths(self, n: int):
        return self.directory / f"{n:03d}_prompt.md", self.directory / f"{n:03d}_answer.md"

    def prompt_text(self, n: int, messages: Messages, role: str) -> str:
        """The whole prompt file of call ``n``: how to answer, then the messages."""
        answer = self.paths(n)[1].name
        fmt = ANSWER_FORMATS.get(role, "the LLM's whole answer")
        header = (
            f"<!--\n"
            f"qllm call {n} ({role}).\n"
            f"How to answer: give the messages below to an LLM as one chat (the `system` part "
            f"as its system prompt, each `user` part as a user message, in order; or paste "
            f"everything into a single message). Save the LLM's whole answer, unchanged, as "
            f"{answer} in this folder. Expected answer: {fmt}.\n"
            f"Then rerun the same `qllm generate` command (answers already given are replayed), "
            f"or leave it running: it picks the file up.\n"
            f"-->\n\n"
        )
        return header + self.render(messages)

    def complete(
        self,
        messages: Messages,
        *,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        role: str = "coder",
    ) -> LLMReply:
        self.counter += 1
        prompt_path, answer_path = self.paths(self.counter)
        text = self.prompt_text(self.counter, messages, role)
        if prompt_path.exists() and answer_path.exists():
            old = prompt_path.read_text(encoding="utf-8")
            if old != text:
                raise LLMBackendError(
                    f"{answer_path} answers a different prompt than call {self.counter} now asks "
                    f"({_first_difference(old, text)}); the task, the settings or an earlier "
                    f"answer changed. Delete {answer_path.name} and every later answer file, or "
                    "use an empty --answers-dir", kind="stale")
        else:
            tmp = prompt_path.with_suffix(".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, prompt_path)
        started = time.monotonic()
        if self.on_wait is not None and not answer_path.exists():
            self.on_wait(answer_path)
        answer = self._wait(answer_path, started)
        return LLMReply(
            text=answer,
            model=self.model,
            usage={"prompt_tokens": None, "completion_tokens": None, "total_tokens": None},
            finish_reason="stop",
            latency_s=time.monotonic() - started,
        )

    def _wait(self, path: Path, started: float) -> str:
        last = None
        while True:
            expired = time.monotonic() - started >= self.timeout_s
            try:
                stat = path.stat()
                current = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                current = None
            # Take the answer once it stopped changing (an editor or tool may still be writing).
            if current and current[0] > 0 and (
                expired or current == last or time.time() - stat.st_mtime >= self.settle_s
            ):
                text = path.read_text(encoding="utf-8", errors="replace")
                if text.strip():
                    return text
            last = current
            if expired:
                raise LLMBackendError(
                    f"no answer in {path} after {self.timeout_s:g} s: open "
                    f"{path.with_name(path.name.replace('_answer', '_prompt'))}, give it to an LLM "
                    f"and save the whole answer to {path}, then run the same command again "
                    "(answers already given are replayed)", kind="file_timeout")
            time.sleep(min(self.poll_s, max(0.01, self.timeout_s - (time.monotonic() - started))))


def _first_difference(old: str, new: str) -> str:
    """``line N: 'old' -> 'new'`` for the first line where two prompt files differ."""
    a, b = old.splitlines(), new.splitlines()
    for i, (x, y) in enumerate(zip(a, b), start=1):
        if x != y:
            return f"first difference at line {i}: {_short(x, 80)!r} -> {_short(y, 80)!r}"
    return f"the new prompt has {len(b)} lines, the old one {len(a)}"
