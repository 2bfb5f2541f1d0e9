"""WEEX contract API v2 adapter: raw client (`WeexHttpClient`) and domain client (`WeexVenue`).

Anatomy (DESIGN.md): constants -> signing -> schemas -> parse -> errors -> transport/http -> venue.
"""

from alphaloop.venues.http.clock import SYSTEM_CLOCK, Clock, ServerClock, SystemClock
from alphaloop.venues.weex.constants import (
    DEFAULT_AI_LOG_PATH,
    ENDPOINTS,
    ENDPOINTS_BY_NAME,
    PRODUCTION_BASE_URL,
    VENUE_NAME,
    Endpoint,
)
from alphaloop.venues.weex.errors import error_class, make_error
from alphaloop.venues.weex.http import WeexHttpClient
from alphaloop.venues.weex.parse import PositionCloseResult
from alphaloop.venues.weex.signing import sign, string_to_sign
from alphaloop.venues.weex.transport import WeexAuth, default_quotas
from alphaloop.venues.weex.venue import WeexVenue
from alphaloop.venues.weex.venue_core import WeexVenueCore, new_client_oid

__all__ = [
    "DEFAULT_AI_LOG_PATH",
    "ENDPOINTS",
    "ENDPOINTS_BY_NAME",
    "PRODUCTION_BASE_URL",
    "SYSTEM_CLOCK",
    "VENUE_NAME",
    "Clock",
    "Endpoint",
    "PositionCloseResult",
    "ServerClock",
    "SystemClock",
    "WeexAuth",
    "WeexHttpClient",
    "WeexVenue",
    "WeexVenueCore",
    "default_quotas",
    "error_class",
    "make_error",
    "new_client_oid",
    "sign",
    "string_to_sign",
]
