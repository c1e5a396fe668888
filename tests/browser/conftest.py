"""Browser tests: a real roadie (tests/livestack.py) and headless Chromium (Debian's,
driven by Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from livestack import running_roadie

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def live_roadie(tmp_path_factory):
    with running_roadie(tmp_path_factory.mktemp("live-roadie")) as live:
        yield live


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run scripts/system-deps (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def login_as(browser, live_roadie):
    """Log a demo user in, in a fresh browser context: login_as("camille") -> page."""
    contexts = []

    def login(username: str, password: str = "roadie", *, locale: str = "en-US"):
        context = browser.new_context(locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_roadie.url}/login/")
        english = locale.startswith("en")
        page.get_by_label("Username" if english else "Identifiant").fill(username)
        page.get_by_label("Password" if english else "Mot de passe").fill(password)
        page.get_by_role("button", name="Log in" if english else "Se connecter").click()
        page.wait_for_load_state()
        return page

    yield login
    for context in contexts:
        context.close()
