"""The simulator's WEEX contract API v3 dialect (`alphaloop sim serve --dialect weex-v3`).

Same simulator core, admin API, faults and limits as the v2 dialect; v3 paths (`/capi/v3/...`),
`BTCUSDT` symbols, `side` + `positionSide` orders, DELETE cancels, algo orders, bare JSON answers
and `{"code": -1xxx, "msg": ...}` errors (../shared/spec/weex-v3-api.md).
"""
