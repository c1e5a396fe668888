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


# What seed-demo leaves and every browser test starts from: every agent offline, no offer
# pending, no contact open. Tests share one live stack, so what one test leaves (an agent left
# available, a contact in hand, an offer ringing) is put back through the same write paths a
# user would go through, before the next test.
RESET = """
from roadie.desk.agents.models import Agent, Presence
from roadie.desk.contacts import actions as contact_actions
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.routing.actions import set_presence
for agent in Agent.objects.exclude(presence=Presence.OFFLINE):
    set_presence(agent, Presence.OFFLINE)
for contact in Contact.objects.filter(status__in=[Status.QUEUED, Status.OFFERED]):
    contact_actions.abandon(contact, reason="browser test reset")
# A contact a supervisor took over (in progress, no agent): the supervisor resolves it.
from roadie.desk.accounts.models import User
for contact in Contact.objects.filter(status=Status.ACTIVE, agent__isnull=True):
    code = contact.brand.wrap_up_codes.values_list("code", flat=True).first() or ""
    contact_actions.resolve(User.objects.get(username="supervisor"), contact, wrap_up_code=code)
print(sorted(Contact.objects.exclude(status__in=[Status.RESOLVED, Status.ABANDONED]).values_list("pk", "status")))
"""


@pytest.fixture(autouse=True)
def fresh_live_state(request):
    """Each test that uses the live stack starts from the seeded state (see RESET)."""
    if "live_roadie" in request.fixturenames:
        left = request.getfixturevalue("live_roadie").python(RESET).strip()
        assert left == "[]", f"contacts still open after the reset: {left}"


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


# The demo's Ondes Mobile phone line has opening hours (weekdays 08:00-20:00, Saturday 09:00-18:00):
# outside them a call goes to the backup pool. Call tests open it around the clock while they run,
# then put the demo's hours back, so they do not depend on the time the suite runs.
OPEN_VOICE_LINE = """
from roadie.desk.brands.models import Channel
import json
line = Channel.objects.get(brand__slug="ondes", kind="voice")
if {restore!r}:
    line.config, line.sunday_open = json.loads({restore!r})
else:
    print(json.dumps([line.config, line.sunday_open]))
    line.config = dict(line.config, hours={{d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
    line.sunday_open = True
line.save(update_fields=["config", "sunday_open"])
"""


@pytest.fixture
def voice_line_open(live_roadie):
    saved = live_roadie.python(OPEN_VOICE_LINE.format(restore="")).strip()
    yield
    live_roadie.python(OPEN_VOICE_LINE.format(restore=saved))
