"""One error hierarchy, grouped by what the caller should do about it.

```
AlphaloopError
├── ConfigurationError          stop and fix settings or credentials
│   ├── AuthenticationError     key, signature, passphrase, timestamp format
│   └── PermissionDeniedError   key lacks rights, IP not allow-listed, account frozen
├── ExchangeRejectedError       definitive rejection: never retry the same request
│   ├── InvalidOrderError       parameter, precision or size limit violated
│   ├── SymbolNotAllowedError   not tradable (venue) or outside the competition list (client)
│   ├── LeverageLimitError      above the venue's or the competition's cap
│   ├── InsufficientFundsError  margin check failed
│   └── OrderNotFoundError      unknown order id / client id
├── TransientError              retry later with backoff
│   ├── RateLimitedError        HTTP 429 (carries retry_after when known)
│   ├── TimestampSkewError      request timestamp outside the venue window: resync clock
│   ├── ExchangeUnavailableError  5xx, maintenance
│   ├── NetworkError            connection failed before the request was sent
│   └── MalformedResponseError  the venue answered something we cannot parse
├── UnknownOrderOutcomeError    a money-moving call may or may not have happened: reconcile
└── ModelError                  a decision model failed or produced nonsense: hold, log
```

Risk denials are events, not exceptions. Venue adapters map their codes onto these classes
and keep the venue's own code and message on the exception.
"""

from __future__ import annotations


class AlphaloopError(Exception):
    """Base of every error alphaloop raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        venue: str | None = None,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.venue = venue
        self.code = code
        self.http_status = http_status

    def __str__(self) -> str:
        parts = []
        if self.venue:
            parts.append(self.venue)
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.code:
            parts.append(f"code {self.code}")
        prefix = " ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ConfigurationError(AlphaloopError):
    """Settings or credentials are wrong; retrying cannot help."""


class AuthenticationError(ConfigurationError):
    """The venue refused our credentials or signature."""


class PermissionDeniedError(ConfigurationError):
    """The key is valid but may not do this (rights, IP allow-list, frozen account)."""


class ExchangeRejectedError(AlphaloopError):
    """The venue definitively refused the request; sending it again gives the same answer."""


class InvalidOrderError(ExchangeRejectedError):
    """An order parameter is invalid (precision, size limits, price band, enum)."""


class SymbolNotAllowedError(ExchangeRejectedError):
    """The symbol may not be traded (by the venue or by the competition rules)."""


class LeverageLimitError(ExchangeRejectedError):
    """Leverage above the venue's or the competition's cap."""


class InsufficientFundsError(ExchangeRejectedError):
    """Not enough available margin for the order."""


class OrderNotFoundError(ExchangeRejectedError):
    """No order with that id or client id exists."""


class TransientError(AlphaloopError):
    """A temporary failure; the same request may succeed after a pause."""


class RateLimitedError(TransientError):
    """The venue (or our own limiter) says we are sending too much."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class TimestampSkewError(TransientError):
    """Our request timestamp was outside the venue's window; resync the clock, then retry."""


class ExchangeUnavailableError(TransientError):
    """The venue answered 5xx or is in maintenance."""


class NetworkError(TransientError):
    """The connection failed before a request could have reached the venue."""


class MalformedResponseError(TransientError):
    """The venue's answer did not have the documented shape."""


class UnknownOrderOutcomeError(AlphaloopError):
    """A money-moving request may or may not have been executed; reconcile by client id."""

    def __init__(self, message: str, *, client_order_id: str | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.client_order_id = client_order_id


class ModelError(AlphaloopError):
    """A decision model failed or returned output that does not validate."""
