"""The knowledge base in a real browser: pages meet WCAG 2.1 AA, and an agent handling a contact
sees suggested articles and inserts an excerpt into the reply, which is recorded."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}


def violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in results.response["violations"]]


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize(("username", "path"), [
    ("camille", "/kb/?brand=maison-lune&q=meubles+livr%C3%A9s"),
    ("camille", "/kb/maison-lune/delai-livraison/"),
    ("brand-ondes", "/kb/?brand=ondes"),
    ("brand-ondes", "/kb/ondes/box-internet-panne/edit"),
    ("brand-ondes", "/kb/ondes/box-internet-panne/versions/1/"),
])
def test_kb_pages_meet_wcag_aa(live_roadie, login_as, username, path, locale):
    page = login_as(username, locale=locale)
    response = page.goto(f"{live_roadie.url}{path}")
    assert response.status == 200
    assert violations(page) == []


def test_agent_inserts_a_suggested_excerpt(live_roadie, login_as):
    agent = login_as("camille")
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")
    created = live_roadie.api("POST", "/contacts", token=live_roadie.token("admin"), payload={
        "brand": "maison-lune", "channel": "chat", "subject": "Canapé abîmé",
        "body": "Mon canapé est arrivé avec un pied cassé et le carton déchiré, que faire ?",
        "language": "fr", "customer": {"name": "Paul Martin", "email": "paul@example.org"},
    })
    offer = agent.locator("[data-offer]").filter(has_text="Canapé abîmé")
    expect(offer).to_be_visible(timeout=15_000)
    offer.get_by_role("button", name="Accept").click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))

    assert violations(agent) == []  # the contact page with its suggestions and search
    suggestions = agent.locator(".kb-suggestions li")
    first = suggestions.first
    expect(first).to_contain_text("endommagé")
    first.get_by_role("button", name="Insert excerpt").click()
    expect(agent.locator("#reply-body")).to_have_value(re.compile("réserves"))
    # Searching the brand's articles from the workspace, without leaving the contact.
    agent.get_by_label("Search this brand's articles").fill("garantie canapé")
    agent.locator("#kb-contact-search").get_by_role("button", name="Search").click()
    found = agent.locator("#kb-hits li").filter(has_text="Garantie des meubles")
    expect(found).to_be_visible()
    found.get_by_role("button", name="Insert link").click()
    expect(agent.locator("#reply-body")).to_have_value(re.compile(r"/kb/maison-lune/garantie/"))
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.locator(".conversation")).to_contain_text("réserves")

    kinds = live_roadie.roadie("shell", "-c", (
        "from roadie.desk.kb.models import UsageEvent; "
        f"print(sorted(set(UsageEvent.objects.filter(contact_id={created['id']}).values_list('kind', flat=True))))"))
    assert kinds.splitlines()[-1] == "['suggested', 'used_excerpt', 'used_link']"

    agent.get_by_label("Wrap-up code").select_option("solved")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    agent.get_by_role("button", name="Set Offline").click()  # leave the shared demo as found
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")
