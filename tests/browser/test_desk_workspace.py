"""The agent's one workspace and the supervisor on the same contact, in Chromium, in English
and in French: an offer reaches the agent on another page (the banner) and is accepted with
one key; the supervisor's note reaches the agent's open conversation without a reload; the
agent switches contacts and waits on the customer without reloading. Axe checks cover the
contact page (agent, supervisor and brand), the history, the contact lists."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


TEXT = {
    "en-US": {"available": "Set Available", "note": "Internal note (the agent sees it, the customer never)",
              "add_note": "Add note", "wait": "Wait on the customer", "waiting": "Waiting on the customer",
              "resolve": "Resolve", "wrap": "Wrap-up code", "mine": "My contacts", "resume": "Resume now"},
    "fr-FR": {"available": "Passer en « Disponible »", "note": "Note interne (l’agent la voit, le client jamais)",
              "add_note": "Ajouter la note", "wait": "Attendre le client", "waiting": "En attente du client",
              "resolve": "Clôturer", "wrap": "Code de clôture", "mine": "Mes contacts",
              "resume": "Reprendre maintenant"},
}


def new_contact(live_roadie, subject: str, body: str) -> dict:
    return live_roadie.api("POST", "/contacts", token=live_roadie.token("admin"), payload={
        "brand": "ondes", "channel": "chat", "subject": subject, "body": body, "language": "fr",
        "customer": {"name": "Jeanne Test", "email": f"{uuid.uuid4().hex[:8]}@example.org"}})


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_offer_banner_note_and_waiting_without_reload(live_roadie, login_as, locale):
    t = TEXT[locale]
    agent = login_as("camille", locale=locale)
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name=t["available"]).click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")
    agent.goto(f"{live_roadie.url}/kb/")  # working elsewhere in the desk

    subject = f"Carte perdue {uuid.uuid4().hex[:6]}"
    created = new_contact(live_roadie, subject, "J'ai perdu ma carte SIM.\nQue faire ?")
    card = agent.locator("[data-offer]").filter(has_text=subject)
    expect(card).to_be_visible(timeout=15_000)
    expect(card).to_contain_text("Jeanne Test")
    expect(card).to_contain_text("J'ai perdu ma carte SIM.")
    agent.keyboard.press("Alt+a")
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))
    expect(agent.locator(".conversation")).to_contain_text("J'ai perdu ma carte SIM.")
    agent.evaluate("window.__noReload = true")  # from here on, the workspace never reloads

    supervisor = login_as("supervisor", locale=locale)
    supervisor.goto(f"{live_roadie.url}/desk/contacts/{created['id']}/")
    supervisor.get_by_label(t["note"]).fill("Vérifie l'identité avant.")
    supervisor.get_by_role("button", name=t["add_note"]).click()
    expect(supervisor.locator(".conversation")).to_contain_text("Vérifie l'identité avant.")
    # The note reaches the agent's open conversation live.
    expect(agent.locator(".conversation")).to_contain_text("Vérifie l'identité avant.", timeout=15_000)

    agent.get_by_role("button", name=t["wait"]).click()
    expect(agent.locator("#contact-status")).to_have_attribute("data-status", "waiting")
    inbox = agent.get_by_role("navigation", name=t["mine"])
    expect(inbox).to_contain_text(subject)
    # Open it again from the list, take it back before the customer replies, resolve it: all
    # without a page load.
    inbox.locator(f'[data-contact="{created["id"]}"]').first.click()
    agent.get_by_role("button", name=t["resume"]).click()
    expect(agent.locator("#contact-status")).to_have_attribute("data-status", "active")
    agent.get_by_label(t["wrap"]).select_option(index=0)
    agent.get_by_role("button", name=t["resolve"]).click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    assert agent.evaluate("window.__noReload") is True
    contact = live_roadie.api("GET", f"/contacts/{created['id']}", token=live_roadie.token("admin"))
    assert contact["status"] == "resolved"


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_contact_history_and_list_pages_meet_wcag_aa(live_roadie, login_as, locale):
    created = new_contact(live_roadie, f"Axe {uuid.uuid4().hex[:6]}", "Bonjour, une question.")
    supervisor = login_as("supervisor", locale=locale)
    for path in (f"/desk/contacts/{created['id']}/", "/board/history/", "/board/contacts/?status=waiting"):
        supervisor.goto(f"{live_roadie.url}{path}")
        assert violations(supervisor) == [], path
    brand = login_as("brand-ondes", locale=locale)
    for path in ("/brand/contacts/", "/brand/history/", f"/desk/contacts/{created['id']}/"):
        brand.goto(f"{live_roadie.url}{path}")
        assert violations(brand) == [], path


def test_desk_with_an_offer_and_a_contact_meets_wcag_aa_on_a_phone(live_roadie, browser, login_as):
    agent = login_as("camille", locale="fr-FR")
    agent.set_viewport_size({"width": 390, "height": 844})
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Passer en « Disponible »").click()
    subject = f"Téléphone {uuid.uuid4().hex[:6]}"
    new_contact(live_roadie, subject, "Mon téléphone ne capte plus.")
    card = agent.locator("[data-offer]").filter(has_text=subject)
    expect(card).to_be_visible(timeout=30_000)
    assert violations(agent) == []
    card.get_by_role("button", name="Accepter").click()
    expect(agent.locator(".conversation")).to_be_visible()
    assert violations(agent) == []
    width = agent.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # nothing wider than the phone's screen
