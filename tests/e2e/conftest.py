"""Browser fixtures: the app served on a free port, Debian's Chromium, a phone per test.

One Chromium runs for the whole session (starting it takes a second); each test gets
its own app, database, server thread and browser context, so no cookie or row leaks
from one test into the next. `PhonePage.check()` is what every visited page goes
through: a screenshot, axe-core, no sideways scrolling, no browser errors.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD, TOTP_SECRET

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = "Debian's chromium is not installed (apt-get install chromium)"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).parent / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")
TIMEOUT_MS = 10_000

server_log = logging.getLogger(__name__)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


# -- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session; CI must have it, a laptop may skip."""
    if not CHROMIUM.exists():
        if running_in_ci():
            pytest.fail(
                f"{MISSING_CHROMIUM}. CI must install it: the browser tests may not be skipped.",
                pytrace=False,
            )
        pytest.skip(MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright  # only once we know a browser exists

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


# -- the app on a port ------------------------------------------------------------------


class QuietRequestHandler(WSGIRequestHandler):
    """Keep access lines out of the test output; log the rest where pytest shows it."""

    def log_request(self, *args) -> None:
        pass

    def log(self, kind: str, message: str, *args) -> None:
        server_log.log(logging.ERROR if kind == "error" else logging.INFO, message, *args)


def buffered(wsgi_app):
    """Read each response whole before werkzeug sends it.

    When the browser drops a connection mid-response (it moves to the next page before
    an icon has arrived), werkzeug's development server never closes the response, so a
    static file stays open until garbage collection warns about it, at a random later
    test. With the body read and closed first, nothing is left open to leak.
    """

    def app(environ, start_response):
        response = wsgi_app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return app


@pytest.fixture
def live_server(app, world) -> Iterator[str]:
    """The test's app, with its world, served in a thread; yields its base URL."""
    yield from serve(app)


def serve(app) -> Iterator[str]:
    """Serve `app` in a thread until the generator is closed; yields its base URL. A test
    file whose app holds another world (the demo) overrides `live_server` with it.
    """
    server = make_server(
        "127.0.0.1", 0, buffered(app), threaded=True, request_handler=QuietRequestHandler
    )
    # A short poll interval: shutdown() waits for the loop to notice, 0.5 s by default.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.02},
        name="leerspoor-e2e",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


# -- a phone ----------------------------------------------------------------------------


class PhonePage:
    """A Playwright page on a phone, with the checks every visited page must pass."""

    def __init__(self, page, axe: Axe, base_url: str) -> None:
        self.page = page
        self.axe = axe
        self.base_url = base_url
        self.role = "anonymous"
        self.screenshot_prefix = ""
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message) -> None:
        # Chromium reports CSP violations and failed resources as console errors; a
        # 403 or 404 page reports its own status too, which `goto` already checks.
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and (
            message.location.get("url") == self.page.url
        ):
            return
        self.errors.append(f"console error on {self.page.url}: {message.text}")

    def goto(self, path: str, *, status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
        return response

    def log_in(self, role: str, email_address: str, password: str = PASSWORD) -> None:
        """Log in through the real form, as a person would, and land on the home page."""
        self.role = role
        self.goto("/login")
        self.page.get_by_label("E-mailadres", exact=True).fill(email_address)
        self.page.get_by_label("Wachtwoord", exact=True).fill(password)
        self.page.get_by_role("button", name="Inloggen").click()
        self.page.wait_for_url(re.compile(re.escape(self.base_url) + r"/(login/code.*)?$"))
        if self.page.url.startswith(self.base_url + "/login/code"):
            # the world's coordinators and admin use an authenticator app; the page's own
            # requests (its icon) finish first, or leaving it cuts them off mid-file
            self.page.wait_for_load_state("networkidle")
            self.page.get_by_label("Code", exact=True).fill(pyotp.TOTP(TOTP_SECRET).now())
            self.page.get_by_role("button", name=re.compile("^(Doorgaan|Continue)$")).click()
        self.page.wait_for_url(self.base_url + "/")

    def check(self, name: str) -> None:
        """Screenshot the page, then fail on serious barriers, sideways scroll or errors."""
        page = self.page
        page.wait_for_load_state("load")
        page.screenshot(
            path=SCREENSHOTS / f"{self.screenshot_prefix}{self.role}-{name}.png", full_page=True
        )
        violations = [
            violation
            for violation in self.axe.run(page).response["violations"]
            if violation["impact"] in BLOCKING_IMPACTS
        ]
        assert not violations, f"{self.role}-{name}: accessibility violations\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(", ".join(node["target"]) for node in v["nodes"])
            for v in violations
        )
        overflow = page.evaluate(
            "Array.from(document.querySelectorAll('body *'))"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".slice(0, 5).map(e => e.outerHTML.slice(0, 120))"
        )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{self.role}-{name}: the page scrolls sideways on a phone; too wide: {overflow}"
        )
        assert not self.errors, f"{self.role}-{name}: " + "\n".join(self.errors)

    def nav_link(self, name: str):
        return self.page.get_by_role(
            "navigation", name=re.compile("^(Hoofdmenu|Main)$")
        ).get_by_role("link", name=name, exact=True)


@pytest.fixture
def phone(chromium, axe, live_server) -> Iterator[PhonePage]:
    """A fresh phone-size browser context (Flemish Dutch) on the test's own server."""
    SCREENSHOTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport=PHONE, locale="nl-BE")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield PhonePage(context.new_page(), axe, live_server)
    finally:
        context.close()


@pytest.fixture
def laptop(chromium, axe, live_server) -> Iterator[PhonePage]:
    """A laptop-size browser context, for the coach's and coordinator's desk work;
    its screenshots are named `laptop-<role>-<name>.png`.
    """
    SCREENSHOTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport=LAPTOP, locale="nl-BE")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = PhonePage(context.new_page(), axe, live_server)
        page.screenshot_prefix = "laptop-"
        yield page
    finally:
        context.close()
