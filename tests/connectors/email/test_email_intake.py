"""Filing stored mail: contacts, deduplication, threading that never crosses customers or
brands, attachments, flagged contacts, the CPython corpus, and replies out over SMTP."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from roadie.connectors.email import intake
from roadie.connectors.email.models import Attachment, AutoKind, InboundMail
from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import Contact, Message, RawInbound, RawStatus

DATA = Path(__file__).parent / "data"
CORPUS = Path(email.__file__).parent.parent / "test" / "test_email" / "data"


def deliver(payload: bytes, to=("support@maison-lune.example",), mail_from=None) -> list[Contact]:
    meta = {"rcpt_tos": list(to)}
    if mail_from is not None:
        meta["mail_from"] = mail_from
    raw = store_raw(channel="email", source="smtp", payload=payload, meta=meta)
    return intake.ingest(raw, intake.deliveries_for(list(to)))


def mail(*, sender="amelie@customers.example", mid="m1@customers.example", subject="Colis abîmé",
         body="Bonjour", headers="") -> bytes:
    return (f"From: {sender}\r\nTo: support@maison-lune.example\r\nSubject: {subject}\r\n"
            f"Message-ID: <{mid}>\r\n{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            ).encode()


def test_a_mail_becomes_a_contact_with_its_customer(brands):
    [contact] = deliver((DATA / "qp_rfc2047.eml").read_bytes())
    assert contact.brand == brands["lune"] and contact.channel == "email"
    assert contact.subject == "Commande n°42 : colis abîmé"
    assert contact.customer.email == "amelie@customers.example"
    assert contact.customer.name == "Amélie Poulain"
    message = contact.messages.get()
    assert "arrivé abîmé" in message.body and message.external_id == "qp-1@customers.example"
    assert message.mail.to_address == "support@maison-lune.example"
    assert message.raw.status == RawStatus.PARSED


def test_same_message_twice_and_to_two_addresses_makes_one_message(brands):
    payload = (DATA / "qp_rfc2047.eml").read_bytes()
    first = deliver(payload, to=["support@maison-lune.example", "contact@maison-lune.example"])
    again = deliver(payload)  # an SMTP retry
    other_address = deliver(payload, to=["contact@maison-lune.example"])  # the second copy
    assert first == again == other_address
    assert Message.objects.count() == 1 and Contact.objects.count() == 1
    assert RawInbound.objects.filter(status=RawStatus.DUPLICATE).count() == 2


def test_one_mail_to_two_brands_gives_each_brand_its_own_contact(brands):
    contacts = deliver(mail(), to=["support@maison-lune.example", "support@ondes.example"])
    assert {c.brand.slug for c in contacts} == {"maison-lune", "ondes"}
    assert Message.objects.count() == 2


def test_reply_joins_by_in_reply_to_and_references(brands):
    [first] = deliver(mail(mid="m1@c"))
    [second] = deliver(mail(mid="m2@c", subject="Re: Colis abîmé", headers="In-Reply-To: <m1@c>\r\n"))
    [third] = deliver(mail(mid="m3@c", subject="encore", headers="References: <m1@c> <m2@c>\r\n"))
    assert first.pk == second.pk == third.pk
    assert first.messages.count() == 3


def test_reply_joins_by_ticket_token(brands):
    [first] = deliver(mail(mid="t1@c"))
    [second] = deliver(mail(mid="t2@c", subject=f"Re: Colis [#{first.pk}]"))
    assert second.pk == first.pk


def test_threading_never_crosses_customers(brands):
    [victim] = deliver(mail(mid="v1@c", sender="victim@customers.example"))
    # A stranger quoting the victim's ticket token and Message-ID starts their own contact.
    [stranger] = deliver(mail(mid="s1@c", sender="stranger@evil.example",
                              subject=f"Re: Colis [#{victim.pk}]", headers="In-Reply-To: <v1@c>\r\n"))
    # Another customer with the very same subject too.
    [same_subject] = deliver(mail(mid="o1@c", sender="other@customers.example"))
    assert len({victim.pk, stranger.pk, same_subject.pk}) == 3
    assert victim.messages.count() == 1


def test_a_stranger_reusing_a_message_id_gets_a_contact_of_their_own(brands):
    [victim] = deliver(mail(mid="same@c", sender="victim@customers.example", body="mine"))
    [stranger] = deliver(mail(mid="same@c", sender="stranger@evil.example", body="theirs"))
    assert stranger.pk != victim.pk
    assert [m.body for m in victim.messages.all()] == ["mine"]
    assert [m.body for m in stranger.messages.all()] == ["theirs"]


def test_threading_never_crosses_brands(brands):
    [lune] = deliver(mail(mid="b1@c"))
    [ondes] = deliver(mail(mid="b2@c", subject=f"Re: [#{lune.pk}]", headers="In-Reply-To: <b1@c>\r\n"),
                      to=["support@ondes.example"])
    assert ondes.brand.slug == "ondes" and ondes.pk != lune.pk


def test_unknown_address_files_nothing(brands):
    assert intake.deliveries_for(["nobody@maison-lune.example"]) == []
    assert intake.deliveries_for(["support@maison-lune.example.evil"]) == []


def test_addresses_match_whatever_the_case_and_a_plus_tag(brands):
    [delivery] = intake.deliveries_for(["Support+FR@Maison-Lune.example"])
    assert delivery.brand == brands["lune"] and delivery.address == "support@maison-lune.example"


def test_attachments_stored_or_refused_with_a_reason(brands):
    [contact] = deliver((DATA / "nested_attachments.eml").read_bytes())
    rows = {a.filename: a for a in Attachment.objects.filter(message__contact=contact)}
    assert set(rows) == {"photo.png", "facture.pdf", "reçu.pdf"}
    assert rows["photo.png"].stored and bytes(rows["photo.png"].data).startswith(b"\x89PNG")
    assert rows["facture.pdf"].stored and rows["facture.pdf"].detected_type == "application/pdf"
    assert rows["reçu.pdf"].rejected_reason == "executable content is not accepted"
    assert bytes(rows["reçu.pdf"].data) == b""


def test_attachment_size_limit(brands, settings):
    settings.ROADIE_MAIL_ATTACHMENT_MAX_BYTES = 50
    [contact] = deliver((DATA / "nested_attachments.eml").read_bytes())
    png = Attachment.objects.get(message__contact=contact, filename="photo.png")
    assert png.rejected_reason == "larger than 50 bytes" and png.size == 70


def test_html_only_mail_keeps_sanitised_html(brands):
    [contact] = deliver((DATA / "html_only.eml").read_bytes())
    message = contact.messages.get()
    assert "Où est ma commande" in message.body
    assert "<script" not in message.mail.html and "<p>" in message.mail.html


@pytest.mark.parametrize(("name", "kind"), [
    ("bounce.eml", AutoKind.BOUNCE), ("out_of_office.eml", AutoKind.AUTO_REPLY),
    ("mailing_list.eml", AutoKind.LIST),
])
def test_automatic_mail_is_marked(brands, name, kind):
    [contact] = deliver((DATA / name).read_bytes())
    assert InboundMail.objects.get(message__contact=contact).auto_kind == kind


def test_unparseable_mail_becomes_a_flagged_contact_holding_the_raw(brands):
    [contact] = deliver(b"\r\n\r\n")
    assert contact.flagged and "could not be parsed" in contact.flag_reason
    raw = RawInbound.objects.get(contact=contact)
    assert raw.status == RawStatus.FAILED and bytes(raw.payload) == b"\r\n\r\n"


def test_a_filing_error_also_gives_a_flagged_contact(brands, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(intake, "_store_attachments", boom)
    [contact] = deliver((DATA / "nested_attachments.eml").read_bytes())
    assert contact.flagged and "disk on fire" in contact.flag_reason
    assert Attachment.objects.count() == 0  # the failed filing rolled back entirely


def test_stored_but_unfiled_mail_is_filed_later(brands):
    raw = store_raw(channel="email", source="smtp", payload=mail(mid="late@c"),
                    meta={"rcpt_tos": ["support@maison-lune.example"]})
    assert intake.ingest_pending(source="smtp") == 1
    raw.refresh_from_db()
    assert raw.status == RawStatus.PARSED and raw.contact is not None
    assert intake.ingest_pending(source="smtp") == 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="this Python has no test/test_email/data")
def test_cpython_email_corpus_ingests_without_exception(brands):
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    for path in files:
        contacts = deliver(path.read_bytes())
        assert len(contacts) == 1, path.name
    raws = RawInbound.objects.filter(channel="email")
    assert raws.count() == len(files)
    # Every file gave a contact, flagged or not (identical files dedup to one message).
    assert not raws.filter(contact__isnull=True).exists()
    assert raws.filter(status__in=[RawStatus.PARSED, RawStatus.DUPLICATE, RawStatus.FAILED]).count() == len(files)
