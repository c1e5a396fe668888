"""Replies out over SMTP, threaded so that the customer's mail client files them under the
customer's own mail (Message-ID, In-Reply-To, References), from the brand address the
customer wrote to, with the conversation's ``[#id]`` token in the subject.

``send_reply`` is the email sender of ``roadie.desk.contacts.tasks.SENDERS``: the worker calls
it, and it raises on a relay failure so that the task fails and can be retried. It is
idempotent: the Message-ID is fixed before the first attempt, and a sent mail is not sent again.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.db import transaction
from django.utils import timezone

from roadie.connectors.email import conf
from roadie.connectors.email.models import Attachment, InboundMail, OutboundMail, OutboundStatus
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.models import Direction, Message

log = logging.getLogger("roadie.email")

REFERENCES_KEPT = 20


def _brand_address(message: Message, last_in: InboundMail | None) -> str:
    if last_in is not None and last_in.to_address:
        return last_in.to_address
    channel = (Channel.objects.filter(brand=message.contact.brand, kind=ChannelKind.EMAIL, enabled=True)
               .exclude(address="").order_by("pk").first())
    return channel.address if channel else f"support@{message.contact.brand.slug}.invalid"


def _subject(subject: str, contact_id: int) -> str:
    subject = subject.strip() or "Your message"
    if not subject.lower().startswith(("re:", "re :", "aw:", "tr:")):
        subject = f"Re: {subject}"
    token = f"[#{contact_id}]"
    return subject if token in subject else f"{subject} {token}"


def _real_id(mid: str) -> bool:
    """Ids roadie made up (mail without Message-ID, unreadable mail) are not sent out."""
    return bool(mid) and not mid.startswith(("raw:", "sha256:"))


def prepare(message: Message, *, cc: list[str] | None = None) -> OutboundMail:
    """Fix the headers of this reply once (when the agent sends it, or at the first attempt);
    later attempts reuse them. ``cc``: the addresses to copy, real ones (never redacted)."""
    existing = OutboundMail.objects.filter(message=message).first()
    if existing is not None:
        return existing
    contact = message.contact
    inbound = (Message.objects.filter(contact=contact, direction=Direction.INBOUND)
               .select_related("mail").order_by("-created_at", "-pk"))
    last_in = next((m.mail for m in inbound if hasattr(m, "mail")), None)
    from_address = _brand_address(message, last_in)
    domain = conf.get("ROADIE_MAIL_DOMAIN") or from_address.rsplit("@", 1)[-1]
    message_id = f"roadie.{contact.pk}.{message.pk}.{secrets.token_hex(6)}@{domain}"
    # The whole conversation's ids, oldest first, so that clients thread even if one is missing.
    chain = list(last_in.references) if last_in else []
    chain += [m for m in Message.objects.filter(contact=contact).exclude(external_id="")
              .exclude(pk=message.pk).order_by("created_at", "pk").values_list("external_id", flat=True)]
    references = list(dict.fromkeys(mid for mid in chain if _real_id(mid)))
    parent = last_in.msgid if last_in and _real_id(last_in.msgid) else ""
    if parent:  # the parent's id comes last (RFC 5322 3.6.4)
        references = [mid for mid in references if mid != parent] + [parent]
    with transaction.atomic():
        outbound, _ = OutboundMail.objects.get_or_create(message=message, defaults={
            "msgid": message_id, "from_address": from_address,
            "to_address": contact.customer.email, "cc": list(cc or ()), "subject": _subject(contact.subject, contact.pk),
            "in_reply_to": parent,
            "references": references[-REFERENCES_KEPT:],
        })
        # Known before sending, so that the customer's answer threads even if it comes fast.
        Message.objects.filter(pk=message.pk, external_id="").update(external_id=outbound.msgid)
    return outbound


def skip_reason(message: Message) -> str:
    """Why this reply must not go out ("" when it may)."""
    if not message.contact.customer.email:
        return "the customer has no email address"
    last = (Message.objects.filter(contact=message.contact, direction=Direction.INBOUND)
            .select_related("mail").order_by("-created_at", "-pk").first())
    mail = getattr(last, "mail", None) if last is not None else None
    if mail is not None and mail.auto_kind:
        # An answer to an auto-reply, bounce or list mail would start a mail loop.
        return f"the last mail in this conversation is automatic ({mail.auto_kind})"
    return ""


def build(outbound: OutboundMail, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((message.contact.brand.name, outbound.from_address))
    mail["To"] = formataddr((message.contact.customer.name, outbound.to_address))
    if outbound.cc:
        mail["Cc"] = ", ".join(outbound.cc)
    mail["Subject"] = outbound.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = f"<{outbound.msgid}>"
    if outbound.in_reply_to:
        mail["In-Reply-To"] = f"<{outbound.in_reply_to}>"
    if outbound.references:
        mail["References"] = " ".join(f"<{mid}>" for mid in outbound.references)
    mail["X-Roadie-Contact"] = str(message.contact_id)
    mail.set_content(message.body)
    # The files the agent attached, as MIME parts (the mail becomes multipart/mixed).
    for item in Attachment.objects.filter(message=message, rejected_reason="").order_by("pk"):
        maintype, _, subtype = (item.content_type or "application/octet-stream").partition("/")
        mail.add_attachment(bytes(item.data), maintype=maintype, subtype=subtype or "octet-stream",
                            filename=item.filename or f"attachment-{item.pk}")
    return mail


def relay() -> smtplib.SMTP:
    host = conf.get("ROADIE_SMTP_HOST")
    port = int(conf.get("ROADIE_SMTP_PORT"))
    timeout = float(conf.get("ROADIE_SMTP_TIMEOUT"))
    if conf.get("ROADIE_SMTP_SSL"):
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
        if conf.get("ROADIE_SMTP_STARTTLS"):
            client.starttls(context=ssl.create_default_context())
    if conf.get("ROADIE_SMTP_USER"):
        client.login(conf.get("ROADIE_SMTP_USER"), conf.get("ROADIE_SMTP_PASSWORD"))
    return client


def _answer(exc: smtplib.SMTPException) -> tuple[int, str]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
    else:
        code, text = exc.smtp_code, exc.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return int(code), str(text)


def send_reply(message: Message) -> None:
    """Send one outbound message by email (the worker's sender for the email channel)."""
    message = Message.objects.select_related("contact__brand", "contact__customer").get(pk=message.pk)
    outbound = prepare(message)
    if outbound.status in (OutboundStatus.SENT, OutboundStatus.SKIPPED, OutboundStatus.REFUSED):
        return
    reason = skip_reason(message)
    if reason:
        OutboundMail.objects.filter(pk=outbound.pk).update(status=OutboundStatus.SKIPPED, reason=reason)
        log.info("reply %s of contact %s not sent: %s", message.pk, message.contact_id, reason)
        return
    if not conf.get("ROADIE_SMTP_HOST"):
        OutboundMail.objects.filter(pk=outbound.pk).update(
            status=OutboundStatus.HELD, reason="no SMTP relay configured (ROADIE_SMTP_HOST)")
        log.info("reply %s of contact %s held: no SMTP relay configured", message.pk, message.contact_id)
        return
    mail = build(outbound, message)
    try:
        with relay() as client:
            # The envelope: the customer and everyone copied (send_message raises only when
            # the relay refuses them all; the ones it refused are recorded below).
            refused = client.send_message(mail, from_addr=outbound.from_address,
                                          to_addrs=[outbound.to_address, *outbound.cc])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        code, text = _answer(exc)
        if not 500 <= code < 600:
            raise  # temporary (4xx): the worker tries again later
        # Permanent: trying again would get the same answer. Recorded, shown to the agent.
        reason = f"the relay refused it: {code} {text}"[:250]
        OutboundMail.objects.filter(pk=outbound.pk).update(status=OutboundStatus.REFUSED, reason=reason)
        log.warning("reply %s of contact %s not sent: %s", message.pk, message.contact_id, reason)
        return
    partial = "; ".join(f"{address} refused: {code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
                        for address, (code, text) in (refused or {}).items())
    OutboundMail.objects.filter(pk=outbound.pk).update(status=OutboundStatus.SENT, sent_at=timezone.now(),
                                                       reason=partial[:250])
    log.info("reply %s of contact %s sent to %s as <%s>", message.pk, message.contact_id,
             outbound.to_address, outbound.msgid)
