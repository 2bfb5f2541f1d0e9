"""A small OpenAI-compatible chat server of our own, on loopback, for tests of the LLM agent.

`POST /v1/chat/completions` answers each request with the next scripted `Step` (valid JSON, JSON
in code fences with prose, malformed JSON, empty content, a slow answer beyond the client's
timeout, 429 with Retry-After, 5xx...), or, once the script is used up, with what the
`responder` returns for the request. `GET /v1/models` lists the served model. Every request is
recorded (body and the headers a test may check) so tests can assert what the client sent and
how often it retried.

    with fake_llm_server() as fake:
        fake.script(steps.rate_limited(retry_after=0.01), steps.valid_json({...}))
        client = openai.OpenAI(base_url=fake.base_url, api_key="test-key")

The `openai` SDK talks to it over a real socket (uvicorn in a background thread), never the
internet.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from alphaloop.venues.sim.server.runner import base_url_of, bind_socket

DEFAULT_MODEL = "fake-gpt"
#: What the fake reports as the exact model behind the alias (like "gpt-4o-mini-2024-07-18").
DEFAULT_REPORTED_MODEL = "fake-gpt-2025-01-01"


@dataclass(frozen=True, slots=True)
class Step:
    """What the fake does for one request."""

    status: int = 200
    #: Message content for a 200 answer (None: JSON null, as some providers send).
    content: str | None = ""
    #: Seconds to wait before answering (a client with a shorter timeout gives up first).
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Raw JSON body for non-200 answers (an OpenAI-style error object when None).
    error_body: Any = None
    prompt_tokens: int = 120
    completion_tokens: int = 40
    #: False: the answer has no `usage` block (some providers omit it).
    report_usage: bool = True
    finish_reason: str = "stop"
    model: str | None = DEFAULT_REPORTED_MODEL
    #: Send this body as text/html instead of a chat completion (a proxy's error page).
    raw_html: str | None = None


class steps:
    """Builders for the scripted scenarios (a lower-case namespace: `steps.valid_json(...)`)."""

    @staticmethod
    def reply(content: str | None, **extra: Any) -> Step:
        return Step(content=content, **extra)

    @staticmethod
    def valid_json(payload: Any, **extra: Any) -> Step:
        return Step(content=json.dumps(payload), **extra)

    @staticmethod
    def fenced_json(payload: Any, **extra: Any) -> Step:
        body = json.dumps(payload, indent=2)
        text = f"Here is my decision.\n\n```json\n{body}\n```\n\nLet me know if you need more."
        return Step(content=text, **extra)

    @staticmethod
    def malformed_json(**extra: Any) -> Step:
        return Step(content='{"decisions": [{"symbol": "BTC/USDT:USDT", "action": "open_long",', **extra)

    @staticmethod
    def empty(**extra: Any) -> Step:
        return Step(content="", **extra)

    @staticmethod
    def slow(delay: float, then: Step | None = None) -> Step:
        return replace(then or Step(content="{}"), delay=delay)

    @staticmethod
    def rate_limited(retry_after: float | None = 0.01) -> Step:
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        body = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
        return Step(status=429, headers=headers, error_body=body)

    @staticmethod
    def server_error(status: int = 500) -> Step:
        body = {"error": {"message": "The server had an error", "type": "server_error", "code": None}}
        return Step(status=status, error_body=body)

    @staticmethod
    def html_page(status: int = 200) -> Step:
        return Step(status=status, raw_html="<html><body>502 Bad Gateway</body></html>")

    @staticmethod
    def unauthorized() -> Step:
        body = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
        return Step(status=401, error_body=body)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    path: str
    body: Mapping[str, Any]
    headers: Mapping[str, str]

    @property
    def messages(self) -> list[Mapping[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def user_content(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.messages if m.get("role") == "user")


Responder = Callable[[Mapping[str, Any]], Step]


def _default_responder(_body: Mapping[str, Any]) -> Step:
    return steps.valid_json({"decisions": [], "explanation": "Nothing stands out; holding."})


class FakeLlm:
    """The app and its script; thread-safe because uvicorn serves it from another thread."""

    def __init__(self, responder: Responder | None = None, *, model: str = DEFAULT_MODEL) -> None:
        self.model = model
        self.responder = responder or _default_responder
        self.requests: list[RecordedRequest] = []
        self._script: deque[Step] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.base_url = ""  # set once served
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    def script(self, *planned: Step) -> None:
        """Queue answers for the next requests, in order."""
        with self._lock:
            self._script.extend(planned)

    def reset(self, responder: Responder | None = None) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.responder = responder or _default_responder

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def release_slow_answers(self) -> None:
        """Let slow answers finish now (on shutdown: nobody is waiting for them any more)."""
        self._released.set()

    def _next_step(self, body: Mapping[str, Any]) -> Step:
        with self._lock:
            if self._script:
                return self._script.popleft()
            responder = self.responder
        return responder(body)

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        recorded = RecordedRequest(
            path=request.url.path,
            body=body,
            headers={k: v for k, v in request.headers.items() if k in ("authorization", "content-type")},
        )
        with self._lock:
            self.requests.append(recorded)
        step = self._next_step(body)
        if step.delay > 0:
            # Wait in a worker thread so shutdown (`release_slow_answers`) can cut the wait short.
            await asyncio.to_thread(self._released.wait, step.delay)
        if step.raw_html is not None:
            return Response(step.raw_html, status_code=step.status, media_type="text/html")
        if step.status != 200:
            error = step.error_body if step.error_body is not None else {"error": {"message": "error"}}
            return JSONResponse(error, status_code=step.status, headers=dict(step.headers))
        return JSONResponse(self._completion(body, step), headers=dict(step.headers))

    async def _models(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(RecordedRequest(path=request.url.path, body={}, headers={}))
        return JSONResponse(
            {
                "object": "list",
                "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "fake"}],
            }
        )

    def _completion(self, body: Mapping[str, Any], step: Step) -> dict[str, Any]:
        with self._lock:
            number = len(self.requests)
        answer: dict[str, Any] = {
            "id": f"chatcmpl-fake-{number}",
            "object": "chat.completion",
            "created": 1_756_684_800,
            "model": step.model or body.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": step.content},
                    "finish_reason": step.finish_reason,
                }
            ],
        }
        if step.report_usage:
            answer["usage"] = {
                "prompt_tokens": step.prompt_tokens,
                "completion_tokens": step.completion_tokens,
                "total_tokens": step.prompt_tokens + step.completion_tokens,
            }
        return answer


@contextmanager
def fake_llm_server(responder: Responder | None = None, *, model: str = DEFAULT_MODEL) -> Iterator[FakeLlm]:
    """Serve a `FakeLlm` on 127.0.0.1:<free port>; `fake.base_url` ends in `/v1` like OpenAI's."""
    fake = FakeLlm(responder, model=model)
    sock = bind_socket("127.0.0.1", 0)
    config = uvicorn.Config(
        fake.app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: server.run(sockets=[sock]), name="fake-llm", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the fake LLM server did not start")
        time.sleep(0.01)
    fake.base_url = base_url_of(sock) + "/v1"
    try:
        yield fake
    finally:
        fake.release_slow_answers()
        server.should_exit = True
        thread.join(10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(10)
        sock.close()
