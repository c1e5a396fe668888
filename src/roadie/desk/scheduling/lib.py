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
    pool_ids = {b.slot.plan.pool_id for b in bookings}
    overrides = {r.pool_id: r for r in PoolRules.objects.filter(pool_id__in=pool_ids)}
    pool_rules = {pool_id: rules_of(overrides.get(pool_id)) for pool_id in pool_ids}
    out = []
    for b in bookings:
        rules = pool_rules[b.slot.plan.pool_id]
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


def login_refusal(agent_id: int, *, now: dt.datetime) -> rules_engine.Refusal | None:
    """Whether the roadie may go available now (``rules_engine.outside_slots``): the pools
    they work in (certified for one of its brands), which of them allow logging in outside a
    booked slot, and the pools of the booked slot they are on now."""
    from roadie.desk.agents.models import Certification

    brands = set(Certification.objects.filter(agent_id=agent_id).values_list("brand_id", flat=True))
    pools = set(Pool.brands.through.objects.filter(brand_id__in=brands).values_list("pool_id", flat=True))
    if not pools:
        return None
    forbid = set(PoolRules.objects.filter(pool_id__in=pools, login_outside_slots=False)
                 .values_list("pool_id", flat=True))
    if forbid != pools:
        return None  # a pool that allows it: no need to look at bookings
    on = set(Booking.objects.filter(agent_id=agent_id, status=BookingStatus.BOOKED, slot__plan__pool_id__in=pools)
             .filter(Q(slot__starts_at__lte=now, slot__ends_at__gt=now)
                     | Q(slot__second_starts_at__lte=now, slot__second_ends_at__gt=now))
             .values_list("slot__plan__pool_id", flat=True))
    return rules_engine.outside_slots({p: p not in forbid for p in pools}, frozenset(on))


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
    todo = [s for s in slots if s.pk not in have]
    if not todo:
        return
    # bookings made before the counter existed (imported or seeded) are counted in it
    live: dict[int, int] = defaultdict(int)
    for slot_id in Booking.objects.filter(slot__in=todo, status=BookingStatus.BOOKED) \
            .values_list("slot_id", flat=True):
        live[slot_id] += 1
    missing = [SlotSeats(slot=s, seats=max(s.roadies, live[s.pk]), booked=live[s.pk])
               for s in todo]
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


def roadie_view(agent: Agent, *, window: rules_engine.Window | None = None,
                now: dt.datetime | None = None) -> rules_engine.Roadie:
    """The agent as the rules see it. Reliability (a few queries over four weeks) is computed
    only when ``window`` is in its early-access period, the one rule that reads it."""
    brands = frozenset(agent.certifications.values_list("brand_id", flat=True))
    now = now or timezone.now()
    early = (window is None or (window.early_opens_at is not None and window.opens_at is not None
                                and window.early_opens_at <= now < window.opens_at))
    return rules_engine.Roadie(id=agent.pk, brand_ids=brands,
                               reliability=reliability(agent) if early else 1.0)


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


# --- slots, a roadie's week, coverage (pages and API) ------------------------------------------

@dataclass(frozen=True)
class SlotRow:
    """A slot as the caller sees it. ``status``: ``booked`` (by the caller), ``open``,
    ``full``, ``closed`` (not open yet, or started)."""

    slot: PlanSlot
    pool_slug: str
    seats: int
    booked: int
    bonus: Decimal
    status: str
    booking_id: int | None = None
    waiting: bool = False
    swap_offered: bool = False
    refusal: str | None = None
    refusal_params: dict | None = None


def visible_pools(user) -> list[Pool]:
    """Pools whose slots the user sees: a supervisor every pool, an agent the pools with at
    least one brand they are certified for."""
    from roadie.desk.accounts.access import can_supervise

    if can_supervise(user):
        return list(Pool.objects.order_by("name"))
    agent = getattr(user, "agent", None)
    if agent is None:
        return []
    return list(Pool.objects.filter(brands__certifications__agent=agent).distinct()
                .order_by("name"))


def slot_rows(user, *, start: dt.datetime, end: dt.datetime, pool: Pool | None = None,
              now: dt.datetime | None = None) -> list[SlotRow]:
    """Published slots starting in [start, end) of the pools the user sees, with seats left,
    bonus and what the caller may do (for an agent, the rule that would refuse a booking)."""
    from roadie.desk.scheduling import pricing
    from roadie.desk.scheduling.models import Swap, SwapStatus, WaitlistEntry, WaitStatus

    now = now or timezone.now()
    pools = [p for p in visible_pools(user) if pool is None or p.pk == pool.pk]
    slots = list(PlanSlot.objects.filter(
        plan__pool__in=pools, plan__status=PlanStatus.PUBLISHED,
        starts_at__gte=start, starts_at__lt=end,
    ).select_related("plan__pool").order_by("starts_at", "pk"))
    ensure_seats(slots)
    counters = {s.slot_id: s for s in SlotSeats.objects.filter(slot__in=slots)}
    bonuses: dict[int, Decimal] = {}
    for plan in {s.plan for s in slots}:
        bonuses.update(pricing.plan_bonuses(plan))
    agent = getattr(user, "agent", None)
    mine: dict[int, int] = {}
    waiting: set[int] = set()
    offered: set[int] = set()
    held: list[rules_engine.Slot] = []
    roadie = None
    brands = pool_brand_ids(p.pk for p in pools)
    if agent is not None:
        mine = dict(Booking.objects.filter(agent=agent, status=BookingStatus.BOOKED,
                                           slot__in=slots).values_list("slot_id", "pk"))
        waiting = set(WaitlistEntry.objects.filter(agent=agent, status=WaitStatus.WAITING,
                                                   slot__in=slots)
                      .values_list("slot_id", flat=True))
        offered = set(Swap.objects.filter(booking__agent=agent, status=SwapStatus.OPEN)
                      .values_list("booking_id", flat=True))
        held = held_slots(agent)
        roadie = roadie_view(agent, window=rules_engine.Window(), now=now)
    windows: dict[int, rules_engine.Window] = {}
    rules: dict[int, rules_engine.Rules] = {}
    out = []
    for s in slots:
        c = counters[s.pk]
        view = slot_view(s, brand_ids=brands.get(s.plan.pool_id, frozenset()),
                         booked=c.booked, seats=c.seats)
        refusal = found = None
        if s.pk in mine:
            status = "booked"
        else:
            window = windows.setdefault(s.plan_id, window_for(s.plan))
            pool_rules = rules.setdefault(s.plan.pool_id, rules_for_pool_id(s.plan.pool_id))
            closed = rules_engine.closed(view, roadie or rules_engine.Roadie(0, frozenset()),
                                         window, now)
            status = ("closed" if closed is not None
                      else "open" if c.booked < c.seats else "full")
            if roadie is not None:
                if window.early_opens_at is not None and window.opens_at is not None \
                        and window.early_opens_at <= now < window.opens_at:
                    roadie = roadie_view(agent, now=now)
                found = rules_engine.check_book(slot=view, agent=roadie, held=held,
                                                rules=pool_rules, window=window, now=now)
                refusal = found.code if found else None
        out.append(SlotRow(slot=s, pool_slug=s.plan.pool.slug, seats=c.seats, booked=c.booked,
                           bonus=bonuses.get(s.pk, Decimal("0")), status=status,
                           booking_id=mine.get(s.pk), waiting=s.pk in waiting,
                           swap_offered=mine.get(s.pk) in offered, refusal=refusal,
                           refusal_params=found.params if found else None))
    return out


@dataclass(frozen=True)
class WeekHours:
    week_start: dt.date
    hours: Decimal
    max_hours: float
    min_hours: float
    under_minimum: bool


def my_bookings(agent: Agent, *, start: dt.datetime, end: dt.datetime) -> list[Booking]:
    return list(Booking.objects.filter(agent=agent, status=BookingStatus.BOOKED,
                                       slot__starts_at__gte=start, slot__starts_at__lt=end)
                .select_related("slot__plan__pool").order_by("slot__starts_at"))


def week_hours(agent: Agent, bookings: list[Booking]) -> list[WeekHours]:
    """Hours booked per week (Monday to Sunday) against the limits of the agent's pools (the
    strictest maximum, the default minimum), with the ``min_week_hours`` warning."""
    totals: dict[dt.date, float] = defaultdict(float)
    limits: dict[dt.date, rules_engine.Rules] = {}
    for b in bookings:
        monday = b.slot.day - dt.timedelta(days=b.slot.day.weekday())
        totals[monday] += b.slot.hours
        rules = rules_for_pool_id(b.slot.plan.pool_id)
        if monday not in limits or rules.max_week_hours < limits[monday].max_week_hours:
            limits[monday] = rules
    base = rules_engine.Rules()
    return [WeekHours(week_start=m, hours=_dec(h),
                      max_hours=limits.get(m, base).max_week_hours,
                      min_hours=limits.get(m, base).min_week_hours,
                      under_minimum=h < limits.get(m, base).min_week_hours)
            for m, h in sorted(totals.items())]


@dataclass(frozen=True)
class CoverageRow:
    start: dt.datetime
    required: int
    booked: int
    on_shift: int | None     # None for intervals still to come
    gap: int
    who: tuple[str, ...]


def coverage(pool: Pool, day: dt.date, *, now: dt.datetime | None = None) -> list[CoverageRow]:
    """Per 30-minute interval of ``day`` from 07:00 to 01:00: required roadies (the published
    plan's seats), booked, on shift (booked roadies available during the interval, for past and
    current intervals), the gap (required - booked) and who is booked."""
    from roadie.desk.scheduling.pricing import STEP, intervals

    now = now or timezone.now()
    day_start, _ = local_day_bounds(day)
    grid = [day_start + dt.timedelta(hours=7) + k * STEP for k in range(36)]
    slots = list(PlanSlot.objects.filter(plan__pool=pool, plan__status=PlanStatus.PUBLISHED,
                                         day=day))
    required: dict[dt.datetime, int] = defaultdict(int)
    for s in slots:
        for t in intervals(pieces(s)):
            required[t] += s.roadies
    bookings = list(Booking.objects.filter(slot__in=slots, status=BookingStatus.BOOKED)
                    .select_related("agent__user", "slot"))
    spans = available_spans([b.agent_id for b in bookings], start=grid[0],
                            end=min(grid[-1] + STEP, now)) if bookings else {}
    who: dict[dt.datetime, list[str]] = defaultdict(list)
    present: dict[dt.datetime, int] = defaultdict(int)
    for b in bookings:
        name = b.agent.user.get_full_name() or b.agent.user.username
        for t in intervals(pieces(b.slot)):
            who[t].append(name)
            if t <= now and any(a < t + STEP and c > t for a, c in spans.get(b.agent_id, [])):
                present[t] += 1
    return [CoverageRow(start=t, required=required[t], booked=len(who[t]),
                        on_shift=present[t] if t <= now else None,
                        gap=max(required[t] - len(who[t]), 0), who=tuple(sorted(who[t])))
            for t in grid]


def uncovered(*, now: dt.datetime | None = None, hours: int = 48) -> list[SlotRow]:
    """Published slots starting in the next ``hours`` with seats left (the board's alert)."""
    now = now or timezone.now()
    slots = list(PlanSlot.objects.filter(plan__status=PlanStatus.PUBLISHED,
                                         starts_at__gte=now,
                                         starts_at__lt=now + dt.timedelta(hours=hours))
                 .select_related("plan__pool").order_by("starts_at"))
    ensure_seats(slots)
    counters = {s.slot_id: s for s in SlotSeats.objects.filter(slot__in=slots)}
    return [SlotRow(slot=s, pool_slug=s.plan.pool.slug, seats=counters[s.pk].seats,
                    booked=counters[s.pk].booked, bonus=Decimal("0"), status="open")
            for s in slots if counters[s.pk].booked < counters[s.pk].seats]


def current_and_next(agent: Agent, *, now: dt.datetime | None = None
                     ) -> tuple[Booking | None, Booking | None]:
    """The agent's booked slot covering now (either part), and the next one to start."""
    now = now or timezone.now()
    live = (Booking.objects.filter(agent=agent, status=BookingStatus.BOOKED)
            .select_related("slot__plan__pool"))
    current = live.filter(Q(slot__starts_at__lte=now, slot__ends_at__gt=now)
                          | Q(slot__second_starts_at__lte=now, slot__second_ends_at__gt=now)
                          ).first()
    nxt = live.filter(slot__starts_at__gt=now).order_by("slot__starts_at").first()
    return current, nxt
