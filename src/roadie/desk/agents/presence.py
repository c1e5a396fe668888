"""Presence history: record each change, and read back who was present when.

``record_change`` is called from the one presence write path
(``roadie.desk.routing.actions.set_presence``) inside its transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from roadie.desk.agents.models import Agent, Presence, PresenceChange


def record_change(agent: Agent, presence: str, *, at: datetime) -> None:
    PresenceChange.objects.create(agent=agent, presence=presence, at=at)


def available_spans(agent_ids: Iterable[int], *, start: datetime,
                    end: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Per agent, the spans within [start, end) during which they were available, from the
    presence history (an agent with no history before ``start`` counts from their current
    presence if it began before ``start``, else as offline)."""
    ids = list(set(agent_ids))
    if not ids:
        return {}
    changes: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for agent_id, at, presence in (PresenceChange.objects
                                   .filter(agent_id__in=ids, at__lt=end)
                                   .order_by("agent_id", "at", "pk")
                                   .values_list("agent_id", "at", "presence")):
        changes[agent_id].append((at, presence))
    current = dict(Agent.objects.filter(pk__in=ids).values_list("pk", "presence"))
    since = dict(Agent.objects.filter(pk__in=ids).values_list("pk", "presence_since"))
    out: dict[int, list[tuple[datetime, datetime]]] = {}
    for agent_id in ids:
        history = changes.get(agent_id, [])
        if not history and since.get(agent_id) and since[agent_id] <= end:
            history = [(since[agent_id], current.get(agent_id, Presence.OFFLINE))]
        spans = []
        state, state_from = Presence.OFFLINE, start
        for at, presence in history:
            if at <= start:
                state, state_from = presence, start
                continue
            if state == Presence.AVAILABLE:
                spans.append((state_from, at))
            state, state_from = presence, at
        if state == Presence.AVAILABLE and state_from < end:
            spans.append((state_from, end))
        out[agent_id] = [(a, b) for a, b in spans if b > a]
    return out
