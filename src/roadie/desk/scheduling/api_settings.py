"""API of the booking settings (the supervisors' page ``/schedule/settings/``): a pool's booking
rules, bonus budget and login rule, a plan's booking window, a slot's fixed bonus.

Supervisors and the administrator (``can_supervise``), with a ``write`` token or the page's
session. Writes go through ``scheduling.actions`` like the pages: a refusal is ``422`` naming
the field, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from roadie.desk.accounts.access import can_supervise
from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Pool
from roadie.desk.planning.models import SlotPlan
from roadie.desk.scheduling import actions, lib
from roadie.desk.scheduling.models import PlanWindow, PoolRules
from roadie.engine.scheduling import Rules

router = Router(tags=["scheduling"])

RULE_FIELDS = ("max_day_hours", "max_week_hours", "min_week_hours", "rest_hours", "notice_hours",
               "swap_close_hours", "budget_per_point")
DEFAULT_RELIABILITY = Decimal("0.950")


class BookingRulesIn(Schema):
    max_day_hours: Decimal | None = Field(None, description="null: the default (10)")
    max_week_hours: Decimal | None = Field(None, description="Monday to Sunday; null: 48")
    min_week_hours: Decimal | None = Field(None, description="a warning to the roadie; null: 15")
    rest_hours: Decimal | None = Field(None, description="between two working days; null: 11")
    notice_hours: Decimal | None = Field(None, description="release at least this long before; null: 48")
    swap_close_hours: Decimal | None = Field(None, description="swaps close this long before; null: 2")
    budget_per_point: Decimal | None = Field(None, description="€ per point of service level; null: 0.50")
    login_outside_slots: bool = Field(True, description="roadies may go available outside a booked slot")


class BookingRulesOut(BookingRulesIn):
    pool: str
    defaults: dict[str, Decimal] = Field(description="what a null field means")


class WindowIn(Schema):
    opens_at: dt.datetime | None = Field(None, description="null: at publication")
    early_opens_at: dt.datetime | None = Field(None, description="early access, before opens_at")
    early_min_reliability: Decimal = Field(DEFAULT_RELIABILITY, description="0 to 1")


class WindowOut(WindowIn):
    plan: int
    pool: str
    first_day: dt.date


class BonusIn(Schema):
    amount: Decimal = Field(..., description="euros, 0 or more; added to the priced bonus")


class BonusOut(Schema):
    slot: int
    fixed_bonus: str = Field(description="decimal string, euros")


def _supervisor(request) -> None:
    if not can_supervise(request.auth):
        raise HttpError(403, "booking settings are for supervisors")


def rules_out(pool: Pool) -> dict:
    own = PoolRules.objects.filter(pool=pool).first()
    defaults = Rules()
    return {"pool": pool.slug, **{f: getattr(own, f, None) for f in RULE_FIELDS},
            "login_outside_slots": own.login_outside_slots if own else True,
            "defaults": {**{f: Decimal(str(getattr(defaults, f))) for f in RULE_FIELDS[:-1]},
                         "budget_per_point": lib.DEFAULT_BUDGET_PER_POINT}}


def window_out(plan: SlotPlan) -> dict:
    w = PlanWindow.objects.filter(plan=plan).first()
    return {"plan": plan.pk, "pool": plan.pool.slug, "first_day": plan.first_day,
            "opens_at": w.opens_at if w else None, "early_opens_at": w.early_opens_at if w else None,
            "early_min_reliability": w.early_min_reliability if w else DEFAULT_RELIABILITY}


@router.get("/pools/{slug}/booking-rules", response={200: BookingRulesOut, 403: Error, 404: Error})
def get_booking_rules(request: HttpRequest, slug: str):
    """The pool's overrides of the booking rules (null: the default, given in ``defaults``)."""
    _supervisor(request)
    return rules_out(get_object_or_404(Pool, slug=slug))


@router.put("/pools/{slug}/booking-rules",
            response={200: BookingRulesOut, 403: Error, 404: Error, 422: Error})
def put_booking_rules(request: HttpRequest, slug: str, payload: BookingRulesIn):
    """Replace the pool's rules: a field absent or null goes back to the default. Bookings
    already made are not re-checked."""
    _supervisor(request)
    pool = get_object_or_404(Pool, slug=slug)
    values = payload.dict()
    login = values.pop("login_outside_slots")
    try:
        actions.set_pool_rules(pool=pool, values=values, login_outside_slots=login)
    except actions.SettingsError as exc:
        raise HttpError(422, str(exc)) from None
    return rules_out(pool)


@router.get("/plans/{plan_id}/booking-window", response={200: WindowOut, 403: Error, 404: Error})
def get_booking_window(request: HttpRequest, plan_id: int):
    """When the plan opens for booking, and the early opening for reliable roadies."""
    _supervisor(request)
    return window_out(get_object_or_404(SlotPlan.objects.select_related("pool"), pk=plan_id))


@router.put("/plans/{plan_id}/booking-window",
            response={200: WindowOut, 403: Error, 404: Error, 422: Error})
def put_booking_window(request: HttpRequest, plan_id: int, payload: WindowIn):
    """Set the plan's booking window; times carry their time zone (``2027-01-04T09:00:00+01:00``)."""
    _supervisor(request)
    plan = get_object_or_404(SlotPlan.objects.select_related("pool"), pk=plan_id)
    try:
        actions.set_plan_window(plan=plan, opens_at=payload.opens_at, early_opens_at=payload.early_opens_at,
                                early_min_reliability=payload.early_min_reliability)
    except actions.SettingsError as exc:
        raise HttpError(422, str(exc)) from None
    return window_out(plan)


@router.put("/slots/{slot_id}/bonus", response={200: BonusOut, 403: Error, 404: Error, 422: Error})
def put_fixed_bonus(request: HttpRequest, slot_id: int, payload: BonusIn):
    """A supervisor's fixed bonus on a slot (the coverage page's field), for later bookings."""
    _supervisor(request)
    try:
        seats = actions.set_fixed_bonus(slot_id=slot_id, amount=payload.amount)
    except actions.NotFound:
        raise HttpError(404, f"no slot {slot_id}") from None
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None
    return {"slot": slot_id, "fixed_bonus": str(seats.fixed_bonus)}
