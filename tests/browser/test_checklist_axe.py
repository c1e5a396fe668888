"""Pages of issue 13's checklist (docs/desk-checklist.md) that no other browser test ran axe
on, in English and in French: the calls page (supervisor, brand), the error pages a desk
user meets (403, 404) and the customer's address confirmation page."""

from __future__ import annotations

import pytest
from axe_check import violations

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
