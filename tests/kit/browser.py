"""A real Chromium for the dashboard's browser tests: the Debian `chromium` package driven by
Playwright (which cannot download its own browser here; `.ci/run` installs the package)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

#: screenshots of every page land here (a test artifact; look at them)
SCREENSHOTS = Path(os.environ.get("ALPHALOOP_SCREENSHOTS", "reports/screenshots"))


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        raise AssertionError("no chromium on PATH: `apt-get install chromium` (.ci/run does it)")
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
