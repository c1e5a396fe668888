"""The desk's own tags: the offer banner every page of an agent carries, status badges, and the
places connectors fill (``roadie.desk.web.plugs``)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("roadie/_offer_banner.html", takes_context=True)
def offer_banner(context):
    from roadie.desk.web.views_desk import banner_context

    request = context["request"]
    return {**banner_context(request.user), "request": request, "csrf_token": context.get("csrf_token")}


@register.simple_tag(takes_context=True)
def plug(context, place: str, obj):
    """What a connector shows at this place of the page (nothing if no connector fills it),
    rendered like an inclusion tag: its template, in a context of its own."""
    from roadie.desk.web.plugs import PANELS

    entry = PANELS.get(place)
    if entry is None:
        return ""
    name, fill = entry
    values = fill(context, obj)
    if "csrf_token" in context and "csrf_token" not in values:
        values["csrf_token"] = context["csrf_token"]
    return context.template.engine.get_template(name).render(context.new(values))


@register.simple_tag(takes_context=True)
def message_details(context, conversation, contact) -> dict:
    """The channel's own side of every message of a conversation ({} for most channels)."""
    from roadie.desk.web.plugs import MESSAGE_DETAILS

    details = MESSAGE_DETAILS.get(contact.channel)
    return details(context, conversation, contact) if details is not None else {}


@register.filter
def details_for(details: dict, message):
    return details.get(message.pk) if details else None


STATUS_TONE = {"queued": "warn", "offered": "info", "active": "ok", "waiting": "muted",
               "resolved": "done", "abandoned": "bad"}


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONE.get(status, "muted")
