"""Reads for the supervision board: every agent one by one (state and time in it, the
contacts in hand, brands, today's handled count and average handle time, booked shift).

A fixed number of queries whatever the number of agents and contacts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, F
from django.utils import timezone

from roadie.desk.agents.models import Agent, Certification, Presence
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.routing.lib import channel_limits, start_of_today
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer, OfferStatus


@dataclass
class AgentRow:
    id: int
    name: str
    presence: str
    presence_label: str
    since: datetime
    state: str  # offline, available, busy, break
    load: int
    capacity: int
    contacts: list = field(default_factory=list)
    pending: int = 0
    brands: list[str] = field(default_factory=list)
    handled_today: int = 0
    aht_seconds: int | None = None
    on_shift: bool = False
    # (channel, contacts of it held, most at once) for each channel the agent has a limit on
    channel_limits: list[tuple[str, int, int]] = field(default_factory=list)


STATE_ORDER = {"busy": 0, "available": 1, "break": 2, "offline": 3}


def _on_shift(now: datetime) -> set[int]:
    try:
        from roadie.desk.scheduling.lib import on_shift
    except ImportError:  # no marketplace in this installation
        return set()
    return set(on_shift(now))


def agent_rows(*, now: datetime | None = None, include_offline: bool = False) -> list[AgentRow]:
    now = now or timezone.now()
    today = start_of_today(now)
    agents = Agent.objects.select_related("user").order_by("user__first_name", "user__username")
    if not include_offline:
        agents = agents.exclude(presence=Presence.OFFLINE)
    agents = list(agents)
    ids = [a.pk for a in agents]
    brands: dict[int, list[str]] = defaultdict(list)
    for agent_id, name in (Certification.objects.filter(agent_id__in=ids)
                           .order_by("brand__name").values_list("agent_id", "brand__name")):
        brands[agent_id].append(name)
    load: dict[int, int] = defaultdict(int)
    pending: dict[int, int] = defaultdict(int)
    per_channel: dict[tuple[int, str], int] = defaultdict(int)
    for agent_id, status, cost, channel in (Offer.objects.filter(agent_id__in=ids, status__in=ACTIVE_OFFER_STATUSES)
                                            .values_list("agent_id", "status", "cost", "contact__channel")):
        load[agent_id] += cost
        per_channel[agent_id, channel] += 1
        if status == OfferStatus.PENDING:
            pending[agent_id] += 1
    in_hand: dict[int, list] = defaultdict(list)
    for contact in (Contact.objects.filter(agent_id__in=ids, status=Status.ACTIVE)
                    .select_related("brand").only("pk", "agent_id", "channel", "brand__name", "answered_at")
                    .order_by("answered_at")):
        in_hand[contact.agent_id].append(contact)
    handled = {
        r["agent_id"]: r for r in Contact.objects.filter(
            agent_id__in=ids, status=Status.RESOLVED, resolved_at__gte=today, answered_at__isnull=False)
        .values("agent_id").annotate(n=Count("pk"), aht=Avg(F("resolved_at") - F("answered_at")))
    }
    shift = _on_shift(now)
    rows = []
    for a in agents:
        busy = a.presence == Presence.AVAILABLE and load[a.pk] > 0
        h = handled.get(a.pk, {})
        aht = h.get("aht")
        rows.append(AgentRow(
            id=a.pk, name=str(a), presence=a.presence, presence_label=a.get_presence_display(),
            since=a.presence_since, state="busy" if busy else a.presence, load=load[a.pk],
            capacity=a.capacity, contacts=in_hand[a.pk], pending=pending[a.pk], brands=brands[a.pk],
            handled_today=h.get("n", 0),
            aht_seconds=int(_seconds(aht)) if aht is not None else None,
            on_shift=a.pk in shift,
            channel_limits=[(c, per_channel[a.pk, c], n) for c, n in channel_limits(a).items()],
        ))
    rows.sort(key=lambda r: (STATE_ORDER.get(r.state, 9), r.name))
    return rows


def _seconds(value) -> float:
    """Avg of a duration: a timedelta (PostgreSQL) or microseconds (SQLite)."""
    if hasattr(value, "total_seconds"):
        return value.total_seconds()
    return float(value) / 1_000_000


def waiting_contacts(brands, *, brand_slug: str = "", channel: str = "", limit: int = 50):
    """Contacts waiting in the queues (a queue row of the board opens this list)."""
    query = (Contact.objects.filter(brand__in=brands, status__in=[Status.QUEUED, Status.OFFERED])
             .select_related("brand", "customer").order_by("deadline_at"))
    if brand_slug:
        query = query.filter(brand__slug=brand_slug)
    if channel:
        query = query.filter(channel=channel)
    return query[:limit]


def counts_by_state(rows: list[AgentRow]) -> dict[str, int]:
    counts = {"offline": 0, "available": 0, "busy": 0, "break": 0}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    return counts


__all__ = ["AgentRow", "agent_rows", "counts_by_state", "waiting_contacts"]
