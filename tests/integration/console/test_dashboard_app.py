"""The dashboard app in-process (Starlette's TestClient) over a real journal file: every page
renders, the token gate, CSRF, and actions reaching the journal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from alphaloop.web import create_app
from tests.integration.console.test_console_cli import T0, journal_with_a_parked_order
from tests.kit.paper import query

pytestmark = pytest.mark.integration

TOKEN = "in-process-dashboard-token-123"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    db = tmp_path / "j.sqlite"
    journal_with_a_parked_order(db, expires_ms=T0 + 10 * 60_000)
    app = create_app(str(db), TOKEN, clock=lambda: T0 + 1000)
    with TestClient(app, base_url="http://127.0.0.1:8765") as test_client:
        test_client.db = db  # type: ignore[attr-defined]
        yield test_client


def csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/").text)
    assert found is not None
    return found.group(1)


def test_pages_render_with_the_token_cookie_and_not_without(client: TestClient) -> None:
    assert client.get("/").status_code == 401
    login = client.get(f"/approvals?token={TOKEN}", follow_redirects=False)
    assert login.status_code == 303
    assert login.headers["location"] == "/approvals"
    assert "httponly" in login.headers["set-cookie"].lower()
    for path in ("/", "/decisions?symbol=BTC&since=2023-01-01", "/orders", "/events", "/runs", "/approvals"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert TOKEN not in page.text
    assert "alaaaa" in client.get("/approvals").text
    assert client.get("/static/plotly.min.js").headers["content-type"].startswith("application/javascript")


def test_actions_need_csrf_and_a_same_origin(client: TestClient) -> None:
    client.get(f"/?token={TOKEN}")
    value = csrf(client)
    assert client.post("/actions/halt", data={"reason": "x"}).status_code == 403
    foreign = client.post(
        "/actions/halt", data={"reason": "x", "csrf_token": value}, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403
    assert query(client.db, "select count(*) from trading_state") == [(0,)]  # type: ignore[attr-defined]
    done = client.post("/actions/halt", data={"reason": "lunch", "csrf_token": value}, follow_redirects=False)
    assert done.status_code == 303
    assert query(client.db, "select state, reason from trading_state") == [("halted", "lunch")]  # type: ignore[attr-defined]
    approve = client.post("/approvals/alaaaa/approve", data={"csrf_token": value}, follow_redirects=False)
    assert approve.status_code == 303
    veto = client.post(
        "/approvals/albbbb/veto", data={"csrf_token": value, "reason": "no"}, follow_redirects=False
    )
    assert veto.status_code == 303
    rows = query(client.db, "select client_oid, status, decided_by from approvals order by client_oid")  # type: ignore[attr-defined]
    assert rows == [
        ("alaaaa", "approved", "dashboard@testclient"),
        ("albbbb", "vetoed", "dashboard@testclient"),
    ]
    assert "approved" in client.get("/approvals").text
    flatten = client.post("/actions/flatten", data={"csrf_token": value}, follow_redirects=False)
    assert flatten.status_code == 303
    assert query(client.db, "select kind, status from operator_requests") == [("flatten", "pending")]  # type: ignore[attr-defined]


def test_the_status_api_and_stream_need_the_token(client: TestClient) -> None:
    assert client.get("/api/status").status_code == 401
    assert client.get("/stream").status_code == 401
    status = client.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert status["pending_approvals"] == 2


def test_pages_cannot_be_framed_and_send_no_referrer_elsewhere(client: TestClient) -> None:
    """A page on another port of this host is same-site: the SameSite cookie goes along into a
    frame, so without these headers it could overlay and click the flatten/approve buttons."""
    client.get(f"/?token={TOKEN}")
    for path in ("/", "/approvals", "/api/status"):
        response = client.get(path)
        assert response.headers.get("x-frame-options") == "DENY", path
        assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), path
        assert response.headers.get("referrer-policy") == "same-origin", path
        assert "no-store" in response.headers.get("cache-control", ""), path


def test_a_flatten_the_journal_refuses_is_a_message_not_a_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alphaloop.journal.errors import JournalError
    from alphaloop.ops import console

    def locked(*_args: object, **_kwargs: object) -> int:
        raise JournalError("database is locked")

    client.get(f"/?token={TOKEN}")
    value = csrf(client)
    monkeypatch.setattr(console, "flatten", locked)
    answer = client.post("/actions/flatten", data={"csrf_token": value}, follow_redirects=False)
    assert answer.status_code == 303
    assert "flatten failed" in answer.headers["set-cookie"]
