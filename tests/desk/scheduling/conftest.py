"""Factories for scheduling tests: a pool of brands, a published plan with chosen slots."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from sched_helpers import MONDAY, at

_seq = itertools.count(1)


@pytest.fixture
def make_pool(db, make_brand):
    from roadie.desk.brands.models import Pool

    def make(*, brands=None, slug: str | None = None) -> Pool:
        pool = Pool.objects.create(slug=slug or f"pool-{next(_seq)}", name="Pool")
        pool.brands.set(brands if brands is not None else [make_brand()])
        return pool

    return make


@pytest.fixture
def make_plan(db):
    """A published plan; ``slots`` are (day offset, start hour, end hour, seats) or
    (day, start, end, seats, second start, second end) for a split day."""
    from django.utils import timezone

    from roadie.desk.planning.models import PlanSlot, PlanStatus, SlotPlan

    def make(*, pool, slots, first_day: dt.date = MONDAY, published: bool = True,
             published_at: dt.datetime | None = None) -> SlotPlan:
        zero = Decimal("0")
        plan = SlotPlan.objects.create(
            pool=pool, first_day=first_day, days=7,
            status=PlanStatus.PUBLISHED if published else PlanStatus.PROPOSED,
            published_at=(published_at or timezone.now() - dt.timedelta(days=1))
            if published else None,
            required_hours=zero, paid_hours=zero, uncovered_hours=zero,
            solver_status="optimal", solver_gap=0.0)
        for spec in slots:
            day = first_day + dt.timedelta(days=spec[0])
            second = (at(day, spec[4]), at(day, spec[5])) if len(spec) > 4 else (None, None)
            PlanSlot.objects.create(plan=plan, day=day, starts_at=at(day, spec[1]),
                                    ends_at=at(day, spec[2]), roadies=spec[3],
                                    second_starts_at=second[0], second_ends_at=second[1])
        return plan

    return make
