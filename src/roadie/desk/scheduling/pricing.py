"""Slot bonuses of a pool's published plan, priced by ``roadie.engine.slot_bonus`` from the
plan's required roadies and the bookings so far, plus the supervisor's fixed bonus."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

import numpy as np

from roadie.desk.brands.models import ServiceLevelPolicy
from roadie.desk.planning.models import PlanSlot
from roadie.desk.scheduling import lib
from roadie.desk.scheduling.models import SlotSeats
from roadie.engine.slot_bonus import QueueTarget, next_roadie_gain, price

STEP = dt.timedelta(minutes=30)


def intervals(parts: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[dt.datetime]:
    """The 30-minute interval starts covered by a slot's pieces."""
    out = []
    for a, b in parts:
        t = a
        while t < b:
            out.append(t)
            t += STEP
    return out


def plan_coverage(plan_id: int) -> tuple[dict[dt.datetime, int], dict[dt.datetime, int]]:
    """Required (seats) and booked roadies per interval start of one plan."""
    required: dict[dt.datetime, int] = defaultdict(int)
    booked: dict[dt.datetime, int] = defaultdict(int)
    counts = dict(SlotSeats.objects.filter(slot__plan_id=plan_id)
                  .values_list("slot_id", "booked"))
    for slot in PlanSlot.objects.filter(plan_id=plan_id):
        for t in intervals(lib.pieces(slot)):
            required[t] += slot.roadies
            booked[t] += counts.get(slot.pk, 0)
    return required, booked


def pool_target(pool_id: int) -> QueueTarget:
    policies = list(ServiceLevelPolicy.objects.filter(brand__pools__id=pool_id)
                    .values_list("target", "answer_seconds"))
    targets = [float(t) for t, _ in policies if 0 < float(t) < 1]
    answers = [float(a) for _, a in policies if a]
    return QueueTarget(service_level=max(targets, default=0.8),
                       answer_seconds=min(answers, default=20.0))


def _price(slot: PlanSlot, *, required, booked, target, budget, fixed) -> Decimal:
    times = intervals(lib.pieces(slot))
    gains = next_roadie_gain(required=np.array([required[t] for t in times]),
                             booked=np.array([booked[t] for t in times]), target=target)
    return price(gains=gains, interval_hours=0.5, budget_per_point_hour=budget) + (
        fixed or Decimal("0"))


def plan_bonuses(plan) -> dict[int, Decimal]:
    """Bonus of every slot of ``plan`` (priced part + fixed part), as it stands now."""
    slots = list(PlanSlot.objects.filter(plan=plan))
    lib.ensure_seats(slots)
    required, booked = plan_coverage(plan.pk)
    fixed = dict(SlotSeats.objects.filter(slot__plan=plan).values_list("slot_id", "fixed_bonus"))
    target = pool_target(plan.pool_id)
    budget = lib.budget_per_point(plan.pool)
    return {s.pk: _price(s, required=required, booked=booked, target=target, budget=budget,
                         fixed=fixed.get(s.pk)) for s in slots}


def slot_bonus(slot: PlanSlot, *, seats: SlotSeats | None = None) -> Decimal:
    """The bonus of one slot now (what a booking made now records)."""
    required, booked = plan_coverage(slot.plan_id)
    seats = seats or SlotSeats.objects.get(slot=slot)
    return _price(slot, required=required, booked=booked, target=pool_target(slot.plan.pool_id),
                  budget=lib.budget_per_point(slot.plan.pool), fixed=seats.fixed_bonus)
