"""What every browser test shares: Debian's Chromium driven by Playwright, a page that
records console errors, and the switch that lets the ORM run beside Playwright.

Run with ``pytest -m browser``; skipped when Chromium is not installed, unless
GUANXI_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("GUANXI_SCREENSHOTS", "/tmp"))

HAVE_CHROMIUM = Path(CHROMIUM).exists() and bool(shutil.which(CHROMIUM))
if not HAVE_CHROMIUM and os.environ.get("GUANXI_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"GUANXI_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM
    calls. Allow them for each browser module only: set at import time, the variable would
    leak into every later test (and fail the deployment check's subprocess)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


class Page:
    """A browser page that records console errors (CSP violations show up there)."""

    def __init__(self, browser, base_url, **context_options):
        context_options.setdefault("locale", "en-US")
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.base_url = base_url
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def login(self, username: str):
        from tests.conftest import PASSWORD

        page = self.go("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.base_url + "/")
        return page

    def assert_no_csp_errors(self):
        """No CSP violations and no script errors. (A refused request, such as the board's
        422 asking for a lost reason, is logged by the browser as a failed load: allowed.)"""
        csp = [e for e in self.errors if "Content Security Policy" in e or "Refused to" in e]
        assert not csp, csp
        others = [e for e in self.errors if not e.startswith("Failed to load resource")]
        assert not others, others


@pytest.fixture
def ui(browser, live_server):
    """``ui(**context_options)``: a new signed-out page on the live server, closed after."""
    pages = []

    def open_page(**options):
        p = Page(browser, live_server.url, **options)
        pages.append(p)
        return p

    yield open_page
    for p in pages:
        p.context.close()
