"""A real, local, OpenAI-compatible HTTP server for tests.

It speaks the Chat Completions and Moderations protocol over loopback HTTP, so
the real ``openai`` SDK (its retries, timeouts and parsing included) talks to it
exactly as it would to a provider. Replies are scripted with a queue; every
request body is recorded for inspection (e.g. to assert no student name ever
reaches the LLM).

Use the ``fake_openai`` fixture (import it into a conftest) or the class as a
context manager::

    with FakeOpenAI() as server:
        server.reply_json({...})
        settings.llm_base_url = server.base_url
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

Responder = Callable[[dict[str, Any]], "Reply"]


@dataclass
class Reply:
    """One scripted answer of the chat completions endpoint."""

    content: str | None = None
    finish_reason: str = "stop"
    refusal: str | None = None
    status: int = 200
    # Body for non-200 replies (OpenAI's error envelope by default).
    error: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)
    # Override the computed usage (prompt_tokens, completion_tokens, cached_tokens).
    usage: dict[str, int] | None = None
    # Seconds to wait before answering (to exercise client timeouts).
    delay: float = 0.0


@dataclass
class Recorded:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def text(self) -> str:
        """Every message content joined: what the model would have read."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


class FakeOpenAI:
    """OpenAI-compatible server on 127.0.0.1, a free port, in a thread."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.queue: list[Reply] = []
        # Used when the queue is empty; None means answer HTTP 400 (a test bug, loudly).
        self.default: Responder | None = None
        self.moderation_flagged = False
        self.model = "fake-model"
        # Raw answers of the upstream server when proxying (see proxy_to).
        self.upstream_replies: list[dict[str, Any]] = []
        self._seen_prefixes: set[str] = set()
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting -------------------------------------------------------------------------
    def reply(self, reply: Reply) -> FakeOpenAI:
        self.queue.append(reply)
        return self

    def reply_json(self, obj: Any, **kwargs: Any) -> FakeOpenAI:
        return self.reply(Reply(content=json.dumps(obj), **kwargs))

    def reply_text(self, text: str, **kwargs: Any) -> FakeOpenAI:
        return self.reply(Reply(content=text, **kwargs))

    def reply_refusal(self, text: str = "I can't help with that.") -> FakeOpenAI:
        return self.reply(Reply(content=None, refusal=text))

    def reply_truncated(self, partial: str = '{"title_skill": "Wri') -> FakeOpenAI:
        return self.reply(Reply(content=partial, finish_reason="length"))

    def reply_content_filter(self) -> FakeOpenAI:
        return self.reply(Reply(content=None, finish_reason="content_filter"))

    def reply_status(self, status: int, error: str = "scripted error", **headers: str) -> FakeOpenAI:
        # Tell the SDK to retry almost at once so retry tests stay fast.
        hdrs = {"retry-after-ms": "10", **headers}
        return self.reply(Reply(status=status, error=error, headers=hdrs))

    def proxy_to(self, upstream_base_url: str, timeout: float = 600.0) -> FakeOpenAI:
        """Answer unscripted chat requests by forwarding them to a real OpenAI-compatible server.

        The requests are still recorded here, so a test can inspect exactly what
        the tool sent to a real model (e.g. llama-cpp-python's server).
        """
        import requests

        def forward(body: dict[str, Any]) -> Reply:
            upstream = requests.post(f"{upstream_base_url}/chat/completions", json=body, timeout=timeout)
            if upstream.status_code != 200:
                return Reply(status=upstream.status_code, error=upstream.text[:2000])
            data = upstream.json()
            choice = data["choices"][0]
            usage = data.get("usage") or {}
            details = usage.get("prompt_tokens_details") or {}
            self.upstream_replies.append(data)
            return Reply(
                content=choice["message"].get("content"),
                refusal=choice["message"].get("refusal"),
                finish_reason=choice.get("finish_reason") or "stop",
                usage={
                    "prompt_tokens": usage.get("prompt_tokens", 0),
                    "completion_tokens": usage.get("completion_tokens", 0),
                    "cached_tokens": details.get("cached_tokens", 0),
                },
            )

        self.default = forward
        return self

    # -- inspection ------------------------------------------------------------------------
    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def moderation_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/moderations")]

    def all_text(self) -> str:
        """Everything any request sent, as one string (for 'never sent X' assertions)."""
        return "\n".join(json.dumps(r.body) for r in self.requests)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def start(self) -> FakeOpenAI:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        # A short poll interval so stopping the server does not add half a second per test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- protocol --------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except json.JSONDecodeError:
            return _error(400, "body is not JSON")
        with self._lock:
            self.requests.append(Recorded(request.path, dict(request.headers), body))
        if request.method != "POST":
            return _error(405, "method not allowed")
        if request.path == "/v1/chat/completions":
            return self._chat(body)
        if request.path == "/v1/moderations":
            return self._moderation(body)
        return _error(404, f"no route {request.path}")

    def _chat(self, body: dict[str, Any]) -> Response:
        with self._lock:
            scripted = self.queue.pop(0) if self.queue else None
        if scripted is None:
            if self.default is None:
                return _error(400, "fake server: no scripted reply left")
            scripted = self.default(body)
        if scripted.delay:
            time.sleep(scripted.delay)
        if scripted.status != 200:
            return _error(scripted.status, scripted.error, scripted.headers)
        message: dict[str, Any] = {"role": "assistant", "content": scripted.content, "refusal": scripted.refusal}
        payload = {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [{"index": 0, "message": message, "finish_reason": scripted.finish_reason, "logprobs": None}],
            "usage": self._usage(body, scripted),
        }
        return Response(json.dumps(payload), status=200, headers=scripted.headers, mimetype="application/json")

    def _usage(self, body: dict[str, Any], scripted: Reply) -> dict[str, Any]:
        if scripted.usage is not None:
            prompt = scripted.usage.get("prompt_tokens", 0)
            completion = scripted.usage.get("completion_tokens", 0)
            cached = scripted.usage.get("cached_tokens", 0)
        else:
            messages = body.get("messages", [])
            prompt = len(json.dumps(messages)) // 4
            completion = len(scripted.content or scripted.refusal or "") // 4
            # Like OpenAI: a repeated prefix is served from cache in 128-token blocks
            # once it is at least 1,024 tokens long.
            prefix = str(messages[0].get("content", "")) if messages else ""
            with self._lock:
                seen = prefix in self._seen_prefixes
                self._seen_prefixes.add(prefix)
            prefix_tokens = len(prefix) // 4
            cached = (prefix_tokens // 128) * 128 if seen and prefix_tokens >= 1024 else 0
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        }

    def _moderation(self, body: dict[str, Any]) -> Response:
        inputs = body.get("input", "")
        items = inputs if isinstance(inputs, list) else [inputs]
        results = [
            {
                "flagged": self.moderation_flagged,
                "categories": {"harassment": self.moderation_flagged},
                "category_scores": {"harassment": 0.99 if self.moderation_flagged else 0.0},
                "category_applied_input_types": {"harassment": ["text"]},
            }
            for _ in items
        ]
        payload = {"id": "modr-fake", "model": "omni-moderation-latest", "results": results}
        return Response(json.dumps(payload), status=200, mimetype="application/json")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    envelope = {"error": {"message": message, "type": "fake_error", "param": None, "code": None}}
    return Response(json.dumps(envelope), status=status, headers=headers or {}, mimetype="application/json")


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI server, stopped after the test."""
    with FakeOpenAI() as server:
        yield server
