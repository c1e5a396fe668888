"""The first day of a real operator, from an empty database (SQLite, or PostgreSQL when the
suite runs on it): ``roadie createsuperuser --noinput`` makes the first administrator; in
Chromium they onboard a brand with an email channel, a service level and a wrap-up code, and
an agent certified for it; the agent sets a password from the invitation, logs in and goes
available; a mail sent with swaks to the brand's address through ``roadie smtpd`` is offered
to them and resolved. No shell, no demo data."""

from __future__ import annotations

import os
import re
import shutil
import uuid

import pytest
from playwright.sync_api import expect
from test_console_browser import _shoot

from livestack import LiveRoadie, _drop_postgres_database, _fresh_postgres_database, free_port

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "first-admin-password-1"
AGENT_PASSWORD = "velo-agent-password-7"


@pytest.fixture
def empty_roadie(tmp_path):
    """roadie on an empty database: migrated, nothing else; web, dispatcher and smtpd running."""
    env = {**os.environ, "ROADIE_DATA_DIR": str(tmp_path), "ROADIE_OFFER_TIMEOUT": "30",
           "ROADIE_DISPATCH_INTERVAL": "0.3", "PYTHONUNBUFFERED": "1",
           "ROADIE_SECRET_KEY": uuid.uuid4().hex * 2, "ROADIE_SMTPD_PORT": str(free_port())}
    pg_url, pg_name = os.environ.get("ROADIE_DATABASE_URL"), None
    if pg_url:
        env["ROADIE_DATABASE_URL"], pg_name = _fresh_postgres_database(pg_url)
    port = free_port()
    live = LiveRoadie(url=f"http://127.0.0.1:{port}", env=env)
    try:
        live.roadie("migrate", "--noinput")
        assert live.python("from roadie.desk.brands.models import Brand\n"
                           "from roadie.desk.accounts.models import User\n"
                           "print(Brand.objects.count(), User.objects.count())").strip() == "0 0"
        live.env = {**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
        live.roadie("createsuperuser", "--noinput", "--username", "ops", "--email", "ops@operator.example")
        live.env = env
        live.start("serve", "--port", str(port))
        live.start("dispatch")
        live.start("smtpd", "--host", "127.0.0.1", "--port", env["ROADIE_SMTPD_PORT"])
        live.wait_healthy(tmp_path)
        yield live
    finally:
        live.stop()
        if pg_name:
            _drop_postgres_database(pg_url, pg_name)


def _login(browser, url, username, password):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page


def test_first_day_from_an_empty_database(empty_roadie, browser):
    if shutil.which("swaks") is None:
        pytest.fail("swaks is missing: run scripts/system-deps")
    url = empty_roadie.url
    ops = _login(browser, url, "ops", ADMIN_PASSWORD)

    # The brand, from the console.
    ops.goto(f"{url}/console/")
    expect(ops.get_by_text("No brands yet.")).to_be_visible()
    ops.get_by_role("link", name="New brand").click()
    ops.get_by_label("Identifier").fill("velo")
    ops.get_by_label("Name").fill("Vélo Rouge")
    ops.get_by_label("Phone number").check()
    ops.get_by_role("button", name="Create the brand").click()
    expect(ops).to_have_url(re.compile(r"/console/brands/velo/$"))
    ops.get_by_label("Email: target (%)").fill("90")
    ops.get_by_label("Email: answered within (seconds)").fill("3600")
    ops.get_by_role("button", name="Save service levels").click()
    expect(ops.get_by_text("Service levels saved.")).to_be_visible()
    ops.get_by_placeholder("new code").fill("solved")
    ops.get_by_label("New code: Label in French").fill("Résolu")
    ops.get_by_label("New code: Label in English").fill("Solved")
    ops.get_by_role("button", name="Save wrap-up codes").click()
    expect(ops.get_by_text("Wrap-up codes saved.")).to_be_visible()

    # Its email channel.
    ops.get_by_role("link", name=re.compile("^Channels")).click()
    ops.get_by_label("Kind").select_option("email")
    ops.get_by_label("Address").fill("help@velo.example")
    ops.get_by_role("button", name="Create the channel").click()
    expect(ops.get_by_role("heading", name="Email · help@velo.example")).to_be_visible()
    # No IMAP mailbox and no relay yet: the connection test says so (it really tries).
    ops.get_by_role("button", name="Test connection").click()
    expect(ops.get_by_role("heading", name="Connection test")).to_be_visible()
    expect(ops.get_by_text("no relay configured")).to_be_visible()
    _shoot(ops, "channel-tested", "en")

    # An agent certified for it, invited by link.
    ops.goto(f"{url}/console/agents/")
    ops.get_by_label("Username").fill("lea")
    ops.get_by_label("First name").fill("Léa")
    ops.get_by_label("Email (where the invitation goes)").fill("lea@example.org")
    ops.get_by_label("Certified for Vélo Rouge").check()
    ops.get_by_role("button", name="Create the agent and the invitation").click()
    expect(ops.get_by_text("Agent created.")).to_be_visible()
    invite = ops.get_by_label("Invitation link").input_value()
    _shoot(ops, "agent-invited", "en")
    assert "/invite/" in invite

    # The agent sets a password from the link, logs in, goes available.
    agent_context = browser.new_context(locale="en-US")
    agent = agent_context.new_page()
    agent.goto(invite)
    agent.get_by_label("New password").fill(AGENT_PASSWORD)
    agent.get_by_label("The same password again").fill(AGENT_PASSWORD)
    agent.get_by_role("button", name="Set my password").click()
    expect(agent.get_by_text("Your password is set")).to_be_visible()
    agent.goto(invite)  # used once: dead
    expect(agent.get_by_text("This link no longer works")).to_be_visible()
    agent_context.close()
    agent = _login(browser, url, "lea", AGENT_PASSWORD)
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")

    # A customer writes to the brand's address; the mail is offered to Léa, who resolves it.
    sent = __import__("subprocess").run(
        ["swaks", "--server", "127.0.0.1", "--port", empty_roadie.env["ROADIE_SMTPD_PORT"], "--helo", "client.test",
         "--to", "help@velo.example", "--from", "jeanne@customers.example",
         "--header", "Subject: Pneu crevé", "--body", "Bonjour, mon pneu est crevé depuis hier."],
        capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    offer = agent.locator("[data-offer]").filter(has_text="Pneu crevé")
    expect(offer).to_be_visible(timeout=20_000)
    offer.get_by_role("button", name="Accept").click()
    expect(agent).to_have_url(re.compile(r"/desk/contacts/\d+/$"))
    expect(agent.locator(".conversation")).to_contain_text("mon pneu est crevé")
    agent.get_by_label("Wrap-up code").select_option("solved")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    expect(agent.get_by_text("No contact in progress.")).to_be_visible()
    done = empty_roadie.python(
        "from roadie.desk.contacts.models import Contact\n"
        "c = Contact.objects.get()\n"
        "print(c.brand.slug, c.channel, c.status, c.wrap_up_code, c.agent.user.username)")
    assert done.split() == ["velo", "email", "resolved", "solved", "lea"]
    # Everything the administrator did is in the audit log, from the console.
    ops.goto(f"{url}/console/audit/?user=ops")
    for action in ("brand.create", "service_level.set", "channel.create", "agent.create"):
        expect(ops.locator("td code", has_text=action).first).to_be_visible()
