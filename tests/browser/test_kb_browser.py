"""The knowledge base in a real browser: pages meet WCAG 2.1 AA, and an agent handling a contact
sees suggested articles and inserts an excerpt into the reply, which is recorded."""

from __future__ import annotations

import re

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


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
    # The customer gets the brand's public page, never the staff URL.
    expect(agent.locator("#reply-body")).to_have_value(re.compile(r"/help/maison-lune/garantie/"))
    assert "/kb/" not in agent.locator("#reply-body").input_value()
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.locator(".conversation")).to_contain_text("réserves")

    # A staff-only article offers its excerpt, no link.
    agent.get_by_label("Search this brand's articles").fill("pièce manquante")
    agent.locator("#kb-contact-search").get_by_role("button", name="Search").click()
    staff = agent.locator("#kb-hits li").filter(has_text="Pièce manquante ou cassée")
    expect(staff.get_by_role("button", name="Insert excerpt")).to_be_visible()
    expect(staff.get_by_role("button", name="Insert link")).to_have_count(0)

    kinds = live_roadie.roadie("shell", "-c", (
        "from roadie.desk.kb.models import UsageEvent; "
        f"print(sorted(set(UsageEvent.objects.filter(contact_id={created['id']}).values_list('kind', flat=True))))"))
    assert kinds.splitlines()[-1] == "['suggested', 'used_excerpt', 'used_link']"

    agent.get_by_label("Wrap-up code").select_option("solved")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    agent.get_by_role("button", name="Set Offline").click()  # leave the shared demo as found
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_customer_reads_a_public_article_under_the_brand(live_roadie, browser, locale):
    """No login: the brand's name, its language unless the visitor picks one, no staff header."""
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        response = page.goto(f"{live_roadie.url}/help/maison-lune/garantie/")
        assert response.status == 200
        expect(page.locator("header .logo")).to_have_text("Maison Lune")
        expect(page.get_by_role("heading", level=1)).to_have_text("Garantie des meubles")
        expect(page.locator("html")).to_have_attribute("lang", "fr")  # the article's language
        expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
        assert violations(page) == []
        page.get_by_role("link", name="Aide").click()
        expect(page.get_by_role("link", name="Garantie des meubles")).to_be_visible()
        expect(page.get_by_text("Pièce manquante ou cassée")).to_have_count(0)  # staff only
        page.get_by_label("Langue").select_option("en")
        page.get_by_role("button", name="Changer").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Help")
        assert violations(page) == []
        assert page.goto(f"{live_roadie.url}/help/maison-lune/piece-manquante/").status == 404
    finally:
        context.close()
