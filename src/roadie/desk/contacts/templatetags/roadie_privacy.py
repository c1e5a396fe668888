"""Free text in pages as the reader may see it: ``{% load roadie_privacy %}`` then
``{% redacted contact.subject contact.brand %}`` (the reader is the request's user)."""

from __future__ import annotations

from django import template

from roadie.desk.contacts.access import redact_for

register = template.Library()


@register.simple_tag(takes_context=True)
def redacted(context, text, brand) -> str:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or brand is None:
        return text or ""
    return redact_for(user, brand, text or "")
