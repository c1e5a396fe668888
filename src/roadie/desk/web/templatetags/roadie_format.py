"""Small display filters shared by the desk's pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from roadie.desk.brands.models import ChannelKind

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """45 -> "45 s", 300 -> "5 min", 14400 -> "4 h", 5400 -> "1 h 30"."""
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        return ""
    if seconds < 120:
        return _("%(n)s s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 120:
        return _("%(n)s min") % {"n": minutes}
    hours, rest = divmod(minutes, 60)
    return _("%(h)s h %(m)02d") % {"h": hours, "m": rest} if rest else _("%(h)s h") % {"h": hours}


@register.filter
def channel_label(value: str) -> str:
    try:
        return ChannelKind(value).label
    except ValueError:
        return value
