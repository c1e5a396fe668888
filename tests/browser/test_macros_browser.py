"""Saved replies in a real browser: the brand administrator writes one on the page (WCAG 2.1
AA in both languages), the agent picks it in the reply box, filled in for the customer."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_macros_pages_meet_wcag_aa(live_roadie, login_as, locale):
    supervisor = login_as("supervisor", locale=locale)
    for path in ("/macros/", "/macros/ondes/"):
        assert supervisor.goto(f"{live_roadie.url}{path}").status == 200
        assert violations(supervisor) == [], path
    supervisor.locator("[data-macro] a").first.click()
    assert violations(supervisor) == []


def test_brand_admin_writes_a_macro_the_agent_uses(live_roadie, login_as):
    title = f"Suivi {uuid.uuid4().hex[:6]}"
    admin = login_as("brand-ondes")
    admin.get_by_role("link", name="Saved replies").click()
    expect(admin).to_have_url(re.compile(r"/macros/ondes/$"))
    admin.get_by_label("Title").fill(title)
    admin.locator("#m-language").select_option("fr")
    admin.get_by_label("Text").fill("Bonjour {customer_name}, {agent_name} d'{brand_name} : c'est noté.")
    admin.get_by_role("button", name="Create").click()
    expect(admin.get_by_role("link", name=title)).to_be_visible()
    admin.get_by_label("Title").fill(title)  # the same title again: refused, named
    admin.get_by_label("Text").fill("Doublon")
    admin.get_by_role("button", name="Create").click()
    expect(admin.locator(".msg.error")).to_contain_text("title: Ondes Mobile already has")
    expect(admin.get_by_label("Text")).to_have_value("Doublon")  # what was typed is kept

    agent = login_as("camille")
    agent.get_by_role("button", name="Set Available").click()
    created = live_roadie.api("POST", "/contacts", token=live_roadie.token("admin"), payload={
        "brand": "ondes", "channel": "chat", "subject": title, "body": "Ma ligne est coupée.",
        "language": "fr", "customer": {"name": "Paul Martin", "email": f"{uuid.uuid4().hex[:8]}@example.org"}})
    offer = agent.locator("[data-offer]").filter(has_text=title)
    expect(offer).to_be_visible(timeout=15_000)
    offer.get_by_role("button", name="Accept").click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))
    agent.get_by_label("Saved reply").select_option(label=title)
    expect(agent.locator("#reply-body")).to_have_value(
        re.compile(r"^Bonjour Paul Martin, Camille d'Ondes Mobile : c'est noté\.$"))
