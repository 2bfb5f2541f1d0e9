"""Venue error tables: a dialect's codes, message substrings and HTTP statuses mapped onto alphaloop's
error hierarchy (model/errors.py), with one resolution order for every dialect.

Resolution order, most specific first:

1. the business ``code`` of the error envelope (`ErrorTable.exact_codes`);
2. a substring of the lower-cased message: `auth_substrings` refine a credential code (one code can
   cover a revoked key, a timestamp outside the window and a missing right, whose remedies differ);
   `substrings` refine a broad rejection and catch undocumented codes;
3. the HTTP status (`http_statuses`; any other 5xx is `ExchangeUnavailableError`, the rest a
   rejection).

Clients branch on the code, never on the wording (it varies by locale); substrings only refine.
The venue's code, message and HTTP status stay on the raised exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from alphaloop.model.errors import (
    AlphaloopError,
    AuthenticationError,
    ConfigurationError,
    ExchangeRejectedError,
    ExchangeUnavailableError,
    InvalidOrderError,
    PermissionDeniedError,
    RateLimitedError,
)

__all__ = ["COMMON_HTTP_STATUSES", "ErrorClass", "ErrorTable"]

ErrorClass = type[AlphaloopError]

#: What an HTTP status means when no business code decides, for every dialect; a dialect adds its own.
COMMON_HTTP_STATUSES: Mapping[int, ErrorClass] = {
    400: ExchangeRejectedError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: ConfigurationError,  # wrong path: the endpoint table or base URL is wrong
    429: RateLimitedError,
}

#: Classes a message substring may replace (the code was too broad or unknown).
_REFINABLE: frozenset[ErrorClass] = frozenset({InvalidOrderError, ExchangeRejectedError})
#: Credential codes, refined by `auth_substrings` when the dialect has some.
_AUTH_FAMILY: frozenset[ErrorClass] = frozenset({AuthenticationError, ConfigurationError})


@dataclass(frozen=True, slots=True)
class ErrorTable:
    """One dialect's error table; `make_error` builds the exception a venue answer means."""

    venue: str
    exact_codes: Mapping[str, ErrorClass]
    #: (substring of the lower-cased message, class); first match wins
    substrings: tuple[tuple[str, ErrorClass], ...]
    http_statuses: Mapping[int, ErrorClass]
    auth_substrings: tuple[tuple[str, ErrorClass], ...] = ()
    #: whether an answer without any code (a gateway page, say) is refined by its wording
    refine_without_code: bool = True

    def error_class(self, code: str | None, message: str, http_status: int | None) -> ErrorClass:
        """The alphaloop exception class for one venue error (see the module docstring)."""
        found: ErrorClass | None = self.exact_codes.get(code) if code else None
        table: tuple[tuple[str, ErrorClass], ...] = ()
        if self.auth_substrings and found in _AUTH_FAMILY:
            table = self.auth_substrings
        elif (found is None or found in _REFINABLE) and (code is not None or self.refine_without_code):
            table = self.substrings
        lowered = message.lower()
        for needle, cls in table:
            if needle in lowered:
                return cls
        if found is not None:
            return found
        if http_status is not None:
            if http_status in self.http_statuses:
                return self.http_statuses[http_status]
            if http_status >= 500:
                return ExchangeUnavailableError
        return ExchangeRejectedError

    def make_error(
        self,
        code: str | None,
        message: str,
        *,
        http_status: int | None = None,
        context: str = "",
        retry_after: float | None = None,
    ) -> AlphaloopError:
        """Build (not raise) the mapped exception; `context` (e.g. `POST /v3/trade/order`) prefixes
        the venue's message so the log says which call failed."""
        cls = self.error_class(code, message, http_status)
        text = f"{context}: {message}" if context else message
        venue = self.venue
        if issubclass(cls, RateLimitedError):
            return cls(text, retry_after=retry_after, venue=venue, code=code, http_status=http_status)
        return cls(text, venue=venue, code=code, http_status=http_status)
