"""Calling an OpenAI-compatible chat endpoint: one request in, one reply (or a typed error) out.

`ChatTransport` is the seam: the agent talks to it, the real one (`OpenAIChatTransport`) uses the
official `openai` SDK with a `base_url`, the cassette layer wraps it, unit tests script it.
Retries are ours, not the SDK's (its own are switched off), so they are bounded by the config,
honour Retry-After, and use an injected `sleep` that tests replace.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import openai
from openai.types.chat import ChatCompletion
from pydantic import SecretStr

from alphaloop.decision.llm.errors import (
    LlmError,
    LlmRateLimitedError,
    LlmRequestRejectedError,
    LlmTimeoutError,
    LlmUnavailableError,
)

logger = logging.getLogger("alphaloop.decision.llm")


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, no NaN (what cassette keys hash)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True, slots=True)
class TokenUsage:
    prompt_tokens: int
    completion_tokens: int
    #: True when the provider reported no usage and the counts are estimated from text length.
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_json(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "estimated": self.estimated,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> TokenUsage:
        return TokenUsage(
            int(data["prompt_tokens"]), int(data["completion_tokens"]), bool(data.get("estimated", False))
        )

    @staticmethod
    def estimate(prompt_chars: int, completion_chars: int) -> TokenUsage:
        """About four characters a token: enough to keep a budget honest when usage is missing."""
        return TokenUsage(-(-prompt_chars // 4), -(-completion_chars // 4), estimated=True)


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What is sent: the model, the messages verbatim and the other request parameters."""

    model: str
    messages: tuple[Mapping[str, str], ...]
    params: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [dict(m) for m in self.messages],
            "params": dict(self.params),
        }

    def key(self) -> str:
        """sha256 of the canonical JSON of (model, messages, parameters): the cassette name."""
        return hashlib.sha256(canonical_json(self.to_json()).encode("utf-8")).hexdigest()

    @property
    def prompt_chars(self) -> int:
        return sum(len(m.get("content", "")) for m in self.messages)


@dataclass(frozen=True, slots=True)
class ChatReply:
    content: str
    #: The exact model the provider says answered (e.g. "gpt-4o-mini-2024-07-18"), when it says.
    model: str | None = None
    usage: TokenUsage | None = None
    finish_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "model": self.model,
            "usage": None if self.usage is None else self.usage.to_json(),
            "finish_reason": self.finish_reason,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ChatReply:
        usage = data.get("usage")
        return ChatReply(
            content=str(data.get("content") or ""),
            model=data.get("model"),
            usage=None if usage is None else TokenUsage.from_json(usage),
            finish_reason=data.get("finish_reason"),
        )


class ChatTransport(Protocol):
    def complete(self, request: ChatRequest) -> ChatReply:
        """The reply, or a typed `LlmError` (after any retries); never a bare SDK exception."""
        ...

    def close(self) -> None: ...


class OpenAIChatTransport:
    """Any OpenAI-compatible endpoint through the official SDK, with bounded retries."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr,
        timeout_seconds: float,
        max_retries: int,
        retry_backoff_seconds: float = 1.0,
        max_retry_wait_seconds: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key.get_secret_value(),
            timeout=timeout_seconds,
            max_retries=0,
        )
        self._base_url = base_url
        self._max_retries = max_retries
        self._backoff = retry_backoff_seconds
        self._max_wait = max_retry_wait_seconds
        self._sleep = sleep

    def complete(self, request: ChatRequest) -> ChatReply:
        retries = 0
        while True:
            try:
                return self._complete_once(request)
            except LlmError as exc:
                if not exc.retryable or retries >= self._max_retries:
                    raise
                wait = exc.retry_after if exc.retry_after is not None else self._backoff * 2**retries
                wait = max(0.0, min(wait, self._max_wait))
                retries += 1
                logger.warning(
                    "LLM call to %s failed (%s); retry %d of %d in %.2fs",
                    self._base_url,
                    exc,
                    retries,
                    self._max_retries,
                    wait,
                )
                self._sleep(wait)

    def close(self) -> None:
        self._client.close()

    def _complete_once(self, request: ChatRequest) -> ChatReply:
        try:
            completion = self._client.chat.completions.create(
                model=request.model,
                messages=[dict(m) for m in request.messages],  # type: ignore[misc]
                **request.params,
            )
        except openai.APITimeoutError as exc:
            raise LlmTimeoutError(f"no answer from {self._base_url} within the timeout") from exc
        except openai.APIConnectionError as exc:
            raise LlmUnavailableError(f"cannot reach {self._base_url}: {exc.message}") from exc
        except openai.APIStatusError as exc:
            raise _status_error(exc) from exc
        except openai.OpenAIError as exc:
            raise LlmUnavailableError(f"unreadable answer from {self._base_url}: {exc}") from exc
        # A proxy's HTML page or a non-chat JSON body passes the SDK as a str or an empty shell.
        if not isinstance(completion, ChatCompletion) or not completion.choices:
            raise LlmUnavailableError(
                f"the answer from {self._base_url} is not a chat completion: {str(completion)[:120]!r}"
            )
        choice = completion.choices[0]
        return ChatReply(
            content=choice.message.content or "",
            model=completion.model or None,
            usage=_usage(completion.usage),
            finish_reason=choice.finish_reason,
        )


def _usage(usage: Any) -> TokenUsage | None:
    if usage is None:
        return None
    return TokenUsage(int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0))


def _status_error(exc: openai.APIStatusError) -> LlmError:
    status = exc.status_code
    message = _error_message(exc)  # str(error) adds "HTTP <status>"
    if status == 429:
        return LlmRateLimitedError(
            message, retry_after=_retry_after(exc.response.headers), http_status=status
        )
    if status >= 500 or status in (408, 409):
        return LlmUnavailableError(
            message, retry_after=_retry_after(exc.response.headers), http_status=status
        )
    return LlmRequestRejectedError(message, http_status=status)


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and inner.get("message"):
            return str(inner["message"])[:300]
    return str(exc.message)[:300]


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (numbers only; an HTTP date gets the backoff)."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None
