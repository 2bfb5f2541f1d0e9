"""WOO X V3 adapter: raw client (`WooxHttpClient`) and domain client (`WooxVenue`).

Anatomy (DESIGN.md), the same as WEEX's: constants -> signing -> schemas -> parse -> errors ->
transport/http -> venue. Spec: ../shared/spec/woox-v3-api.md.
"""

from alphaloop.venues.woox.constants import (
    DEFAULT_AI_LOG_FILE,
    ENDPOINTS,
    ENDPOINTS_BY_NAME,
    ENDPOINTS_BY_ROUTE,
    PRODUCTION_BASE_URL,
    STAGING_BASE_URL,
    VENUE_NAME,
    Endpoint,
)
from alphaloop.venues.woox.errors import error_class, make_error
from alphaloop.venues.woox.http import WooxHttpClient
from alphaloop.venues.woox.parse import wire_client_id
from alphaloop.venues.woox.signing import sign, string_to_sign, verify
from alphaloop.venues.woox.transport import WooxAuth, WooxRateLimiter
from alphaloop.venues.woox.venue import WooxVenue
from alphaloop.venues.woox.venue_core import new_client_order_id

__all__ = [
    "DEFAULT_AI_LOG_FILE",
    "ENDPOINTS",
    "ENDPOINTS_BY_NAME",
    "ENDPOINTS_BY_ROUTE",
    "PRODUCTION_BASE_URL",
    "STAGING_BASE_URL",
    "VENUE_NAME",
    "Endpoint",
    "WooxAuth",
    "WooxHttpClient",
    "WooxRateLimiter",
    "WooxVenue",
    "error_class",
    "make_error",
    "new_client_order_id",
    "sign",
    "string_to_sign",
    "verify",
    "wire_client_id",
]
