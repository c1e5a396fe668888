"""The console in Chromium: every page passes axe-core's WCAG 2.1 A/AA rules in English and in
French, as the demo's administrator sees it with the demo brands; and a brand administrator
edits their brand's opening hours with the keyboard-reachable form."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

IDS = """
import json
from roadie.desk.accounts.actions import invite_path
from roadie.desk.accounts.models import User
from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Brand, Channel
brand = Brand.objects.get(slug="ondes")
channel = Channel.objects.filter(brand=brand, kind="email").first() or brand.channels.first()
invited, _ = User.objects.get_or_create(username="console-invited", defaults={"role": "supervisor"})
invited.set_unusable_password(); invited.save()
print(json.dumps({"brand": brand.slug, "channel": channel.pk, "agent": Agent.objects.order_by("pk").first().pk,
                  "user": User.objects.get(username="supervisor").pk, "invite": invite_path(invited)}))
"""


def _pages(ids) -> list[tuple[str, str]]:
    b = ids["brand"]
    return [
        ("index", "/console/"), ("brand-new", "/console/brands/new"), ("brand", f"/console/brands/{b}/"),
        ("channels", f"/console/brands/{b}/channels/"), ("channel", f"/console/brands/{b}/channels/{ids['channel']}/"),
        ("mailboxes", f"/mail/mailboxes/{b}/"), ("agents", "/console/agents/"),
        ("agent", f"/console/agents/{ids['agent']}/"), ("users", "/console/users/"),
        ("user", f"/console/users/{ids['user']}/"), ("audit", "/console/audit/"), ("pools", "/console/pools/"),
    ]


def _shoot(page, name: str, locale: str) -> None:
    """ROADIE_SCREENSHOTS=DIR keeps a full-page screenshot of each page (for review and docs)."""
    folder = os.environ.get("ROADIE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"console-{name}-{locale[:2]}.png"), full_page=True)


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_console_pages_meet_wcag_aa(live_roadie, login_as, browser, locale):
    ids = json.loads(live_roadie.python(IDS))
    page = login_as("admin", locale=locale)
    wrong = {}
    for name, path in _pages(ids):
        page.goto(f"{live_roadie.url}{path}")
        assert page.locator("html").get_attribute("lang") == locale[:2]
        expect(page.locator("h1")).to_be_visible()
        _shoot(page, name, locale)
        found = violations(page)
        if found:
            wrong[path] = found
    # The invitation page, logged out.
    context = browser.new_context(locale=locale)
    invite = context.new_page()
    invite.goto(f"{live_roadie.url}{ids['invite']}")
    expect(invite.locator("#invite-password")).to_be_visible()
    _shoot(invite, "invite", locale)
    if violations(invite):
        wrong["invite"] = violations(invite)
    context.close()
    assert wrong == {}


def test_console_index_lists_the_demo_brands_in_french(live_roadie, login_as):
    page = login_as("admin", locale="fr-FR")
    page.goto(f"{live_roadie.url}/console/")
    expect(page.get_by_role("heading", name="Marques")).to_be_visible()
    names = json.loads(live_roadie.python(
        "import json\nfrom roadie.desk.brands.models import Brand\nprint(json.dumps(list(Brand.objects.values_list('name', flat=True))))"))
    for name in names:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Nouvelle marque")).to_be_visible()


def test_brand_admin_sets_opening_hours_and_a_closure(live_roadie, login_as):
    who = live_roadie.python(
        "from roadie.desk.accounts.models import User\n"
        "u = User.objects.filter(role='brand_admin').select_related('brand').order_by('pk').first()\n"
        "print(u.username, u.brand.slug)").split()
    page = login_as(who[0])
    page.goto(f"{live_roadie.url}/console/")
    page.locator(f"a[href='/console/brands/{who[1]}/']").first.click()
    expect(page).to_have_url(re.compile(rf"/console/brands/{who[1]}/$"))
    page.get_by_label("Hours of").select_option("chat")
    page.get_by_role("button", name="Show").click()
    page.get_by_label("Tuesday opens 1").fill("08:30")
    page.get_by_label("Tuesday closes 1").fill("20:00")
    page.get_by_role("button", name="Save opening hours").click()
    expect(page.get_by_text("Opening hours saved.")).to_be_visible()
    expect(page.get_by_label("Tuesday opens 1")).to_have_value("08:30")
    page.get_by_label("Date").fill("2027-05-01")
    page.get_by_label("Reason").fill("Fête du travail")
    page.get_by_role("button", name="Add closure").click()
    expect(page.get_by_role("cell", name="Fête du travail")).to_be_visible()
    # Put the brand back as the demo had it: remove what this test added.
    page.get_by_role("button", name=re.compile("Remove.*2027-05-01")).click()
    page.get_by_label("Hours of").select_option("chat")
    page.get_by_role("button", name="Show").click()
    page.get_by_label("Tuesday opens 1").fill("")
    page.get_by_label("Tuesday closes 1").fill("")
    page.get_by_role("button", name="Save opening hours").click()
    expect(page.get_by_text("Opening hours saved.")).to_be_visible()
