"""On the contact page, in Chromium, in English and French: a reopened contact shows its
first arrival and its reopenings, and a reply the provider refused for good shows "Not
delivered" with the reason; the page passes the axe checks."""

from __future__ import annotations

import uuid

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TEXT = {"en-US": ("reopened 1×", "Not delivered"), "fr-FR": ("rouvert 1×", "Non distribué")}


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_reopenings_and_an_undelivered_reply_on_the_contact_page(live_roadie, login_as, locale, tmp_path):
    created = live_roadie.api("POST", "/contacts", token=live_roadie.token("admin"), payload={
        "brand": "ondes", "channel": "chat", "subject": f"Colis {uuid.uuid4().hex[:6]}",
        "body": "Mon colis n'est pas arrivé.", "language": "fr",
        "customer": {"name": "Jeanne Test", "email": f"{uuid.uuid4().hex[:8]}@example.org"}})
    live_roadie.python(f"""
from django.utils import timezone
from roadie.desk.contacts.actions import add_customer_message
from roadie.desk.contacts.models import Contact, Direction, Message
c = Contact.objects.get(pk={created['id']})
Message.objects.create(contact=c, direction=Direction.OUTBOUND, body="Il part demain.",
                       failed_at=timezone.now(),
                       delivery_error="WhatsApp error 131047: more than 24 hours since the customer replied")
Contact.objects.filter(pk=c.pk).update(status="resolved", resolved_at=timezone.now())
add_customer_message(Contact.objects.get(pk=c.pk), body="Toujours rien.")
print("ok")
""")
    reopened, undelivered = TEXT[locale]
    page = login_as("supervisor", locale=locale)
    page.goto(f"{live_roadie.url}/desk/contacts/{created['id']}/")
    expect(page.locator("[data-reopened]")).to_contain_text(reopened)
    expect(page.locator("[data-not-delivered]")).to_contain_text(undelivered)
    expect(page.locator("[data-not-delivered]")).to_contain_text("131047")
    page.screenshot(path=str(tmp_path / f"contact-{locale}.png"), full_page=True)
    page.screenshot(path=f"/tmp/roadie-contact-{locale}.png", full_page=True)
    assert not violations(page)
