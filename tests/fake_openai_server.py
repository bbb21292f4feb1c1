"""A scripted, OpenAI-compatible chat-completions server for tests (stdlib only).

    with FakeOpenAIServer([reply("```python\\n...```"), status(429), reply('{"choice": 1}')]) as srv:
        backend = OpenAIBackend("fake-model", base_url=srv.base_url, api_key="test")

Every ``POST /v1/chat/completions`` takes the next scripted response: ``reply(text)``,
``status(code)``, ``delay(seconds, then)`` (the client times out first), ``garbage()`` (a
200 whose body is not a chat completion), ``truncated(text)`` (``finish_reason="length"``) or
a callable ``f(request_json) -> response``. When the script runs out, ``responder`` (if
given) answers; otherwise the server answers HTTP 400 "script exhausted". Every request is
recorded in ``requests`` (parsed JSON body, lower-cased headers).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

Response = Union[Dict[str, Any], Callable[[Dict[str, Any]], Dict[str, Any]]]


def reply(text: str, finish_reason: str = "stop", model: str = "fake-model-2024",
          prompt_tokens: int = 100, completion_tokens: int = 50) -> Dict[str, Any]:
    return {"kind": "reply", "text": text, "finish_reason": finish_reason, "model": model,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def truncated(text: str = "```python\nimport torch\ndef weights(td):\n    x = (") -> Dict[str, Any]:
    return reply(text, finish_reason="length")


def status(code: int, message: str = "scripted error", retry_after_ms: Optional[int] = 1) -> Dict[str, Any]:
    return {"kind": "status", "code": code, "message": message, "retry_after_ms": retry_after_ms}


def delay(seconds: float, then: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {"kind": "delay", "seconds": seconds, "then": then or reply("late")}


def garbage(body: str = "<html>502 Bad Gateway from a proxy</html> not json {",
            content_type: str = "application/json") -> Dict[str, Any]:
    return {"kind": "garbage", "body": body, "content_type": content_type}


def empty_reply() -> Dict[str, Any]:
    return reply("")


class FakeOpenAIServer:
    def __init__(self, script: Iterable[Response] = (), responder: Optional[Callable] = None):
        self.script = deque(script)
        self.responder = responder
        self.requests: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server: Optional[ThreadingHTTPServer] = None
        self.thread: Optional[threading.Thread] = None

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> "FakeOpenAIServer":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between header and body

            def log_message(self, *args):  # silence
                pass

            def do_POST(self):  # noqa: N802
                outer._handle(self)

            def do_GET(self):  # noqa: N802
                self._send(404, {"error": {"message": "not found"}})

            def _send(self, code, payload, headers=None, raw=None, content_type="application/json"):
                body = raw if raw is not None else json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def add(self, *responses: Response) -> None:
        with self.lock:
            self.script.extend(responses)

    # introspection ---------------------------------------------------------------------------
    def chat_requests(self) -> List[Dict[str, Any]]:
        return [r["json"] for r in self.requests if r["path"].endswith("/chat/completions")]

    @staticmethod
    def text_of(request: Dict[str, Any]) -> str:
        return "\n".join(str(m.get("content", "")) for m in request.get("messages", []))

    # handling --------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"_unparsed": raw.decode(errors="replace")}
        with self.lock:
            headers = {k.lower(): v for k, v in h.headers.items()}
            self.requests.append({"path": h.path, "json": body, "headers": headers, "time": time.time()})
            spec: Optional[Response] = self.script.popleft() if self.script else None
        if spec is None and self.responder is not None:
            spec = self.responder
        if callable(spec):
            spec = spec(body)
        if not h.path.endswith("/chat/completions"):
            h._send(404, {"error": {"message": f"unknown path {h.path}", "type": "not_found"}})
            return
        if spec is None:
            h._send(400, {"error": {"message": "fake server: script exhausted", "type": "invalid_request_error"}})
            return
        self._respond(h, spec, body)

    def _respond(self, h, spec: Dict[str, Any], body: Dict[str, Any]) -> None:
        kind = spec["kind"]
        if kind == "delay":
            time.sleep(spec["seconds"])
            self._respond(h, spec["then"], body)
        elif kind == "status":
            headers = {}
            if spec.get("retry_after_ms") is not None:
                headers["retry-after-ms"] = str(spec["retry_after_ms"])
            h._send(spec["code"], {"error": {"message": spec["message"], "type": "scripted", "code": spec["code"]}},
                    headers=headers)
        elif kind == "garbage":
            h._send(200, None, raw=spec["body"].encode(), content_type=spec["content_type"])
        else:
            payload = {
                "id": f"chatcmpl-fake-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": spec["model"],
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": spec["text"]},
                    "finish_reason": spec["finish_reason"],
                }],
                "usage": spec["usage"],
            }
            h._send(200, payload)


# replaying a recorded generation ---------------------------------------------------------------
def messages_key(messages: List[Dict[str, Any]]) -> str:
    """A stable key of a chat request's messages (role and content only)."""
    import hashlib

    canonical = [{"role": m.get("role"), "content": m.get("content")} for m in messages]
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


class TranscriptReplay:
    """A responder that answers every chat request with the answer a saved generation
    transcript recorded for exactly the same messages (prompts are deterministic, so a rerun of
    the same task and settings asks the same questions).

    ``faults`` maps a call number of the transcript (1-based) to a list of responses served
    before the recorded answer (``status(500)``, ``delay(...)``, ``garbage()``...), each used
    once. A request with no recorded answer gets HTTP 400 "no recorded answer", which the
    client treats as fatal, so a prompt that drifted from the recording fails loudly.
    """

    def __init__(self, transcript: Dict[str, Any], faults: Optional[Dict[int, List[Dict[str, Any]]]] = None):
        self.answers: Dict[str, deque] = {}
        self.call_of: Dict[str, deque] = {}
        for call in transcript["calls"]:
            if "answer" not in call:
                continue
            key = messages_key(call["messages"])
            self.answers.setdefault(key, deque()).append(call["answer"])
            self.call_of.setdefault(key, deque()).append(call["n"])
        self.faults = {n: deque(v) for n, v in (faults or {}).items()}
        self.served: List[int] = []
        self.unmatched = 0
        self.lock = threading.Lock()

    def __call__(self, request: Dict[str, Any]) -> Dict[str, Any]:
        key = messages_key(request.get("messages", []))
        with self.lock:
            if not self.answers.get(key):
                self.unmatched += 1
                return status(400, "fake server: no recorded answer for this prompt", retry_after_ms=None)
            n = self.call_of[key][0]
            pending = self.faults.get(n)
            if pending:
                return pending.popleft()
            self.call_of[key].popleft()
            self.served.append(n)
            return reply(self.answers[key].popleft())
