"""What agents see of an email conversation: attachments (download only for those who may see
the contact), automatic mail, replies not sent; in a fixed number of queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from roadie.connectors.email import intake
from roadie.connectors.email.models import Attachment
from roadie.desk.contacts.actions import store_raw
from roadie.desk.routing.actions import accept_offer, make_offer

DATA = Path(__file__).parent / "data"


def deliver(name: str):
    raw = store_raw(channel="email", source="smtp", payload=(DATA / name).read_bytes(),
                    meta={"rcpt_tos": ["support@maison-lune.example"]})
    [contact] = intake.ingest(raw, intake.deliveries_for(["support@maison-lune.example"]))
    return contact


@pytest.fixture
def handled(handled_mail):
    """An agent handling the mail with attachments."""
    return handled_mail((DATA / "nested_attachments.eml").read_bytes())


def test_contact_page_lists_attachments_and_what_was_not_kept(handled):
    contact, _, client = handled
    page = client.get(f"/desk/contacts/{contact.pk}/messages").content.decode()
    stored = Attachment.objects.get(filename="facture.pdf")
    assert f'href="/mail/attachments/{stored.pk}"' in page
    assert "reçu.pdf — not kept: executable content is not accepted" in page


def test_attachment_download_is_a_download_for_those_who_may_see_it(handled, brands, make_agent):
    contact, _, client = handled
    stored = Attachment.objects.get(filename="facture.pdf")
    response = client.get(f"/mail/attachments/{stored.pk}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith('attachment; filename="facture.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    refused = Attachment.objects.get(filename="reçu.pdf")
    assert client.get(f"/mail/attachments/{refused.pk}").status_code == 404
    # An agent of another brand, or one never offered this contact, gets 404.
    for other in (make_agent(brands=[brands["ondes"]]), make_agent(brands=[brands["lune"]])):
        outsider = Client()
        outsider.force_login(other.user)
        assert outsider.get(f"/mail/attachments/{stored.pk}").status_code == 404
    assert Client().get(f"/mail/attachments/{stored.pk}").status_code == 302  # login first


def test_automatic_mail_is_labelled(brands, make_agent):
    contact = deliver("out_of_office.eml")
    agent = make_agent(brands=[brands["lune"]], presence="available")
    accept_offer(agent.user, make_offer(contact_id=contact.pk, agent_id=agent.pk).pk)
    client = Client()
    client.force_login(agent.user)
    page = client.get(f"/desk/contacts/{contact.pk}/messages").content.decode()
    assert "Automatic reply" in page and "never answered automatically" in page


def test_conversation_queries_do_not_grow_with_messages(handled):
    contact, agent, client = handled
    url = f"/desk/contacts/{contact.pk}/messages"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        raw = store_raw(channel="email", source="smtp", payload=(
            f"From: bob@customers.example\r\nTo: support@maison-lune.example\r\nSubject: Re\r\n"
            f"Message-ID: <more-{n}@c>\r\nIn-Reply-To: <nested-1@customers.example>\r\n\r\nencore {n}\r\n"
        ).encode(), meta={})
        intake.ingest(raw, intake.deliveries_for(["support@maison-lune.example"]))
    assert contact.messages.count() == 7
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_html_mail_has_its_sanitised_formatted_version(brands, make_agent):
    contact = deliver("html_only.eml")
    agent = make_agent(brands=[brands["lune"]], presence="available")
    accept_offer(agent.user, make_offer(contact_id=contact.pk, agent_id=agent.pk).pk)
    client = Client()
    client.force_login(agent.user)
    page = client.get(f"/desk/contacts/{contact.pk}/messages").content.decode()
    assert "Formatted version" in page and 'href="https://maison-lune.example/suivi"' in page
    assert "<script" not in page.split("Formatted version", 1)[1]
    assert "alert(" not in page
