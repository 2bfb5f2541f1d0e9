"""The dashboard: server-rendered pages over the ops console facade, SSE live updates, actions.

`create_app(journal_url, token)` builds the ASGI app; `alphaloop dashboard` serves it with
uvicorn, and `paper|live|run --dashboard` serve it from the trading process (web/server.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from alphaloop.journal import Journal
from alphaloop.model import AlphaloopError
from alphaloop.ops import console
from alphaloop.ops.control import open_existing_journal
from alphaloop.web.charts import equity_figure_html
from alphaloop.web.security import COOKIE, csrf_matches, csrf_value, token_matches

TEMPLATES = Path(str(files("alphaloop.web") / "templates"))
PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def iso(ms: Any) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(int(ms) / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def money(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{float(value):,.{digits}f}"


def pct(value: Any) -> str:
    return "-" if value is None else f"{float(value) * 100:.2f}%"


def pretty(value: Any) -> str:
    return json.dumps(value, indent=1, default=str, sort_keys=True)


_HARDENING = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


class _TokenGate(BaseHTTPMiddleware):
    """Every path needs the token: header, cookie, or (once, from a browser) ?token=."""

    def __init__(self, app: Any, token: str) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._gate(request, call_next)
        # a page on another port of this host is same-site, so the cookie goes along into its
        # frames: refuse framing (clickjacking the action buttons), no Referer to other sites (not
        # no-referrer: Chromium then sends "Origin: null" with the forms), cache nothing
        response.headers.update(_HARDENING)
        if request.url.path != "/static/plotly.min.js":
            response.headers["Cache-Control"] = "no-store"
        return response

    async def _gate(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        header = request.headers.get("authorization", "")
        bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
        if token_matches(bearer, self.token) or token_matches(request.cookies.get(COOKIE), self.token):
            return await call_next(request)
        given = request.query_params.get("token")
        if request.method == "GET" and token_matches(given, self.token):
            # swap the token in the URL for a cookie, so it does not linger in history or logs
            target = request.url.remove_query_params("token")
            response = RedirectResponse(str(target.path) + (f"?{target.query}" if target.query else ""), 303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
            return response
        return PlainTextResponse(
            "401 Unauthorized: the dashboard token is required (open the URL printed at start, "
            "or send Authorization: Bearer TOKEN)",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )


def create_app(
    journal_url: str,
    token: str,
    *,
    clock: Callable[[], int] = lambda: int(time.time() * 1000),
    stream_seconds: float = 1.0,
    stopping: Callable[[], bool] = lambda: False,
) -> FastAPI:
    """The dashboard over the journal at `journal_url` (it must exist). `stopping()` turns true
    when the server shuts down: the live streams then end by themselves."""
    journal: Journal = open_existing_journal(journal_url, migrate=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            journal.close()

    app = FastAPI(
        title="alphaloop dashboard", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.add_middleware(_TokenGate, token=token)
    app.state.journal = journal
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters.update(iso=iso, money=money, pct=pct, pretty=pretty)
    csrf = csrf_value(token)

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        context.update(csrf=csrf, now_ms=clock(), page=name, journal_url=journal.url)
        response = templates.TemplateResponse(request, f"{name}.html", context)
        if context.get("flash"):
            response.delete_cookie("alphaloop_flash", path="/")  # shown once
        return response

    def who(request: Request) -> str:
        client = request.client.host if request.client else "unknown"
        return f"dashboard@{client}"

    def check_post(request: Request, given: str) -> Response | None:
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
            return PlainTextResponse("403 Forbidden: cross-origin action refused", status_code=403)
        if not csrf_matches(given, token):
            return PlainTextResponse("403 Forbidden: missing or wrong CSRF value", status_code=403)
        return None

    def done(target: str, message: str) -> RedirectResponse:
        response = RedirectResponse(target, status_code=303)
        response.set_cookie("alphaloop_flash", message[:300], samesite="strict", path="/")
        return response

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        status = console.status(journal, now_ms=clock())
        chart = equity_figure_html(console.equity_curve(journal))
        return page(
            request, "overview", status=status, chart=chart, flash=request.cookies.get("alphaloop_flash")
        )

    @app.get("/decisions", response_class=HTMLResponse)
    def decisions_page(request: Request, symbol: str = "", since: str = "", until: str = "") -> HTMLResponse:
        rows = console.decisions(
            journal, symbol=symbol or None, since_ms=_day_ms(since), until_ms=_day_ms(until, end=True)
        )
        return page(request, "decisions", rows=rows, symbol=symbol, since=since, until=until)

    @app.get("/orders", response_class=HTMLResponse)
    def orders_page(request: Request, symbol: str = "") -> HTMLResponse:
        return page(
            request,
            "orders",
            rows=console.orders(journal, symbol=symbol or None),
            symbol=symbol,
            fills=console.fills(journal, limit=100),
        )

    @app.get("/events", response_class=HTMLResponse)
    def events_page(request: Request) -> HTMLResponse:
        return page(
            request,
            "events",
            denials=console.denials(journal),
            events=console.events(journal),
            problems=console.PROBLEM_KINDS,
        )

    @app.get("/runs", response_class=HTMLResponse)
    def runs_page(request: Request) -> HTMLResponse:
        return page(request, "runs", runs=console.runs(journal))

    @app.get("/approvals", response_class=HTMLResponse)
    def approvals_page(request: Request) -> HTMLResponse:
        return page(
            request,
            "approvals",
            rows=console.approvals(journal),
            flash=request.cookies.get("alphaloop_flash"),
        )

    @app.get("/static/plotly.min.js")
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="application/javascript")

    @app.get("/api/status")
    def api_status() -> dict[str, Any]:
        return _live(console.status(journal, now_ms=clock()))

    @app.get("/stream")
    async def stream(request: Request) -> StreamingResponse:
        async def events() -> AsyncIterator[str]:
            # an open tab must not hold a stopping server until uvicorn cancels it (tracebacks)
            while not stopping() and not await request.is_disconnected():
                status = await asyncio.to_thread(console.status, journal, now_ms=clock())
                yield f"data: {json.dumps(_live(status))}\n\n"
                waited = 0.0
                while waited < stream_seconds and not stopping():
                    await asyncio.sleep(min(0.1, stream_seconds))
                    waited += 0.1

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @app.post("/actions/halt")
    def halt(request: Request, csrf_token: str = Form(""), reason: str = Form("")) -> Response:
        refused = check_post(request, csrf_token)
        if refused is not None:
            return refused
        try:
            console.halt(
                journal, reason=reason or "halted from the dashboard", by=who(request), now_ms=clock()
            )
        except AlphaloopError as exc:
            return done("/", f"halt failed: {exc}")
        return done("/", "HALTED: the trader denies every new order from its next cycle")

    @app.post("/actions/resume")
    def resume(request: Request, csrf_token: str = Form(""), reason: str = Form("")) -> Response:
        refused = check_post(request, csrf_token)
        if refused is not None:
            return refused
        try:
            console.resume(
                journal, reason=reason or "resumed from the dashboard", by=who(request), now_ms=clock()
            )
        except AlphaloopError as exc:
            return done("/", f"resume failed: {exc}")
        return done("/", "ACTIVE: trading resumes at the next cycle")

    @app.post("/actions/flatten")
    def flatten(request: Request, csrf_token: str = Form(""), reason: str = Form("")) -> Response:
        refused = check_post(request, csrf_token)
        if refused is not None:
            return refused
        try:
            number = console.flatten(
                journal, reason=reason or "flatten from the dashboard", by=who(request), now_ms=clock()
            )
        except AlphaloopError as exc:
            return done("/", f"flatten failed: {exc}")
        return done("/", f"flatten request {number}: halted; the trader closes everything at its next pass")

    @app.post("/approvals/{client_oid}/approve")
    def approve(request: Request, client_oid: str, csrf_token: str = Form("")) -> Response:
        refused = check_post(request, csrf_token)
        if refused is not None:
            return refused
        try:
            console.approve(journal, client_oid, by=who(request), now_ms=clock())
        except AlphaloopError as exc:
            return done("/approvals", f"not approved: {exc}")
        return done("/approvals", f"{client_oid} approved: re-gated and sent at the trader's next pass")

    @app.post("/approvals/{client_oid}/veto")
    def veto(
        request: Request, client_oid: str, csrf_token: str = Form(""), reason: str = Form("")
    ) -> Response:
        refused = check_post(request, csrf_token)
        if refused is not None:
            return refused
        try:
            console.veto(journal, client_oid, by=who(request), reason=reason or "vetoed", now_ms=clock())
        except AlphaloopError as exc:
            return done("/approvals", f"not vetoed: {exc}")
        return done("/approvals", f"{client_oid} vetoed: never sent")

    return app


def _live(status: console.Status) -> dict[str, Any]:
    """The few figures the pages refresh live (no secret: the run config is not part of it)."""
    return {
        "state": status.state,
        "state_upper": status.state.upper(),
        "state_reason": status.state_reason,
        "equity": money(status.equity),
        "total_pnl": money(status.total_pnl),
        "today_pnl": money(status.today_pnl),
        "positions": len(status.positions),
        "pending_approvals": status.pending_approvals,
        "ai_logs_backlog": status.ai_logs_backlog,
        "last_cycle": iso(status.last_cycle_ms),
        "next_cycle": iso(status.next_cycle_ms),
        "updated": iso(status.now_ms),
    }


def _day_ms(text: str, *, end: bool = False) -> int | None:
    """`YYYY-MM-DD` (UTC) -> ms at the day's start (or end); anything else: no bound."""
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(day.timestamp() * 1000) + (86_399_999 if end else 0)


__all__ = ["create_app"]
