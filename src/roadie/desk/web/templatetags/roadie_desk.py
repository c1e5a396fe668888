"""The desk's own tags: the offer banner every page of an agent carries, status badges."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("roadie/_offer_banner.html", takes_context=True)
def offer_banner(context):
    from roadie.desk.web.views_desk import banner_context

    request = context["request"]
    return {**banner_context(request.user), "request": request, "csrf_token": context.get("csrf_token")}


STATUS_TONE = {"queued": "warn", "offered": "info", "active": "ok", "waiting": "muted",
               "resolved": "done", "abandoned": "bad"}


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONE.get(status, "muted")
