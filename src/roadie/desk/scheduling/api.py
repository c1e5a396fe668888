"""API of self-scheduling: slots, bookings, swaps, waiting lists, a roadie's week, coverage.

A refused action answers ``409`` with ``{"code": ..., "message": ...}``: the rule's code and
its message in the caller's language; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import wraps

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts.access import can_supervise
from roadie.desk.agents.models import Agent
from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Pool
from roadie.desk.scheduling import actions, lib
from roadie.desk.scheduling.messages import refusal_message, warning_message
from roadie.desk.scheduling.models import Booking, Swap, SwapStatus

router = Router(tags=["scheduling"])


class Refused(Schema):
    code: str = Field(..., description="The rule that refused: not_certified, full, overlap, "
                      "max_day_hours, max_week_hours, rest, notice, closed (or open for a "
                      "waiting list on a slot with seats left)")
    message: str


class SlotOut(Schema):
    id: int
    pool: str
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    second_start: dt.datetime | None
    second_end: dt.datetime | None
    hours: float
    seats: int
    booked: int
    bonus: str = Field(..., description="Decimal string, euros")
    status: str = Field(..., description="open, full, closed or booked (by you)")
    booking: int | None = Field(None, description="Your booking of this slot, if any")
    waiting: bool = False
    refusal: str | None = Field(None, description="The rule that would refuse your booking")


class BookingOut(Schema):
    id: int
    slot: int
    status: str
    pool: str
    start: dt.datetime
    end: dt.datetime
    second_start: dt.datetime | None
    second_end: dt.datetime | None
    hours: float
    bonus: str
    booked_at: dt.datetime
    swap_offered: bool = False


class WeekOut(Schema):
    week_start: dt.date
    hours: Decimal
    max_hours: float
    min_hours: float
    warning: str | None


class ScheduleOut(Schema):
    bookings: list[BookingOut]
    weeks: list[WeekOut]


class ReleaseIn(Schema):
    late: bool = Field(False, description="Release inside the notice window, counted "
                       "against your reliability")


class SwapIn(Schema):
    to: str | None = Field(None, description="A colleague's username; empty for the board")


class SwapOut(Schema):
    booking: int
    to: str | None
    status: str
    slot: SlotOut | None = None


class WaitOut(Schema):
    slot: int
    status: str
    position: int


class IntervalOut(Schema):
    start: dt.datetime
    required: int
    booked: int
    on_shift: int | None
    gap: int
    who: list[str]


class SlotFilter(Schema):
    pool: str | None = None
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None
    open: bool = False


class RangeFilter(Schema):
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


def _agent(request) -> Agent:
    agent = getattr(request.auth, "agent", None)
    if agent is None:
        raise HttpError(403, "only roadies (agents) book slots")
    return agent


def _refused(request, exc: actions.BookingRefused):
    with translation.override(getattr(request.auth, "language", None) or "en"):
        return Status(409, {"code": exc.code, "message": refusal_message(exc.refusal)})


def booking_action(view):
    """A roadie's booking action: a rule that refuses answers 409 with its code and message
    (nothing written), a slot or booking not found 404."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except actions.BookingRefused as exc:
            return _refused(request, exc)
        except actions.NotFound as exc:
            raise HttpError(404, str(exc)) from None
    return wrapped


def _range(start: dt.date | None, end: dt.date | None, *, days: int) -> tuple:
    first = start or timezone.localdate()
    last = end or first + dt.timedelta(days=days)
    if last < first:
        raise HttpError(422, "to: must not be before from")
    if (last - first).days > 62:
        raise HttpError(422, "to: at most 62 days after from")
    return lib.local_day_bounds(first)[0], lib.local_day_bounds(last)[0]


def slot_out(row: lib.SlotRow) -> dict:
    s = row.slot
    return {"id": s.pk, "pool": row.pool_slug, "day": s.day, "start": s.starts_at,
            "end": s.ends_at, "second_start": s.second_starts_at,
            "second_end": s.second_ends_at, "hours": s.hours, "seats": row.seats,
            "booked": row.booked, "bonus": str(row.bonus), "status": row.status,
            "booking": row.booking_id, "waiting": row.waiting, "refusal": row.refusal}


def booking_out(b: Booking, *, swap_offered: bool = False) -> dict:
    s = b.slot
    return {"id": b.pk, "slot": s.pk, "status": b.status, "pool": s.plan.pool.slug,
            "start": s.starts_at, "end": s.ends_at, "second_start": s.second_starts_at,
            "second_end": s.second_ends_at, "hours": s.hours, "bonus": str(b.bonus),
            "booked_at": b.booked_at, "swap_offered": swap_offered}


@router.get("/slots", response={200: list[SlotOut], 404: Error, 422: Error})
def slots(request: HttpRequest, filters: Query[SlotFilter]):
    """Published slots the caller may book or see (an agent: pools of their brands; a
    supervisor: every pool), from ``from`` (default today) to ``to`` (default a week later);
    ``open=1`` keeps only the slots the caller could book now."""
    pool = get_object_or_404(Pool, slug=filters.pool) if filters.pool else None
    start, end = _range(filters.from_, filters.to, days=7)
    rows = lib.slot_rows(request.auth, start=start, end=end, pool=pool)
    if filters.open:
        rows = [r for r in rows if r.status == "open" and r.refusal is None]
    return [slot_out(r) for r in rows]


@router.post("/slots/{slot_id}/book", response={201: BookingOut, 403: Error, 404: Error,
                                                  409: Refused})
@booking_action
def book(request: HttpRequest, slot_id: int):
    """Book one seat of the slot (an agent's token)."""
    return Status(201, booking_out(actions.book(agent=_agent(request), slot_id=slot_id)))


@router.post("/bookings/{booking_id}/release", response={200: BookingOut, 403: Error,
                                                           404: Error, 409: Refused})
@booking_action
def release(request: HttpRequest, booking_id: int, payload: ReleaseIn | None = None):
    """Give the seat back. Less than 48 h before the start this answers ``notice`` unless
    ``late`` is true (then the release counts against the roadie's reliability)."""
    return booking_out(actions.release(agent=_agent(request), booking_id=booking_id,
                                       late=bool(payload and payload.late)))


@router.post("/bookings/{booking_id}/swap", response={201: SwapOut, 403: Error, 404: Error,
                                                        409: Refused, 422: Error})
@booking_action
def swap(request: HttpRequest, booking_id: int, payload: SwapIn | None = None):
    """Offer the booking to a named colleague (``{"to": username}``) or to the board."""
    agent = _agent(request)
    to = None
    if payload and payload.to:
        to = Agent.objects.filter(user__username=payload.to).first()
        if to is None:
            raise HttpError(422, f"to: no roadie named {payload.to!r}")
    offered = actions.offer_swap(agent=agent, booking_id=booking_id, to=to)
    return Status(201, {"booking": booking_id, "to": payload.to if to else None,
                 "status": offered.status})


@router.post("/bookings/{booking_id}/take", response={201: BookingOut, 403: Error,
                                                        404: Error, 409: Refused})
@booking_action
def take(request: HttpRequest, booking_id: int):
    """Take over a slot offered on the board (or to you)."""
    return Status(201, booking_out(actions.take_swap(agent=_agent(request), booking_id=booking_id)))


@router.post("/bookings/{booking_id}/decline", response={200: BookingOut, 403: Error,
                                                           404: Error, 409: Refused})
@booking_action
def decline(request: HttpRequest, booking_id: int):
    """Decline a seat the waiting list gave you (not counted against you)."""
    return booking_out(actions.decline_seat(agent=_agent(request), booking_id=booking_id))


@router.get("/swaps", response={200: list[SwapOut], 403: Error})
def board(request: HttpRequest):
    """The swap board: slots offered to everyone, and those offered to you by name."""
    agent = _agent(request)
    offers = (Swap.objects.filter(status=SwapStatus.OPEN,
                                  booking__slot__starts_at__gt=timezone.now())
              .exclude(booking__agent=agent)
              .select_related("booking__slot__plan__pool", "to_agent__user"))
    return [{"booking": s.booking_id, "to": s.to_agent.user.username if s.to_agent else None,
             "status": s.status}
            for s in offers if s.to_agent_id in (None, agent.pk)]


@router.post("/slots/{slot_id}/waitlist", response={201: WaitOut, 403: Error, 404: Error,
                                                      409: Refused})
@booking_action
def waitlist(request: HttpRequest, slot_id: int):
    """Join the waiting list of a full slot; on a release the first in line gets the seat."""
    entry = actions.join_waitlist(agent=_agent(request), slot_id=slot_id)
    position = type(entry).objects.filter(slot_id=slot_id, status=entry.status,
                                          created_at__lte=entry.created_at).count()
    return Status(201, {"slot": slot_id, "status": entry.status, "position": position})


@router.delete("/slots/{slot_id}/waitlist", response={204: None, 403: Error})
def leave_waitlist(request: HttpRequest, slot_id: int):
    actions.leave_waitlist(agent=_agent(request), slot_id=slot_id)
    return Status(204, None)


@router.get("/me/schedule", response={200: ScheduleOut, 403: Error, 422: Error})
def my_schedule(request: HttpRequest, filters: Query[RangeFilter]):
    """The caller's bookings from ``from`` (default: this week's Monday) to ``to`` (default:
    two weeks later), with hours per week against the limits."""
    agent = _agent(request)
    today = timezone.localdate()
    start, end = _range(filters.from_ or today - dt.timedelta(days=today.weekday()),
                        filters.to, days=14)
    bookings = lib.my_bookings(agent, start=start, end=end)
    offered = set(Swap.objects.filter(booking__in=bookings, status=SwapStatus.OPEN)
                  .values_list("booking_id", flat=True))
    with translation.override(request.auth.language or "en"):
        weeks = [{"week_start": w.week_start, "hours": w.hours, "max_hours": w.max_hours,
                  "min_hours": w.min_hours,
                  "warning": warning_message({"hours": w.hours, "limit": w.min_hours})
                  if w.under_minimum else None}
                 for w in lib.week_hours(agent, bookings)]
    return {"bookings": [booking_out(b, swap_offered=b.pk in offered) for b in bookings],
            "weeks": weeks}


@router.get("/pools/{slug}/coverage", response={200: list[IntervalOut], 403: Error,
                                                  404: Error})
def pool_coverage(request: HttpRequest, slug: str, date: dt.date | None = None):
    """Per 30-minute interval from 07:00 to 01:00: required roadies (the published plan),
    booked, on shift (past and current intervals), the gap, who is booked. Supervisors."""
    if not can_supervise(request.auth):
        raise HttpError(403, "coverage is for supervisors")
    pool = get_object_or_404(Pool, slug=slug)
    rows = lib.coverage(pool, date or timezone.localdate())
    return [{"start": r.start, "required": r.required, "booked": r.booked,
             "on_shift": r.on_shift, "gap": r.gap, "who": list(r.who)} for r in rows]
