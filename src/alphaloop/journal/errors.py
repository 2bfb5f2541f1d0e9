"""Errors of the journal, inside the project's one hierarchy (`alphaloop.model.errors`).

```
AlphaloopError
└── JournalError                  the journal refused a write or cannot be read: stop and look
    └── DuplicateClientOidError   an order with this client_oid is already stored (nothing written)
```

A journal URL that cannot work (unknown driver) is a `ConfigurationError`, like any other setting.
"""

from __future__ import annotations

from alphaloop.model.errors import AlphaloopError


class JournalError(AlphaloopError):
    """The journal could not store or read something; the message says what and why."""


class DuplicateClientOidError(JournalError):
    """`store_order_with_ai_log` was given a client_oid the journal already holds.

    One order per client_oid, ever: the venue would refuse the second one, and a replayed decision
    must not send twice. Nothing was written.
    """

    def __init__(self, client_oid: str) -> None:
        super().__init__(f"an order with client_oid {client_oid!r} is already stored; nothing written")
        self.client_oid = client_oid
