"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser),
against one real werkzeug server per test session, with an axe-core check on every page.

Use the `page` fixture, navigate, and call `a11y(page)` after every page load: a test that
loads a page without checking it fails at teardown.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_SECRET, migrate_to_head

CHROMIUM = os.environ.get("REENTRY_CHROMIUM", "/usr/bin/chromium")
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
E2E_PASSWORD = "e2e demo password for synthetic accounts"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    url = f"sqlite:///{path}"
    migrate_to_head(url)
    return url


@pytest.fixture(scope="session")
def live_app(e2e_database, tmp_path_factory):
    """The app as a person meets it: CSRF on, demo data loaded, a real HTTP server."""
    from reentry import create_app
    from reentry.demo import load_demo
    from reentry.extensions import db

    app = create_app({
        "REENTRY_ENV": "development",
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": e2e_database,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REENTRY_DEMO_PASSWORD": E2E_PASSWORD,
    })
    with app.app_context():
        load_demo(E2E_PASSWORD, str(tmp_path_factory.mktemp("instance")))
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def base_url(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


class A11yTracker:
    """Remembers every page the browser loaded and which of them axe has checked."""

    def __init__(self):
        self.loaded: list[str] = []
        self.checked: set[str] = set()

    def on_load(self, page) -> None:
        self.loaded.append(page.url)

    def check(self, page, context: str = "") -> None:
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_SOURCE)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        self.checked.add(page.url)
        if serious:
            summary = [
                {"id": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [n["target"] for n in v["nodes"][:5]]}
                for v in serious
            ]
            pytest.fail(f"axe found serious accessibility problems on {page.url} {context}:\n"
                        + json.dumps(summary, indent=2))


@pytest.fixture
def a11y_tracker():
    return A11yTracker()


@pytest.fixture
def a11y(a11y_tracker):
    """Call a11y(page) after each page load to run axe-core on it."""
    return a11y_tracker.check


@pytest.fixture
def context(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context, a11y_tracker):
    page = context.new_page()
    page.on("load", lambda: a11y_tracker.on_load(page))
    yield page
    unchecked = [url for url in a11y_tracker.loaded if url not in a11y_tracker.checked]
    assert not unchecked, f"pages loaded without an axe check: {unchecked}"


def fresh_totp_code(live_app, email: str) -> str:
    """A code for the account's authenticator that has not been used yet (each works once), as a
    person would wait for the next one."""
    import time

    import pyotp
    from sqlalchemy import select

    from reentry.auth.models import User
    from reentry.extensions import db

    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        secret, last = user.totp_secret, user.totp_last_counter
    totp = pyotp.TOTP(secret)
    while last is not None and totp.timecode(time.time()) <= last:
        time.sleep(1)
    return totp.now()


@pytest.fixture
def sign_in(a11y, live_app):
    """Sign in through the login page as one of the demo accounts (with the two-step code for
    accounts that have one, such as admin@demo.test)."""

    def do_sign_in(page, email: str, password: str = E2E_PASSWORD):
        page.goto("/login")
        a11y(page)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        a11y(page)
        if page.url.endswith("/login/verify"):
            page.get_by_label("Code").fill(fresh_totp_code(live_app, email))
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state("load")
            a11y(page)

    return do_sign_in
