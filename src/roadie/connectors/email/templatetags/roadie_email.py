"""The email side of a conversation (attachments, automatic mail, delivery of replies), read
in three queries for the whole conversation whatever its length."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from roadie.connectors.email.models import Attachment, InboundMail, OutboundMail

register = template.Library()


@dataclass
class Details:
    mail: InboundMail | None = None
    outbound: OutboundMail | None = None
    attachments: list[Attachment] = field(default_factory=list)


@register.simple_tag
def email_details(conversation) -> dict[int, Details]:
    ids = [m.pk for m in conversation]
    details = {pk: Details() for pk in ids}
    if not ids:
        return details
    for mail in InboundMail.objects.filter(message_id__in=ids).only(
            "message_id", "auto_kind", "from_address", "to_address", "html"):
        details[mail.message_id].mail = mail
    for outbound in OutboundMail.objects.filter(message_id__in=ids).only(
            "message_id", "status", "reason", "to_address"):
        details[outbound.message_id].outbound = outbound
    for item in Attachment.objects.filter(message_id__in=ids).defer("data").order_by("pk"):
        details[item.message_id].attachments.append(item)
    return details


@register.filter
def for_message(details: dict, message) -> Details | None:
    return details.get(message.pk) if details else None
