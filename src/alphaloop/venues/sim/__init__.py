"""The exchange simulator: a pure core (`core/`), market data replay (`feed`), and the WEEX
contract API v2 HTTP server (`server/`, `alphaloop sim serve`).

Import the parts you need; this package imports nothing so that using the core never loads the
web server's dependencies.
"""
