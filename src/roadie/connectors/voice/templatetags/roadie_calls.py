"""Call and video bits on the agent's pages: the ring on an offered call, the 60-second
clock, the meeting link."""

from __future__ import annotations

from django import template

from roadie.connectors.voice.models import Call

register = template.Library()


def _call(contact) -> Call | None:
    try:
        return contact.call
    except Call.DoesNotExist:
        return None


@register.inclusion_tag("voice/_ring.html")
def offer_ring(offer):
    contact = offer.contact
    return {"offer": offer, "contact": contact, "call": _call(contact),
            "rings": contact.channel in ("voice", "video")}


@register.inclusion_tag("voice/_call_panel.html")
def call_panel(contact):
    return {"contact": contact, "call": _call(contact)}
