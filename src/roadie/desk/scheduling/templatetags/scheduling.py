"""Fragments other pages include with one line: the roadie's current and next slot and their
notices (``{% load scheduling %}{% my_slots %}`` on the desk), uncovered slots of the next
48 hours (``{% load scheduling %}{% uncovered_slots %}`` on the supervision board)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from roadie.desk.accounts.access import agent_of, can_supervise, is_agent
from roadie.desk.scheduling import lib
from roadie.desk.scheduling.models import Notice

register = template.Library()


@register.inclusion_tag("scheduling/_my_slots.html", takes_context=True)
def my_slots(context):
    user = getattr(context.get("request"), "user", None)
    agent = agent_of(user)
    if agent is None:
        return {"agent": None}
    current, nxt = lib.current_and_next(agent)
    notices = list(Notice.objects.filter(agent=agent, read_at__isnull=True)
                   .select_related("slot__plan__pool")[:5])
    return {"agent": agent, "current": current, "next": nxt, "notices": notices}


@register.inclusion_tag("scheduling/_uncovered.html", takes_context=True)
def uncovered_slots(context):
    rows = lib.uncovered(now=timezone.now(), hours=48)
    return {"rows": rows[:20], "more": max(len(rows) - 20, 0), "count": len(rows)}


@register.inclusion_tag("scheduling/_nav.html", takes_context=True)
def schedule_nav(context):
    user = getattr(context.get("request"), "user", None)
    return {"is_agent": is_agent(user),
            "supervises": can_supervise(user)}
