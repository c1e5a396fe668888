"""Files the agent attaches to an email reply: checked (size, type, content matching the
type), stored with the reply, shown in the conversation, and sent as MIME parts through a
real SMTP relay (aiosmtpd), parsed here as the customer's mail client would. A refused file
answers a clear 4xx and writes nothing, from the page and from the API."""

from __future__ import annotations

import base64
import email
from email import policy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from roadie.connectors.email.models import Attachment, OutboundMail
from roadie.desk.contacts.models import Direction, Message
from roadie.desk.contacts.tasks import deliver_message
from roadie.desk.routing.actions import accept_offer, make_offer

MAIL = ("From: Amélie <amelie@customers.example>\r\nTo: support@maison-lune.example\r\n"
        "Subject: Facture\r\nMessage-ID: <files-1@customers.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nPouvez-vous m'envoyer la facture ?\r\n").encode()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def handled(handled_mail):
    contact, _, client = handled_mail(MAIL)
    return contact, client


def upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def outbound(contact):
    return Message.objects.filter(contact=contact, direction=Direction.OUTBOUND)


def test_attached_files_reach_the_customer_as_mime_parts(handled, relay):
    contact, client = handled
    page = client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file" id="reply-files" name="attachments"' in page
    response = client.post(f"/desk/contacts/{contact.pk}/reply", {
        "body": "Voici la facture et la photo.",
        "attachments": [upload("facture 2026.pdf", PDF, "application/pdf"), upload("photo.png", PNG, "image/png")]})
    assert response.status_code == 302
    [reply] = outbound(contact)
    assert [(a.filename, a.content_type, a.size) for a in reply.attachments.order_by("pk")] == [
        ("facture 2026.pdf", "application/pdf", len(PDF)), ("photo.png", "image/png", len(PNG))]
    deliver_message.call(reply.pk)
    mail = email.message_from_bytes(relay.received[-1][2], policy=policy.default)
    assert mail.get_content_type() == "multipart/mixed"
    assert mail.get_body(("plain",)).get_content().strip() == "Voici la facture et la photo."
    parts = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in mail.iter_attachments()]
    assert parts == [("facture 2026.pdf", "application/pdf", PDF), ("photo.png", "image/png", PNG)]
    # The conversation lists them, downloadable.
    thread = client.get(f"/desk/contacts/{contact.pk}/messages").content.decode()
    for item in reply.attachments.all():
        assert f'href="/mail/attachments/{item.pk}"' in thread
    pdf = reply.attachments.get(filename="facture 2026.pdf")
    assert client.get(f"/mail/attachments/{pdf.pk}").content == PDF


@pytest.mark.parametrize(("files", "status", "says"), [
    ([("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream")], 415,
     "setup.exe: programs are not sent"),
    ([("facture.pdf", PNG, "application/pdf")], 415,
     "facture.pdf: its content is image/png, not application/pdf as declared"),
    ([("script.js", b"alert(1)", "text/plain")], 415, "script.js: programs are not sent"),
    ([("vide.txt", b"", "text/plain")], 422, "vide.txt is empty"),
    ([("ok.pdf", PDF, "application/pdf"), ("big.png", PNG + b"\x00" * 5000, "image/png")], 413,
     "big.png is 5.9 KB, over the 4.0 KB limit per file"),
])
def test_a_refused_file_answers_4xx_keeps_the_text_and_writes_nothing(handled, settings, files, status, says):
    settings.ROADIE_MAIL_ATTACHMENT_MAX_BYTES = 4096
    contact, client = handled
    response = client.post(f"/desk/contacts/{contact.pk}/reply", {
        "body": "Mon texte tapé", "attachments": [upload(*f) for f in files]}, HTTP_X_PANE="1")
    assert response.status_code == status
    html = response.content.decode()
    assert f"Attachments: {says}" in html
    assert ">Mon texte tapé</textarea>" in html  # the agent does not lose what they typed
    assert response["X-Roadie-Refused"] == "attachments"
    assert not outbound(contact).exists() and not Attachment.objects.filter(message__direction="out").exists()
    assert not OutboundMail.objects.exists()


@pytest.mark.parametrize(("language", "says"), [
    ("fr", "Pièces jointes : setup.exe : les programmes ne sont pas envoyés"),
    ("en", "Attachments: setup.exe: programs are not sent"),
])
def test_a_refused_file_is_explained_in_the_pages_language(handled, language, says):
    contact, client = handled
    response = client.post(f"/desk/contacts/{contact.pk}/reply", {
        "body": "Texte", "attachments": [upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream")]},
        HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 415 and says in response.content.decode()


def test_the_api_names_the_field_and_the_size_in_the_readers_language(handled, settings):
    from django.utils import translation

    from roadie.connectors.email.reply import check_files
    from roadie.desk.contacts.composer import OutgoingFile, ReplyRefused

    settings.ROADIE_MAIL_ATTACHMENT_MAX_BYTES = 4096
    big = OutgoingFile("big.png", "image/png", PNG + b"\x00" * 5000)
    with translation.override("fr"), pytest.raises(ReplyRefused) as refused:
        check_files((big,))
    assert str(refused.value) == "attachments: big.png fait 5,9 Ko, au-delà de la limite de 4,0 Ko par fichier"


def test_the_files_of_one_reply_have_a_total_limit(handled, settings):
    settings.ROADIE_MAIL_REPLY_MAX_BYTES = len(PDF) + 10
    contact, client = handled
    response = client.post(f"/desk/contacts/{contact.pk}/reply", {
        "body": "Deux fichiers", "attachments": [upload("a.pdf", PDF, "application/pdf"),
                                                 upload("b.pdf", PDF, "application/pdf")]})
    assert response.status_code == 413 and "over the" in response.content.decode()
    assert not outbound(contact).exists()


def test_a_form_larger_than_the_body_limit_may_carry_files(handled, settings):
    """The reply form has its own upload limit (ROADIE_MAX_UPLOAD_BYTES), above the 2 MB of
    other requests; over it the middleware answers 413 before reading anything."""
    contact, client = handled
    big = PDF + b"0" * (3 * 1024 * 1024)
    assert len(big) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(f"/desk/contacts/{contact.pk}/reply",
                           {"body": "Le gros fichier", "attachments": [upload("gros.pdf", big, "application/pdf")]})
    assert response.status_code == 302
    assert outbound(contact).get().attachments.get().size == len(big)
    settings.ROADIE_MAX_UPLOAD_BYTES = 1024 * 1024
    response = client.post(f"/desk/contacts/{contact.pk}/reply",
                           {"body": "Encore", "attachments": [upload("gros.pdf", big, "application/pdf")]})
    assert response.status_code == 413 and outbound(contact).count() == 1


def test_the_api_reply_takes_base64_files(handled, relay, api_client):
    contact, _ = handled
    api = api_client(contact.agent.user)
    url = f"/api/contacts/{contact.pk}/replies"
    response = api.post(url, {"body": "La facture", "attachments": [
        {"filename": "facture.pdf", "content_type": "application/pdf",
         "content_base64": base64.b64encode(PDF).decode()}]}, content_type="application/json")
    assert response.status_code == 201, response.content
    deliver_message.call(response.json()["id"])
    mail = email.message_from_bytes(relay.received[-1][2], policy=policy.default)
    assert [(p.get_filename(), p.get_content()) for p in mail.iter_attachments()] == [("facture.pdf", PDF)]
    for attachment, status, detail in [
        ({"filename": "x.pdf", "content_base64": "pas du base64 !"}, 422, "attachments[0].content_base64: not base64"),
        ({"filename": "x.exe", "content_base64": base64.b64encode(b"MZ" + b"\x00" * 10).decode()}, 415,
         "attachments: x.exe: programs are not sent"),
    ]:
        response = api.post(url, {"body": "Refusé", "attachments": [attachment]}, content_type="application/json")
        assert response.status_code == status and response.json()["detail"] == detail
    assert outbound(contact).count() == 1


def test_channels_without_attachments_refuse_them(brands, make_agent, make_contact, api_client):
    contact = make_contact(brand=brands["lune"], channel="chat")
    agent = make_agent(brands=[brands["lune"]], presence="available")
    accept_offer(agent.user, make_offer(contact_id=contact.pk, agent_id=agent.pk).pk)
    response = api_client(agent.user).post(f"/api/contacts/{contact.pk}/replies", {
        "body": "Voici", "attachments": [{"filename": "a.pdf", "content_base64": base64.b64encode(PDF).decode()}]},
        content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == "attachments: replies on the Web chat channel carry no attachments"
    assert not outbound(contact).exists()
