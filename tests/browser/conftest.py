"""Browser tests: Debian's Chromium driven headless by Playwright (never a downloaded browser),
against real ``kendali serve`` processes on the test database.

Screenshots go to ``artifacts/screenshots/``. Every page is watched for script errors and
Content-Security-Policy violations (they show as console errors), which fail the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.platform.settings import PROJECT_ROOT
from tests.conftest import make_app
from tests.conftest import start_server
from tests.conftest import stop_server

CHROMIUM = os.environ.get("KENDALI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",  # as on a kiosk wall: the alert may sound
]
ARTIFACTS = PROJECT_ROOT / "artifacts" / "screenshots"
DOCS = PROJECT_ROOT / "docs"

# Mutable tables the browser tests fill; emptied before each test that needs a clean slate.
COMPLAINT_TABLES = "complaints, complaint_timeline, complaint_counts, complaint_count_deltas"
DISPATCH_TABLES = "responders, incidents, dispatches, notification_deliveries, responder_positions"

pytestmark = pytest.mark.db


@pytest.fixture(scope="session")
def built_assets():
    """Build the page bundles once, before any server starts (as the Docker image does)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENDALI_")}
    env["KENDALI_SECRET_KEY"] = "build-only"
    kendali = str(Path(sys.executable).parent / "kendali")
    res = subprocess.run(
        [kendali, "assets", "build"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return PROJECT_ROOT / "static" / "gen"


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: ./scripts/setup installs Debian's chromium")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    # Playwright gives each launch its own temporary profile (PLATFORM.md's --user-data-dir).
    b = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield b
    b.close()


#: ``KENDALI_INCIDENT_MAX_AGE`` for the pages' tests of the live path: every recorded quake
#: (2021-2026) counts as recent, so it is shown, focused and sounded as a new one would be.
RECENT = "36500d"


@pytest.fixture(scope="session")
def bapp(database_url):
    """An app on the test database for creating data through the service layer (recorded
    quakes count as recent: see :data:`RECENT`)."""
    return make_app(database_url, INCIDENT_MAX_AGE_S=36500 * 86400.0)


@pytest.fixture(scope="module")
def web(database_url, built_assets):
    """A `kendali serve` process (eventlet) shared by a test module."""
    server = start_server(database_url, KENDALI_SCHEDULER="0")
    yield server
    stop_server(server)


@pytest.fixture
def clean(engine):
    """Empty complaints, dispatch and quakes; the event log keeps growing (append-only).

    A server still answering the previous test's last requests can hold a read lock that
    meets the TRUNCATE's locks the other way round (a deadlock, one side cancelled): retry."""
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {COMPLAINT_TABLES}, {DISPATCH_TABLES} CASCADE"))
                conn.execute(sa.text("TRUNCATE quakes CASCADE"))
                conn.execute(sa.text("TRUNCATE feed_state"))
            return
        except sa.exc.OperationalError as exc:
            if "deadlock" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.5)


class Watch:
    """Console errors, page errors and dialogs of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("dialog", self._dialog)

    def _console(self, msg):
        where = (msg.location or {}).get("url", "")
        if msg.type == "error" and "favicon" not in where:  # /login has no icon of its own
            self.errors.append(f"{msg.text} ({where})")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self, allow: tuple[str, ...] = ()):
        bad = [e for e in self.errors if not any(a in e for a in allow)]
        assert not bad, bad
        assert not self.dialogs, self.dialogs


@pytest.fixture
def new_page(browser):
    """Factory: a page in a fresh context (its own cookies, storage, service workers)."""
    contexts = []

    def make(width=1280, height=800, **kwargs):
        context = browser.new_context(viewport={"width": width, "height": height}, **kwargs)
        contexts.append(context)
        page = context.new_page()
        page.watch = Watch(page)
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, base: str, username: str, password: str, then: str) -> None:
    """Sign in through the real /login form (with its CSRF token), then open ``then``."""
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if page.url != base + then:  # the sign-in lands on the role's page already
        page.goto(base + then)


def wall_login(bapp, page, base: str) -> None:
    """Sign a wall screen in with a one-time code, as on site."""
    from server.extensions import db
    from server.services import accounts

    with bapp.app_context():
        session = db.session()
        code, _ = accounts.create_wall_code(session, "test", f"Layar {uuid.uuid4().hex[:8]}")
        session.close()
    page.goto(f"{base}/wall/login?code={code}")
    assert page.url.endswith("/wall"), page.url


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def wait_live(page, timeout=20000) -> None:
    """The page has loaded its state and its live stream is synced."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector("#app[data-ready='1']", state="attached", timeout=timeout)
        page.wait_for_function(
            "() => window.Kendali.live && window.Kendali.live.state === 'live'", timeout=timeout
        )
    except PlaywrightTimeout:
        errors = getattr(page, "watch", None) and page.watch.errors
        pytest.fail(f"{page.url} did not go live; console errors: {errors}")
