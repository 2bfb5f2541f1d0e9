"""What can go wrong with an LLM decision, by remedy.

```
ModelError (alphaloop.model.errors)        hold, log
├── LlmError                               this cycle's LLM answer is unusable: fall back or hold
│   ├── LlmTimeoutError                    no answer within the timeout       (retryable)
│   ├── LlmRateLimitedError                HTTP 429, carries retry_after      (retryable)
│   ├── LlmUnavailableError                5xx, 408/409, connection failed    (retryable)
│   ├── LlmRequestRejectedError            other 4xx: key, model name, parameters
│   ├── EmptyReplyError                    the answer had no content
│   └── MalformedReplyError                the content holds no usable decision JSON
└── CassetteMissError                      replay found no recording: the run must stop
```

`LlmError` is caught by the agent and becomes an explicit HOLD (or the fallback's answer);
`CassetteMissError` is not, because a replayed backtest that silently held would no longer be
the run it claims to reproduce.
"""

from __future__ import annotations

from alphaloop.model.errors import ModelError


class LlmError(ModelError):
    """The LLM gave no usable answer this cycle."""

    #: Whether asking again (after a pause) may succeed.
    retryable: bool = False

    def __init__(self, message: str, *, retry_after: float | None = None, http_status: int | None = None):
        super().__init__(message, http_status=http_status)
        self.retry_after = retry_after


class LlmTimeoutError(LlmError):
    retryable = True


class LlmRateLimitedError(LlmError):
    retryable = True


class LlmUnavailableError(LlmError):
    retryable = True


class LlmRequestRejectedError(LlmError):
    """The endpoint refused the request itself (bad key, unknown model, bad parameter)."""


class EmptyReplyError(LlmError):
    """The answer arrived but its content is empty or blank."""


class MalformedReplyError(LlmError):
    """The content could not be read as a decision."""


class CassetteMissError(ModelError):
    """Replay mode has no recorded answer for this exact request."""


#: Error classes a cassette may hold, by name (a recorded failure is replayed as the same type).
RECORDABLE_ERRORS: dict[str, type[LlmError]] = {
    cls.__name__: cls
    for cls in (
        LlmError,
        LlmTimeoutError,
        LlmRateLimitedError,
        LlmUnavailableError,
        LlmRequestRejectedError,
        EmptyReplyError,
        MalformedReplyError,
    )
}
