"""Booking rules of the self-scheduling marketplace, as plain functions over frozen dataclasses.

Each rule is a function named after the code it answers when it refuses (``not_certified``,
``full``, ``overlap``, ``max_day_hours``, ``max_week_hours``, ``rest``, ``notice``, ``closed``);
it returns a :class:`Refusal` or ``None``. ``min_week_hours`` is a warning, never a refusal.
A working day is the slot's ``day`` (a split day, or a slot ending after midnight, counts as the
day it starts); weeks run Monday to Sunday.

>>> from datetime import date, datetime, timezone as tz
>>> t = lambda h: datetime(2026, 12, 7, h, tzinfo=tz.utc)
>>> slot = Slot(id=1, pool_id=1, brand_ids=frozenset({1}), day=date(2026, 12, 7),
...             pieces=((t(7), t(15)),), seats=2, booked=0)
>>> check_book(slot=slot, agent=Roadie(id=1, brand_ids=frozenset({2})), held=(),
...            rules=Rules(), window=Window(), now=t(0)).code
'not_certified'
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Rules:
    """The operator's defaults; a pool may override any of them."""

    max_day_hours: float = 10.0
    max_week_hours: float = 48.0
    min_week_hours: float = 15.0
    rest_hours: float = 11.0
    notice_hours: float = 48.0
    swap_close_hours: float = 2.0
    no_show_minutes: float = 10.0


@dataclass(frozen=True)
class Slot:
    """A published slot: one piece, or two for a split day (booked whole)."""

    id: int
    pool_id: int
    brand_ids: frozenset[int]
    day: dt.date
    pieces: tuple[tuple[dt.datetime, dt.datetime], ...]
    seats: int
    booked: int

    @property
    def start(self) -> dt.datetime:
        return self.pieces[0][0]

    @property
    def end(self) -> dt.datetime:
        return self.pieces[-1][1]

    @property
    def hours(self) -> float:
        return sum((b - a) / HOUR for a, b in self.pieces)

    @property
    def week(self) -> tuple[int, int]:
        iso = self.day.isocalendar()
        return (iso[0], iso[1])


@dataclass(frozen=True)
class Roadie:
    id: int
    brand_ids: frozenset[int]
    reliability: float = 1.0


@dataclass(frozen=True)
class Window:
    """When booking opens: ``opens_at`` for everyone, ``early_opens_at`` for roadies whose
    reliability is at least ``early_min_reliability``. ``None`` opens at once."""

    published: bool = True
    opens_at: dt.datetime | None = None
    early_opens_at: dt.datetime | None = None
    early_min_reliability: float = 0.95

    def open_for(self, roadie: Roadie, now: dt.datetime) -> bool:
        if not self.published:
            return False
        if self.opens_at is None or now >= self.opens_at:
            return True
        return (self.early_opens_at is not None and now >= self.early_opens_at
                and roadie.reliability >= self.early_min_reliability)


@dataclass(frozen=True)
class Refusal:
    """A refused action: the rule's ``code`` and the figures its message needs."""

    code: str
    params: dict = field(default_factory=dict, hash=False, compare=False)


CODES = ("not_certified", "full", "overlap", "max_day_hours", "max_week_hours", "rest",
         "notice", "closed")
WARNINGS = ("min_week_hours",)
# Refusals of going available (not of a booking action).
LOGIN_CODES = ("outside_slots",)


# --- the rules ------------------------------------------------------------------------------

def not_certified(slot: Slot, agent: Roadie) -> Refusal | None:
    """The roadie must be certified for at least one brand of the slot's pool."""
    if slot.brand_ids & agent.brand_ids:
        return None
    return Refusal("not_certified")


def full(slot: Slot) -> Refusal | None:
    if slot.booked < slot.seats:
        return None
    return Refusal("full", {"seats": slot.seats})


def overlap(slot: Slot, held: Sequence[Slot]) -> Refusal | None:
    """No two bookings of a roadie overlap (any piece of one with any piece of the other)."""
    for other in held:
        if other.id == slot.id:
            return Refusal("overlap", {"slot": other.id})
        for a, b in slot.pieces:
            for c, d in other.pieces:
                if a < d and c < b:
                    return Refusal("overlap", {"slot": other.id})
    return None


def _hours_by(slots: Iterable[Slot], key) -> dict:
    out: dict = defaultdict(float)
    for s in slots:
        out[key(s)] += s.hours
    return out


def max_day_hours(slot: Slot, held: Sequence[Slot], rules: Rules) -> Refusal | None:
    total = _hours_by([*held, slot], lambda s: s.day)[slot.day]
    if total <= rules.max_day_hours + 1e-9:
        return None
    return Refusal("max_day_hours", {"limit": rules.max_day_hours, "hours": total})


def max_week_hours(slot: Slot, held: Sequence[Slot], rules: Rules) -> Refusal | None:
    total = _hours_by([*held, slot], lambda s: s.week)[slot.week]
    if total <= rules.max_week_hours + 1e-9:
        return None
    return Refusal("max_week_hours", {"limit": rules.max_week_hours, "hours": total})


def working_days(slots: Iterable[Slot]) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """(day, first start, last end) of each working day, in order."""
    days: dict[dt.date, list[dt.datetime]] = {}
    for s in slots:
        span = days.setdefault(s.day, [s.start, s.end])
        span[0] = min(span[0], s.start)
        span[1] = max(span[1], s.end)
    return [(d, a, b) for d, (a, b) in sorted(days.items())]


def rest_gaps(slots: Iterable[Slot]) -> list[float]:
    """Hours between the end of each working day and the start of the next one."""
    days = working_days(slots)
    return [(nxt[1] - prev[2]) / HOUR for prev, nxt in zip(days, days[1:], strict=False)]


def rest(slot: Slot, held: Sequence[Slot], rules: Rules) -> Refusal | None:
    """At least ``rest_hours`` between the end of one working day and the start of the next."""
    gaps = rest_gaps([*held, slot])
    short = [g for g in gaps if g < rules.rest_hours - 1e-9]
    if not short:
        return None
    return Refusal("rest", {"limit": rules.rest_hours, "hours": round(min(short), 2)})


def closed(slot: Slot, agent: Roadie, window: Window, now: dt.datetime) -> Refusal | None:
    """Booking is not open yet for this roadie, or the slot has started."""
    if now >= slot.start:
        return Refusal("closed", {"reason": "started"})
    if not window.open_for(agent, now):
        return Refusal("closed", {"reason": "not_open", "opens_at": window.opens_at})
    return None


def notice(slot: Slot, rules: Rules, now: dt.datetime) -> Refusal | None:
    """A booking cannot be released less than ``notice_hours`` before its start."""
    if slot.start - now >= rules.notice_hours * HOUR:
        return None
    return Refusal("notice", {"limit": rules.notice_hours})


def swap_closed(slot: Slot, rules: Rules, now: dt.datetime) -> Refusal | None:
    """Swaps close ``swap_close_hours`` before the start (answered as ``closed``)."""
    if slot.start - now > rules.swap_close_hours * HOUR:
        return None
    return Refusal("closed", {"reason": "swaps_closed", "limit": rules.swap_close_hours})


def min_week_hours(slot_week: tuple[int, int], held: Sequence[Slot],
                   rules: Rules) -> dict | None:
    """A warning (never a refusal): the week's hours are under the pool's minimum."""
    total = _hours_by(held, lambda s: s.week).get(slot_week, 0.0)
    if total >= rules.min_week_hours:
        return None
    return {"code": "min_week_hours", "limit": rules.min_week_hours, "hours": total}


# --- the checks actions run ------------------------------------------------------------------

def outside_slots(allows: dict[int, bool], on_shift: frozenset[int]) -> Refusal | None:
    """Going available: ``allows`` maps each pool the roadie works in to whether it allows
    logging in outside a booked slot (``PoolRules.login_outside_slots``). Refused only when
    every one of those pools forbids it and the roadie is on a booked slot of none of them."""
    if not allows or any(allows.values()) or on_shift & set(allows):
        return None
    return Refusal("outside_slots", {"pools": tuple(sorted(allows))})


def check_schedule(slot: Slot, held: Sequence[Slot], rules: Rules) -> Refusal | None:
    """The rules about the roadie's own week: overlap, day and week limits, rest."""
    return (overlap(slot, held) or max_day_hours(slot, held, rules)
            or max_week_hours(slot, held, rules) or rest(slot, held, rules))


def check_book(*, slot: Slot, agent: Roadie, held: Sequence[Slot], rules: Rules,
               window: Window, now: dt.datetime, need_seat: bool = True) -> Refusal | None:
    """Whether ``agent`` may book ``slot`` given the slots ``held``; the first refusal, in the
    order closed, not_certified, full, then the schedule rules. ``need_seat=False`` for taking
    over a swapped seat (the seat is already counted)."""
    return (closed(slot, agent, window, now) or not_certified(slot, agent)
            or (full(slot) if need_seat else None) or check_schedule(slot, held, rules))


def check_release(*, slot: Slot, rules: Rules, now: dt.datetime,
                  late: bool = False) -> Refusal | None:
    """Releasing: not once started; inside the notice window only when ``late`` (recorded
    against the roadie's reliability)."""
    if now >= slot.start:
        return Refusal("closed", {"reason": "started"})
    if late:
        return None
    return notice(slot, rules, now)


def check_take(*, slot: Slot, agent: Roadie, held: Sequence[Slot], rules: Rules,
               now: dt.datetime) -> Refusal | None:
    """Taking a swap: swaps close before the start; the taker must be certified and keep
    within their own schedule rules."""
    return (swap_closed(slot, rules, now) or not_certified(slot, agent)
            or check_schedule(slot, held, rules))


def schedule_ok(slots: Sequence[Slot], rules: Rules) -> bool:
    """The invariant of a roadie's bookings: no overlap, no day or week over the limits, rest
    kept between working days (used by the property tests)."""
    for i, s in enumerate(slots):
        if overlap(s, slots[:i]) is not None:
            return False
    days = _hours_by(slots, lambda s: s.day)
    weeks = _hours_by(slots, lambda s: s.week)
    return (all(h <= rules.max_day_hours + 1e-9 for h in days.values())
            and all(h <= rules.max_week_hours + 1e-9 for h in weeks.values())
            and all(g >= rules.rest_hours - 1e-9 for g in rest_gaps(slots)))


# --- reliability -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Attendance:
    """One past booking: its hours, the hours available within it, whether it was a no-show,
    whether it was released late."""

    booked_hours: float
    attended_hours: float
    no_show: bool
    late_release: bool = False


def is_no_show(pieces: Sequence[tuple[dt.datetime, dt.datetime]],
               available: Sequence[tuple[dt.datetime, dt.datetime]], rules: Rules) -> bool:
    """A no-show: not available at any moment of the first ``no_show_minutes`` of the slot."""
    start = pieces[0][0]
    limit = start + dt.timedelta(minutes=rules.no_show_minutes)
    return not any(a < limit and b > start for a, b in available)


def attended_hours(pieces: Sequence[tuple[dt.datetime, dt.datetime]],
                   available: Sequence[tuple[dt.datetime, dt.datetime]]) -> float:
    total = dt.timedelta()
    for a, b in pieces:
        for c, d in available:
            lo, hi = max(a, c), min(b, d)
            if hi > lo:
                total += hi - lo
    return total / HOUR


def adherence(rows: Sequence[Attendance]) -> float | None:
    """Commitment adherence: attended hours over booked hours (``None`` with nothing booked)."""
    booked = sum(r.booked_hours for r in rows if not r.late_release)
    if booked <= 0:
        return None
    return min(1.0, sum(r.attended_hours for r in rows if not r.late_release) / booked)


def reliability(rows: Sequence[Attendance]) -> float:
    """Share of commitments kept: bookings that were neither no-shows nor released late.
    A roadie with no history starts at 1.0."""
    if not rows:
        return 1.0
    kept = sum(1 for r in rows if not r.no_show and not r.late_release)
    return kept / len(rows)
