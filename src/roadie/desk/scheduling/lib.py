"""Reads of self-scheduling: slots as engine data, rules per pool, who is on shift, attended
bookings (for pay), a roadie's week, reliability and adherence."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from roadie.desk.agents.models import Agent
from roadie.desk.agents.presence import available_spans
from roadie.desk.brands.models import Pool
from roadie.desk.planning.models import PlanSlot, PlanStatus
from roadie.desk.scheduling.models import (
    Booking,
    BookingStatus,
    PlanWindow,
    PoolRules,
    SlotSeats,
)
from roadie.engine import scheduling as rules_engine

DEFAULT_BUDGET_PER_POINT = Decimal("0.50")
HOURS = Decimal("0.01")


def _dec(value: float) -> Decimal:
    return Decimal(str(value)).quantize(HOURS, rounding=ROUND_HALF_UP)


def pieces(slot: PlanSlot) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    out = [(slot.starts_at, slot.ends_at)]
    if slot.second_starts_at and slot.second_ends_at:
        out.append((slot.second_starts_at, slot.second_ends_at))
    return tuple(out)


# --- seams: routing and pay read these --------------------------------------------------------

def on_shift(now: dt.datetime) -> dict[int, frozenset[int]]:
    """Agent id -> ids of the pools for which the agent has a booked slot covering ``now``
    (either part of a split day)."""
    rows = (Booking.objects.filter(status=BookingStatus.BOOKED)
            .filter(Q(slot__starts_at__lte=now, slot__ends_at__gt=now)
                    | Q(slot__second_starts_at__lte=now, slot__second_ends_at__gt=now))
            .values_list("agent_id", "slot__plan__pool_id"))
    out: dict[int, set[int]] = defaultdict(set)
    for agent_id, pool_id in rows:
        out[agent_id].add(pool_id)
    return {agent_id: frozenset(pools) for agent_id, pools in out.items()}


@dataclass(frozen=True)
class AttendedBooking:
    """A booking with the time its roadie was actually available within it (for pay)."""

    booking_id: int
    agent_id: int
    pool_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    booked_hours: Decimal
    attended_hours: Decimal
    bonus: Decimal
    no_show: bool


def attended_bookings(*, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None,
                      agent_id: int | None = None) -> list[AttendedBooking]:
    """Live bookings whose slot starts in [start, end), with booked and attended hours (time
    available, from the presence history, up to ``now``) and whether each was a no-show (not
    available within the first 10 minutes; decided only once those minutes are past)."""
    now = now or timezone.now()
    bookings = list(Booking.objects.filter(
        status=BookingStatus.BOOKED, slot__starts_at__gte=start, slot__starts_at__lt=end,
    ).filter(**({"agent_id": agent_id} if agent_id is not None else {}))
        .select_related("slot__plan").order_by("slot__starts_at", "pk"))
    if not bookings:
        return []
    last_end = max(pieces(b.slot)[-1][1] for b in bookings)
    spans = available_spans([b.agent_id for b in bookings],
                            start=min(b.slot.starts_at for b in bookings),
                            end=min(last_end, now))
    out = []
    for b in bookings:
        rules = rules_for_pool_id(b.slot.plan.pool_id)
        parts = pieces(b.slot)
        available = spans.get(b.agent_id, [])
        decided = now >= parts[0][0] + dt.timedelta(minutes=rules.no_show_minutes)
        out.append(AttendedBooking(
            booking_id=b.pk, agent_id=b.agent_id, pool_id=b.slot.plan.pool_id,
            starts_at=parts[0][0], ends_at=parts[-1][1],
            booked_hours=_dec(b.slot.hours),
            attended_hours=_dec(rules_engine.attended_hours(parts, available)),
            bonus=b.bonus,
            no_show=decided and rules_engine.is_no_show(parts, available, rules),
        ))
    return out


# --- rules and windows -------------------------------------------------------------------------

_RULE_FIELDS = ("max_day_hours", "max_week_hours", "min_week_hours", "rest_hours",
                "notice_hours", "swap_close_hours")


def rules_of(pool_rules: PoolRules | None) -> rules_engine.Rules:
    """The operator's defaults, with the pool's overrides."""
    base = rules_engine.Rules()
    if pool_rules is None:
        return base
    changes = {name: float(getattr(pool_rules, name)) for name in _RULE_FIELDS
               if getattr(pool_rules, name) is not None}
    return rules_engine.Rules(**{**base.__dict__, **changes})


def rules_for_pool_id(pool_id: int) -> rules_engine.Rules:
    return rules_of(PoolRules.objects.filter(pool_id=pool_id).first())


def budget_per_point(pool: Pool) -> Decimal:
    found = PoolRules.objects.filter(pool=pool).values_list("budget_per_point", flat=True).first()
    return found if found is not None else DEFAULT_BUDGET_PER_POINT


def login_outside_slots(pool: Pool) -> bool:
    found = PoolRules.objects.filter(pool=pool).values_list("login_outside_slots",
                                                            flat=True).first()
    return True if found is None else found


def window_for(plan) -> rules_engine.Window:
    published = plan.status == PlanStatus.PUBLISHED
    w = PlanWindow.objects.filter(plan=plan).first()
    if w is None:
        return rules_engine.Window(published=published, opens_at=plan.published_at)
    return rules_engine.Window(
        published=published, opens_at=w.opens_at or plan.published_at,
        early_opens_at=w.early_opens_at, early_min_reliability=float(w.early_min_reliability),
    )


# --- slots as engine data ----------------------------------------------------------------------

def ensure_seats(slots: Iterable[PlanSlot]) -> None:
    """Create the seat counters of published slots that have none yet (race-safe)."""
    slots = list(slots)
    have = set(SlotSeats.objects.filter(slot__in=slots).values_list("slot_id", flat=True))
    missing = [SlotSeats(slot=s, seats=s.roadies) for s in slots if s.pk not in have]
    if missing:
        SlotSeats.objects.bulk_create(missing, ignore_conflicts=True)


def pool_brand_ids(pool_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for pool_id, brand_id in Pool.brands.through.objects.filter(
            pool_id__in=set(pool_ids)).values_list("pool_id", "brand_id"):
        out[pool_id].add(brand_id)
    return {k: frozenset(v) for k, v in out.items()}


def slot_view(slot: PlanSlot, *, brand_ids: frozenset[int], booked: int | None = None,
              seats: int | None = None) -> rules_engine.Slot:
    return rules_engine.Slot(
        id=slot.pk, pool_id=slot.plan.pool_id, brand_ids=brand_ids, day=slot.day,
        pieces=pieces(slot), seats=slot.roadies if seats is None else seats,
        booked=0 if booked is None else booked,
    )


def held_slots(agent: Agent, *, exclude_booking: int | None = None) -> list[rules_engine.Slot]:
    """The agent's live bookings as engine slots (for the schedule rules)."""
    qs = (Booking.objects.filter(agent=agent, status=BookingStatus.BOOKED)
          .select_related("slot__plan"))
    if exclude_booking is not None:
        qs = qs.exclude(pk=exclude_booking)
    return [slot_view(b.slot, brand_ids=frozenset()) for b in qs]


def roadie_view(agent: Agent) -> rules_engine.Roadie:
    brands = frozenset(agent.certifications.values_list("brand_id", flat=True))
    return rules_engine.Roadie(id=agent.pk, brand_ids=brands, reliability=reliability(agent))


# --- reliability and adherence -----------------------------------------------------------------

def attendance(agent: Agent, *, since: dt.datetime | None = None,
               now: dt.datetime | None = None) -> list[rules_engine.Attendance]:
    """The agent's past commitments (slots started at least 10 minutes ago, and releases
    recorded late), newest four weeks by default."""
    now = now or timezone.now()
    since = since or now - dt.timedelta(weeks=4)
    rows = [
        rules_engine.Attendance(booked_hours=float(a.booked_hours),
                                attended_hours=float(a.attended_hours), no_show=a.no_show)
        for a in attended_bookings(start=since, end=now - dt.timedelta(minutes=10), now=now,
                                   agent_id=agent.pk)
    ]
    late = Booking.objects.filter(agent=agent, late_release=True, released_at__gte=since)
    rows += [rules_engine.Attendance(booked_hours=b.slot.hours, attended_hours=0.0,
                                     no_show=False, late_release=True)
             for b in late.select_related("slot")]
    return rows


def reliability(agent: Agent) -> float:
    return rules_engine.reliability(attendance(agent))


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.TIME_ZONE)
    return (dt.datetime.combine(day, dt.time(), zone),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone))
