"""Venue adapters: the port (`base.Venue`) and the layers under it.

    base.py      the `Venue` port the engine, ops and runners use (unified symbols, domain types)
    weex/ woox/  one folder per dialect: constants, signing, schemas, parse, errors, transport hooks,
                 raw client (`http.py`, `api_*` mixins) and domain client (`venue*.py`)
    common/      what the dialects' domain clients share (`VenueCore`, wire helpers)
    http/        the one HTTP transport, clock, limiters, encoding and error-table machinery
    sim/         the local exchange simulator (to become a top-level package)

Layers point down: a dialect imports `common` and `http`; `common` imports `http`; `http` imports
only `alphaloop.model`. See docs/architecture.md.
"""

from alphaloop.venues.base import Venue

__all__ = ["Venue"]
