"""The API lists a mail's files with each message (the customer's and those of a reply) and
serves them behind the contact's own access rule, the way the contact page does; the desk
reads them through ``roadie.desk.contacts.files`` without importing the email connector."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from roadie.connectors.email import intake
from roadie.connectors.email.models import Attachment
from roadie.desk.audit.models import AuditEntry
from roadie.desk.contacts.actions import store_raw

DATA = Path(__file__).parent / "data"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def handled(handled_mail):
    contact, agent, _ = handled_mail((DATA / "nested_attachments.eml").read_bytes())
    return contact, agent


def test_messages_list_their_files_and_the_url_downloads_them(handled, api_client):
    contact, agent = handled
    client = api_client(agent.user)
    sent = client.post(f"/api/contacts/{contact.pk}/replies", content_type="application/json", data={
        "body": "Voici votre facture.", "cc": False,
        "attachments": [{"filename": "facture été.pdf", "content_type": "application/pdf",
                         "content_base64": base64.b64encode(PDF).decode()}]})
    assert sent.status_code == 201, sent.content
    [file] = sent.json()["attachments"]
    stored = Attachment.objects.get(message_id=sent.json()["id"])
    assert file == {"id": stored.pk, "filename": "facture été.pdf", "content_type": "application/pdf",
                    "size": len(PDF), "url": f"/api/contacts/{contact.pk}/files/{stored.pk}", "refused": ""}
    thread = client.get(f"/api/contacts/{contact.pk}").json()["messages"]
    customer = {f["filename"]: f for f in thread[0]["attachments"]}
    assert customer["facture.pdf"]["url"] and customer["facture.pdf"]["refused"] == ""
    # What was refused on arrival is listed with why, and has nothing to download.
    assert customer["reçu.pdf"]["url"] is None and "executable" in customer["reçu.pdf"]["refused"]
    assert thread[-1]["attachments"] == [file]
    download = client.get(file["url"])
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        "attachment; filename=\"facture _t_.pdf\"; filename*=UTF-8''facture%20%C3%A9t%C3%A9.pdf")
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Security-Policy"] == "sandbox"
    assert AuditEntry.objects.filter(action="read", object_type="attachment", object_id=str(stored.pk),
                                     via="api").count() == 1


def test_the_contacts_access_rule_guards_the_files(handled, api_client, brands, make_agent, make_user):
    contact, agent = handled
    refused = Attachment.objects.get(filename="reçu.pdf")
    kept = Attachment.objects.get(filename="facture.pdf")
    url = f"/api/contacts/{contact.pk}/files/{kept.pk}"
    assert api_client(make_user(role="supervisor")).get(url).status_code == 200
    # An agent of another brand, one never offered the contact, finance, no token.
    for other in (make_agent(brands=[brands["ondes"]]).user, make_agent(brands=[brands["lune"]]).user):
        assert api_client(other).get(url).status_code == 404
    assert api_client(make_user(role="finance")).get(url).status_code == 403
    from django.test import Client

    assert Client().get(url).status_code == 401
    # A refused file, or a file of another contact named under this one, is not there.
    assert api_client(agent.user).get(f"/api/contacts/{contact.pk}/files/{refused.pk}").status_code == 404
    raw = store_raw(channel="email", source="smtp", payload=(DATA / "nested_attachments.eml").read_bytes()
                    .replace(b"Message-ID: <", b"Message-ID: <other-"),
                    meta={"rcpt_tos": ["support@maison-lune.example"]})
    [elsewhere] = intake.ingest(raw, intake.deliveries_for(["support@maison-lune.example"]))
    assert elsewhere.pk != contact.pk
    foreign = Attachment.objects.filter(message__contact=elsewhere, filename="facture.pdf").get()
    assert api_client(agent.user).get(f"/api/contacts/{contact.pk}/files/{foreign.pk}").status_code == 404
