"""The operator dashboard (FastAPI, server-rendered pages, SSE): a thin adapter over `ops.console`."""

from alphaloop.web.app import create_app
from alphaloop.web.security import TOKEN_ENV, is_loopback, resolve_token
from alphaloop.web.server import DashboardThread, listen, serve

__all__ = ["TOKEN_ENV", "DashboardThread", "create_app", "is_loopback", "listen", "resolve_token", "serve"]
