"""WEEX contract API v3 (`/capi/v3/...`): the facts table shared by the client and the simulator."""
