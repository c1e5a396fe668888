"""Call and video bits on the agent's pages: the ring on an offered call, the 60-second
clock, the meeting link."""

from __future__ import annotations

from django import template

from roadie.connectors.voice import control
from roadie.connectors.voice.models import Call
from roadie.desk.brands.models import CustomerField
from roadie.desk.contacts.access import masked_fields_for, redact_for

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


@register.inclusion_tag("voice/_call_panel.html", takes_context=True)
def call_panel(context, contact):
    """The call on the contact page: the caller (masked as the brand requires), the time on
    the line counting, hold/resume, transfer and end for the agent on it, as far as the
    provider's connector allows (``control.CONTROLS``)."""
    call = _call(contact)
    request = context.get("request")
    user = getattr(request, "user", None)
    caller = None
    if call is not None and user is not None:
        hidden = CustomerField.PHONE in masked_fields_for(user, contact.brand)
        caller = None if hidden else redact_for(user, contact.brand, call.caller)
    callback_to = None  # the address a call-back link goes to, as the agent may see it
    if call is not None and call.callback == "email" and user is not None:
        hidden = CustomerField.EMAIL in masked_fields_for(user, contact.brand)
        callback_to = None if hidden else redact_for(user, contact.brand, contact.customer.email)
    on_line = (call is not None and call.answered_at is not None and call.ended_at is None
               and contact.status == "active")
    return {"contact": contact, "call": call, "caller": caller, "request": request,
            "csrf_token": context.get("csrf_token"),
            "controls": control.allowed(call) if call is not None and on_line and context.get("is_mine") else (),
            "on_line": on_line, "colleagues": context.get("colleagues", ()), "callback_to": callback_to}
