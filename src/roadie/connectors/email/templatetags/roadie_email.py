"""The email side of a conversation (attachments, automatic mail, delivery of replies), read
in three queries for the whole conversation whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from django import template

from roadie.connectors.email.models import Attachment, InboundMail, OutboundMail
from roadie.desk.contacts.access import redact_for, redact_html_for

register = template.Library()


@dataclass
class AttachmentView:
    pk: int
    filename: str
    content_type: str
    stored: bool
    rejected_reason: str
    size: int


@dataclass
class Details:
    """The email side of one message as the reader may see it: every free-text piece (the
    HTML part, file names, a relay's refusal) goes through the brand's redaction rules."""

    mail: InboundMail | None = None
    outbound: OutboundMail | None = None
    attachments: list[AttachmentView] = field(default_factory=list)
    html: str = ""
    html_is_markup: bool = True
    outbound_reason: str = ""
    # where the desk's conversation shows them (``roadie.desk.web.plugs.MESSAGE_DETAILS``)
    head_template: ClassVar[str] = "roadie_email/_message_head.html"
    template: ClassVar[str] = "roadie_email/_message_extras.html"


@register.simple_tag(takes_context=True)
def email_details(context, conversation, contact=None) -> dict[int, Details]:
    ids = [m.pk for m in conversation]
    details = {pk: Details() for pk in ids}
    if not ids:
        return details
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    brand = (contact or context.get("contact")).brand

    def text(value: str) -> str:
        return redact_for(user, brand, value) if user is not None else value

    for mail in InboundMail.objects.filter(message_id__in=ids).only(
            "message_id", "auto_kind", "from_address", "to_address", "cc", "html"):
        d = details[mail.message_id]
        d.mail = mail
        if user is not None:
            d.html, d.html_is_markup = redact_html_for(user, brand, mail.html)
    for outbound in OutboundMail.objects.filter(message_id__in=ids).only(
            "message_id", "status", "reason", "to_address", "cc"):
        details[outbound.message_id].outbound = outbound
        details[outbound.message_id].outbound_reason = text(outbound.reason)
    for item in Attachment.objects.filter(message_id__in=ids).defer("data").order_by("pk"):
        details[item.message_id].attachments.append(AttachmentView(
            pk=item.pk, filename=text(item.filename), content_type=item.content_type,
            stored=item.stored, rejected_reason=text(item.rejected_reason), size=item.size))
    return details


@register.filter
def for_message(details: dict, message) -> Details | None:
    return details.get(message.pk) if details else None
