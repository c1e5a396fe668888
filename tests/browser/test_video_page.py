"""The sign-language video page in Chromium, in French and English: under the brand's name,
WCAG 2.1 AA, and the written fallback when nobody who signs can answer."""

from __future__ import annotations

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TEXT = {"fr-FR": {"name": "Votre nom", "email": "Votre e-mail (nous y répondons)", "message": "Votre message",
                  "callback": "Me rappeler en visio", "send": "Envoyer", "done": "Un conseiller qui signe vous enverra"},
        "en-US": {"name": "Your name", "email": "Your email (we answer there)", "message": "Your message",
                  "callback": "Call me back by video", "send": "Send", "done": "An adviser who signs will send you"}}


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_video_page_and_its_fallback(live_roadie, browser, locale):
    t = TEXT[locale]
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        client = context.request
        client.post(f"{live_roadie.url}/i18n/setlang/", form={"language": locale[:2], "next": "/"})
        assert page.goto(f"{live_roadie.url}/video/ondes/").status == 200
        expect(page.locator("header .logo")).to_have_text("Ondes Mobile")
        expect(page.locator("html")).to_have_attribute("lang", locale[:2])
        # The per-test reset leaves every agent offline: nobody who signs can answer.
        expect(page.locator("#video-now")).to_have_attribute("data-answerable", "no")
        assert violations(page) == []
        page.get_by_label(t["name"]).fill("Inès Martin")
        page.get_by_label(t["email"]).fill("ines.video@example.org")
        page.get_by_label(t["message"]).fill("Ma box ne s'allume plus.")
        page.get_by_label(t["callback"]).check()
        page.get_by_role("button", name=t["send"], exact=True).click()
        expect(page.locator("#video-written")).to_contain_text(t["done"])
        assert violations(page) == []
    finally:
        context.close()
