"""Every write of planning: propose a pool's slots for a week, publish them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadie.desk.brands.models import Pool
from roadie.desk.planning import lib
from roadie.desk.planning.models import PLAN_TRANSITIONS, PlanSlot, PlanStatus, SlotPlan
from roadie.engine.chart import plan_svg
from roadie.engine.forecast import ForecastConfig, HistoryError
from roadie.engine.pipeline import run_pipeline
from roadie.engine.planning import SlotRules


class PlanningError(Exception):
    """A plan cannot be made or changed; the message is for the supervisor."""


def _hours(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def propose_plan(*, user, pool: Pool, first_day: dt.date, days: int = 7,
                 time_limit_seconds: float = 20.0) -> SlotPlan:
    """Forecast, staff and plan the pool's slots for ``days`` days from ``first_day``; any
    earlier proposal for that week is superseded (a published plan stays until replaced)."""
    from django.conf import settings

    try:
        history = lib.pool_history(pool, before=min(timezone.localdate(), first_day))
    except HistoryError as exc:
        raise PlanningError(str(exc)) from None
    if not history:
        raise PlanningError(_("No contacts in the last weeks: nothing to forecast from."))
    params = lib.pool_params(pool, sorted(history))
    try:
        result = run_pipeline(
            history, params=params, horizon_days=days,
            forecast_config=ForecastConfig(interval_minutes=lib.INTERVAL_MINUTES),
            rules=SlotRules(), time_limit_seconds=time_limit_seconds, tz=settings.TIME_ZONE,
            first_day=first_day,
        )
    except (HistoryError, ValueError) as exc:
        raise PlanningError(str(exc)) from None
    (plan_result,) = result.pools
    step_hours = lib.INTERVAL_MINUTES / 60
    with transaction.atomic():
        SlotPlan.objects.filter(pool=pool, first_day=first_day,
                                status=PlanStatus.PROPOSED).update(status=PlanStatus.SUPERSEDED)
        plan = SlotPlan.objects.create(
            pool=pool, first_day=result.start, days=days, created_by=user,
            required_hours=_hours(float(plan_result.requirement.values.sum()) * step_hours),
            paid_hours=_hours(plan_result.paid_hours),
            uncovered_hours=_hours(float(plan_result.under.sum()) * step_hours),
            solver_status=plan_result.status, solver_gap=plan_result.gap,
            forecast_contacts={sp.series: round(float(sp.forecast.values.sum()), 1)
                               for sp in result.series},
            chart_svg=plan_svg(result),
        )
        PlanSlot.objects.bulk_create([
            PlanSlot(
                plan=plan, day=slot.day, starts_at=slot.pieces[0][0], ends_at=slot.pieces[0][1],
                second_starts_at=slot.pieces[1][0] if len(slot.pieces) > 1 else None,
                second_ends_at=slot.pieces[1][1] if len(slot.pieces) > 1 else None,
                roadies=slot.roadies,
            )
            for slot in plan_result.slots
        ])
    return plan


def publish_plan(*, user, plan: SlotPlan) -> SlotPlan:
    """Open the plan's slots for booking; the pool's earlier published plan for the same week
    is superseded."""
    with transaction.atomic():
        plan = SlotPlan.objects.select_for_update().get(pk=plan.pk)
        if PlanStatus.PUBLISHED not in PLAN_TRANSITIONS[PlanStatus(plan.status)]:
            raise PlanningError(_("This plan can no longer be published."))
        SlotPlan.objects.filter(pool=plan.pool, first_day=plan.first_day,
                                status=PlanStatus.PUBLISHED).update(status=PlanStatus.SUPERSEDED)
        plan.status = PlanStatus.PUBLISHED
        plan.published_at = timezone.now()
        plan.published_by = user
        plan.save(update_fields=["status", "published_at", "published_by"])
    return plan
