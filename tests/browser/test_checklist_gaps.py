"""Pages of issue 13's checklist (docs/desk-checklist.md) that no other browser test ran axe
on, in English and in French: the calls page (supervisor, brand), the error pages a desk
user meets (403, 404) and the customer's address confirmation page; and the desk's keyboard
shortcuts besides Alt+A (R the reply, N the note, / the search of my contacts)."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HEADINGS = {"en-US": {403: "Not allowed", 404: "Page not found"},
            "fr-FR": {403: "Accès refusé", 404: "Page introuvable"}}


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_calls_and_error_pages_meet_wcag_aa(live_roadie, login_as, locale):
    for username in ("supervisor", "brand-ondes"):
        page = login_as(username, locale=locale)
        page.goto(f"{live_roadie.url}/calls/")
        assert page.locator("html").get_attribute("lang") == locale[:2]
        assert violations(page) == [], f"{username} /calls/"
    agent = login_as("camille", locale=locale)
    for path, status in (("/board/", 403), ("/desk/contacts/999999999/", 404)):
        answer = agent.goto(f"{live_roadie.url}{path}")
        assert answer.status == status
        assert agent.get_by_role("heading", level=1).inner_text() == HEADINGS[locale][status]
        assert violations(agent) == [], path


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_address_confirmation_page_meets_wcag_aa(live_roadie, browser, locale):
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.request.post(f"{live_roadie.url}/i18n/setlang/", form={"language": locale[:2], "next": "/"})
        answer = page.goto(f"{live_roadie.url}/identity/confirm/not-a-valid-token")
        assert answer.status == 400
        assert page.locator("html").get_attribute("lang") == locale[:2]
        assert violations(page) == []
    finally:
        context.close()


def test_the_desks_keyboard_shortcuts(live_roadie, login_as):
    agent = login_as("camille")
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    subject = f"Clavier {uuid.uuid4().hex[:6]}"
    created = live_roadie.api("POST", "/contacts", token=live_roadie.token("admin"), payload={
        "brand": "ondes", "channel": "chat", "subject": subject, "body": "Bonjour", "language": "fr"})
    expect(agent.locator("[data-offer]").filter(has_text=subject)).to_be_visible(timeout=30_000)
    agent.keyboard.press("Alt+a")
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))
    blur = "document.activeElement && document.activeElement.blur()"
    agent.evaluate(blur)
    agent.keyboard.press("r")
    expect(agent.locator("#reply-body")).to_be_focused()
    agent.evaluate(blur)
    agent.keyboard.press("/")
    expect(agent.locator("#inbox-q")).to_be_focused()
    # N: the note box (the supervisor's, on a contact they are not handling).
    supervisor = login_as("supervisor")
    supervisor.goto(f"{live_roadie.url}/desk/contacts/{created['id']}/")
    supervisor.evaluate(blur)
    supervisor.keyboard.press("n")
    expect(supervisor.locator("#note-body")).to_be_focused()
