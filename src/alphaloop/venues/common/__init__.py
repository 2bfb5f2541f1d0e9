"""What every venue dialect's domain side shares, above the HTTP layer (`venues/http`): the
`VenueCore` guards, precision and lost-answer resolution (`core.py`) and the pure wire helpers of
the parsers (`wire.py`). Imports `alphaloop.model` and `venues/http`, never a dialect."""

from alphaloop.venues.common.core import CoreOptions, VenueCore
from alphaloop.venues.common.wire import positive, raw, symbol_parts

__all__ = ["CoreOptions", "VenueCore", "positive", "raw", "symbol_parts"]
