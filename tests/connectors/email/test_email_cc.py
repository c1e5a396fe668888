"""Who the customer copied: the Cc of an inbound mail is stored (the raw mail first) and the
agent sees it on the contact page, redacted as the brand asks."""

from __future__ import annotations

from django.test import Client

from roadie.connectors.email import intake
from roadie.connectors.email.parse import parse
from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import Contact
from roadie.desk.routing.actions import accept_offer, make_offer

MAIL = ("From: Amélie <amelie@customers.example>\r\nTo: support@maison-lune.example\r\n"
        "Cc: Paul Mari <paul@customers.example>, \"Service juridique\" <juridique@avocats.example>\r\n"
        "Subject: Canapé abîmé\r\nMessage-ID: <cc-1@customers.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, je mets mon mari en copie.\r\n").encode()


def test_parse_keeps_the_cc_header_apart():
    parsed = parse(MAIL)
    assert parsed.cc == ("paul@customers.example", "juridique@avocats.example")
    assert "paul@customers.example" in parsed.to  # as before: every recipient


def test_the_contact_page_shows_who_was_copied(brands, make_agent):
    raw = store_raw(channel="email", source="smtp", payload=MAIL, meta={"rcpt_tos": ["support@maison-lune.example"]})
    [contact] = intake.ingest(raw, intake.deliveries_for(["support@maison-lune.example"]))
    message = contact.messages.get()
    assert message.raw == raw and message.mail.cc == ["paul@customers.example", "juridique@avocats.example"]
    agent = make_agent(brands=[brands["lune"]], presence="available")
    accept_offer(agent.user, make_offer(contact_id=contact.pk, agent_id=agent.pk).pk)
    client = Client()
    client.force_login(agent.user)
    html = client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    assert "Cc: paul@customers.example, juridique@avocats.example" in html


def test_a_masked_email_is_not_shown_in_the_cc(brands, make_agent):
    lune = brands["lune"]
    type(lune).objects.filter(pk=lune.pk).update(masked_fields=["email"])
    raw = store_raw(channel="email", source="smtp", payload=MAIL, meta={"rcpt_tos": ["support@maison-lune.example"]})
    [contact] = intake.ingest(raw, intake.deliveries_for(["support@maison-lune.example"]))
    agent = make_agent(brands=[lune], presence="available")
    accept_offer(agent.user, make_offer(contact_id=contact.pk, agent_id=agent.pk).pk)
    client = Client()
    client.force_login(agent.user)
    html = client.get(f"/desk/contacts/{Contact.objects.get(pk=contact.pk).pk}/").content.decode()
    assert "Cc:" in html and "paul@customers.example" not in html
