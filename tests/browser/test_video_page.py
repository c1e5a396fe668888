"""The sign-language video page in Chromium, in French and English: under the brand's name,
WCAG 2.1 AA, and the call-back request when nobody who signs can answer, followed on its own
page until an adviser who signs takes it and the meeting link appears."""

from __future__ import annotations

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TEXT = {"fr-FR": {"name": "Votre nom", "email": "Votre e-mail (nous y répondons)", "message": "Votre message",
                  "callback": "Me rappeler en visio", "page": "sur la page de ma demande", "send": "Envoyer",
                  "done": "gardez la page ci-dessous", "follow": "Suivre votre demande de rappel",
                  "queued": "Votre demande de rappel est dans la file", "join": "Rejoindre la visio"},
        "en-US": {"name": "Your name", "email": "Your email (we answer there)", "message": "Your message",
                  "callback": "Call me back by video", "page": "on the request's own page", "send": "Send",
                  "done": "keep the page below", "follow": "Follow your call-back request",
                  "queued": "Your call-back request is in the queue", "join": "Join the video meeting"}}

# An adviser who signs comes on shift and takes the request (the dispatcher may have offered
# it to them first). The demo's signers are certified for random brands: one is certified for
# the request's brand for this test only (UNDO removes it).
TAKE = """
from roadie.connectors.voice.models import Call
from roadie.desk.agents.models import Agent, Certification
from roadie.desk.routing.actions import accept_offer, make_offer, set_presence
from roadie.desk.routing.models import Offer
call = Call.objects.select_related("contact").get(token={token!r})
signer = Agent.objects.filter(sign_language=True).order_by("pk").first()
Certification.objects.get_or_create(agent=signer, brand=call.contact.brand)
set_presence(signer, "available")
offer = Offer.objects.filter(contact=call.contact, status="pending").select_related("agent__user").first()
if offer is None:
    offer = make_offer(contact_id=call.contact_id, agent_id=signer.pk)
accept_offer(offer.agent.user, offer.pk)
print(call.meeting_url)
"""
UNDO = """
from roadie.connectors.voice.models import Call
from roadie.desk.agents.models import Agent, Certification
call = Call.objects.select_related("contact").get(token={token!r})
signer = Agent.objects.filter(sign_language=True).order_by("pk").first()
if not {certified}:
    Certification.objects.filter(agent=signer, brand=call.contact.brand).delete()
"""
CERTIFIED = """
from roadie.desk.agents.models import Agent, Certification
signer = Agent.objects.filter(sign_language=True).order_by("pk").first()
print(Certification.objects.filter(agent=signer, brand__slug="ondes").exists())
"""


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
        page.get_by_label(t["page"]).check()
        page.screenshot(path=f"/tmp/desk-video-request-{locale}.png", full_page=True)
        page.get_by_role("button", name=t["send"], exact=True).click()
        expect(page.locator("#video-written")).to_contain_text(t["done"])
        assert violations(page) == []
        page.get_by_role("link", name=t["follow"]).click()
        expect(page.locator("#video-state")).to_contain_text(t["queued"])
        expect(page.get_by_role("link", name=t["join"])).to_be_hidden()
        assert violations(page) == []
        page.screenshot(path=f"/tmp/desk-video-callback-{locale}.png", full_page=True)
        token = page.url.rstrip("/").rsplit("/", 1)[-1]
        certified = live_roadie.python(CERTIFIED).strip() == "True"
        meeting = live_roadie.python(TAKE.format(token=token)).strip()
        try:
            expect(page.get_by_role("link", name=t["join"])).to_be_visible(timeout=10_000)  # the page polls
            expect(page.get_by_role("link", name=t["join"])).to_have_attribute("href", meeting)
        finally:
            live_roadie.python(UNDO.format(token=token, certified=certified))
    finally:
        context.close()
