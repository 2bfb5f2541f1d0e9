"""WEEX contract API v3 (`/capi/v3/...`) as hooks on the shared transport: the path table and codes
(`constants.py`), the error table (`errors.py`), the pipeline hooks (`transport.py`), the raw
endpoints (`api.py`) and `WeexV3Client` (`client.py`), which answers `WeexVenue` from v3 endpoints."""

from alphaloop.venues.weex.v3.api import WeexV3Api
from alphaloop.venues.weex.v3.client import WeexV3Client
from alphaloop.venues.weex.v3.transport import WeexV3Transport

__all__ = ["WeexV3Api", "WeexV3Client", "WeexV3Transport"]
