"""Stored raw mail -> contacts: parse, deduplicate, thread, file attachments.

Called by the SMTP listener and the IMAP poller after ``store_raw`` committed the bytes.
Threading never crosses brands or customers: a reply joins a conversation only when it
names one of that conversation's Message-IDs (or its ``[#id]`` ticket token) *and* comes
from that conversation's customer; anything else starts a new contact.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from roadie.connectors.email import attachments as attachment_policy
from roadie.connectors.email import conf
from roadie.connectors.email.models import Attachment, InboundMail, OutboundMail, OutboundStatus
from roadie.connectors.email.parse import ParsedMail, parse
from roadie.desk.brands.models import Brand, Channel, ChannelKind
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact, Direction, Message, RawInbound, RawStatus

log = logging.getLogger("roadie.email")


@dataclass(frozen=True)
class Delivery:
    """One brand a mail is for, and the brand address it came in through."""

    brand: Brand
    address: str


def deliveries_for(addresses: list[str]) -> list[Delivery]:
    """The brands owning these addresses, one delivery per brand (first address wins)."""
    wanted = [a.strip().strip("<>").lower() for a in addresses if a and a.strip()]
    if not wanted:
        return []
    query = Q()
    for address in wanted:
        query |= Q(address__iexact=address) | Q(address__iexact=_without_tag(address))
    channels = {c.address.lower(): c for c in Channel.objects.filter(
        query, kind=ChannelKind.EMAIL, enabled=True, brand__is_active=True).select_related("brand")}
    result: dict[int, Delivery] = {}
    for address in wanted:
        channel = channels.get(address) or channels.get(_without_tag(address))
        if channel is not None and channel.brand_id not in result:
            result[channel.brand_id] = Delivery(channel.brand, channel.address)
    return list(result.values())


def _without_tag(address: str) -> str:
    """support+fr@brand.example -> support@brand.example (sub-addressing, RFC 5233)."""
    local, at, domain = address.partition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}"


def ingest(raw: RawInbound, deliveries: list[Delivery]) -> list[Contact]:
    """File one stored mail for each brand it was delivered to. Never raises for bad mail:
    what cannot be parsed or filed becomes a flagged contact holding the raw bytes."""
    payload = bytes(raw.payload)
    try:
        parsed = parse(payload, envelope_from=(raw.meta or {}).get("mail_from"))
    except Exception as exc:  # anything the parser cannot cope with is kept, flagged
        reason = f"could not be parsed: {type(exc).__name__}: {exc}"[:240]
        log.warning("raw mail #%s %s", raw.pk, reason)
        return [_flag(raw, d, reason) for d in deliveries]
    contacts = []
    for delivery in deliveries:
        try:
            with transaction.atomic():
                contacts.append(_file(parsed, raw=raw, delivery=delivery))
        except Exception as exc:
            reason = f"could not be filed: {type(exc).__name__}: {exc}"[:240]
            log.exception("raw mail #%s for %s %s", raw.pk, delivery.brand.slug, reason)
            contacts.append(_flag(raw, delivery, reason))
    return contacts


def flag(raw: RawInbound, deliveries: list[Delivery], reason: str) -> list[Contact]:
    """File a stored mail as a flagged contact without reading it (e.g. too large)."""
    log.warning("raw mail #%s flagged: %s", raw.pk, reason)
    return [_flag(raw, d, reason) for d in deliveries]


def find_thread(brand: Brand, mail: ParsedMail) -> int | None:
    """The contact this mail continues, if it is the same customer's conversation."""
    if mail.reported_ids:
        # A bounce of one of our replies: the reply's Message-ID (which carries a random part)
        # names the conversation. The agent needs to know the answer did not arrive.
        returned = (OutboundMail.objects.filter(msgid__in=mail.reported_ids,
                                                message__contact__brand=brand)
                    .values_list("message__contact_id", flat=True).first())
        if returned is not None:
            return returned
    sender = mail.from_address.lower()
    if not sender:
        return None
    ids = mail.thread_ids
    if ids:
        matches = (Message.objects.filter(external_id__in=ids, contact__brand=brand,
                                          contact__channel=ChannelKind.EMAIL)
                   .select_related("contact__customer"))
        by_id: dict[str, list[Message]] = {}
        for message in matches:
            by_id.setdefault(message.external_id, []).append(message)
        for mid in ids:
            for message in by_id.get(mid, ()):
                if message.contact.customer.email.lower() == sender:
                    return message.contact_id
    for token in mail.ticket_tokens:
        contact = Contact.objects.filter(pk=token, brand=brand, channel=ChannelKind.EMAIL,
                                         customer__email__iexact=sender).first()
        if contact is not None:
            return contact.pk
    return None


def conversation_key(mail: ParsedMail) -> str:
    """The key of a conversation a mail starts: its Message-ID *and* its sender, so that a
    stranger reusing someone's Message-ID cannot land on (or be swallowed by) their contact."""
    key = f"{mail.from_address}/{mail.message_id}"
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _language(mail: ParsedMail) -> str:
    hint = mail.language_hint.split("-", 1)[0].split(",", 1)[0].strip()
    return hint if hint in {code for code, _ in settings.LANGUAGES} else ""


def _body(mail: ParsedMail) -> str:
    body = mail.text.strip()
    if not body:
        body = "(no text)" if not mail.attachments else f"(no text, {len(mail.attachments)} attachment(s))"
    return body


def _file(mail: ParsedMail, *, raw: RawInbound, delivery: Delivery) -> Contact:
    brand = delivery.brand
    # The same mail seen before for this brand (SMTP retry, IMAP re-read, second address).
    earlier = (Message.objects.filter(external_id=mail.message_id, direction=Direction.INBOUND,
                                      contact__brand=brand, contact__channel=ChannelKind.EMAIL)
               .filter(contact__customer__email__iexact=mail.from_address).select_related("contact")
               .first())
    if earlier is not None:
        RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.DUPLICATE, contact=earlier.contact)
        log.info("raw mail #%s: duplicate of message %s (Message-ID %s)", raw.pk, earlier.pk, mail.message_id)
        return earlier.contact
    contact_id = find_thread(brand, mail)
    contact, message, created = receive(Inbound(
        brand=brand, channel=ChannelKind.EMAIL, body=_body(mail),
        customer=CustomerData(name=mail.from_name, email=mail.from_address),
        subject=mail.subject, language=_language(mail),
        external_id="" if contact_id else conversation_key(mail), message_id=mail.message_id,
        contact_id=contact_id, received_at=raw.received_at,
        reopens=not mail.auto_kind,  # an out-of-office answer does not reopen a resolved contact
    ), raw=raw)
    if created:
        InboundMail.objects.create(
            message=message, msgid=mail.message_id, from_address=mail.from_address,
            to_address=delivery.address, in_reply_to=(mail.in_reply_to or ("",))[0],
            references=list(mail.references), cc=list(mail.cc), auto_kind=mail.auto_kind, html=mail.html,
            defects=list(mail.defects)[:20],
        )
        _store_attachments(message, mail)
        if mail.auto_kind:
            log.info("raw mail #%s is automatic (%s): never answered automatically", raw.pk, mail.auto_kind)
        if mail.reported_ids:
            OutboundMail.objects.filter(msgid__in=mail.reported_ids, message__contact=contact).update(
                status=OutboundStatus.BOUNCED, reason=f"returned by {mail.from_address or 'the mail system'}"[:250])
    return contact


def _store_attachments(message: Message, mail: ParsedMail) -> None:
    limit = conf.get("ROADIE_MAIL_ATTACHMENT_MAX_BYTES")
    rows = []
    for item in mail.attachments:
        verdict = attachment_policy.check(filename=item.filename, declared=item.content_type,
                                          data=item.data, max_bytes=limit)
        if verdict.rejected_reason:
            log.info("attachment %r of message %s not stored: %s", item.filename, message.pk,
                     verdict.rejected_reason)
        rows.append(Attachment(
            message=message, filename=item.filename, content_type=verdict.content_type[:120],
            detected_type=verdict.detected, size=len(item.data),
            sha256=hashlib.sha256(item.data).hexdigest(),
            data=b"" if verdict.rejected_reason else item.data,
            rejected_reason=verdict.rejected_reason,
        ))
    Attachment.objects.bulk_create(rows)


FROM_RE = re.compile(rb"^From:[^\r\n]*?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE | re.MULTILINE)
SUBJECT_RE = re.compile(rb"^Subject:[ \t]*([^\r\n]{0,200})", re.IGNORECASE | re.MULTILINE)


def _flag(raw: RawInbound, delivery: Delivery, reason: str) -> Contact:
    """A mail that could not be read: a flagged contact pointing at the stored raw bytes."""
    payload = bytes(raw.payload)
    digest = hashlib.sha256(payload).hexdigest()
    sender = FROM_RE.search(payload[:65536])
    subject = SUBJECT_RE.search(payload[:65536])
    preview = payload[:4000].decode("utf-8", "replace").replace("\x00", "")
    contact, _, _ = receive(Inbound(
        brand=delivery.brand, channel=ChannelKind.EMAIL,
        body=f"This mail could not be read automatically ({reason}). Its raw bytes are kept "
             f"as raw inbound #{raw.pk}.\n\n{preview}",
        customer=CustomerData(email=sender.group(1).decode("ascii", "replace").lower()[:254] if sender else ""),
        subject=subject.group(1).decode("utf-8", "replace") if subject else "(unreadable mail)",
        external_id=f"raw:{digest}", message_id=f"raw:{digest}", flagged_reason=reason,
    ), raw=raw)
    RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.FAILED, error=reason, contact=contact)
    return contact


def ingest_pending(*, source: str | None = None, limit: int = 500) -> int:
    """File mail stored but never parsed (the process stopped between storing and parsing)."""
    pending = RawInbound.objects.filter(channel=ChannelKind.EMAIL, status=RawStatus.STORED)
    if source:
        pending = pending.filter(source=source)
    done = 0
    for raw in pending.order_by("pk")[:limit]:
        addresses = (raw.meta or {}).get("rcpt_tos") or []
        deliveries = deliveries_for(addresses)
        if not deliveries and raw.brand is not None:
            deliveries = [Delivery(raw.brand, (raw.meta or {}).get("address", ""))]
        if deliveries:
            ingest(raw, deliveries)
            done += 1
    return done
