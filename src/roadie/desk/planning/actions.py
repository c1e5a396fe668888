"""Every write of planning: propose a pool's slots for a week, publish them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roadie.desk.brands.models import Pool
from roadie.desk.planning import lib
from roadie.desk.planning.models import (
    PLAN_TRANSITIONS,
    REQUEST_TRANSITIONS,
    PlanRequest,
    PlanSlot,
    PlanStatus,
    RequestStatus,
    SlotPlan,
)
from roadie.engine.chart import LABELS, plan_svg
from roadie.engine.forecast import HistoryError
from roadie.engine.pipeline import run_pipeline
from roadie.engine.planning import SlotRules


class PlanningError(Exception):
    """A plan cannot be made or changed; the message is for the supervisor."""


def _hours(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _chart_labels() -> dict[str, str]:
    return {
        "requirement": _("requirement"), "coverage": _("coverage (slots)"),
        "roadies": _("roadies"), "forecast": _("forecast contacts"),
        "per_interval": _("contacts per interval"),
        "title": _("{pool}: {paid} paid hours, gap {gap}"),
    }


def _charts(result) -> dict[str, str]:
    from django.conf import settings
    from django.utils import translation

    charts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            charts[code] = plan_svg(result, labels=_chart_labels() if code != "en" else LABELS)
    return charts


def propose_plan(*, user, pool: Pool, first_day: dt.date, days: int = 7,
                 time_limit_seconds: float = 20.0, overrides: dict | None = None,
                 progress=None) -> SlotPlan:
    """Forecast, staff and plan the pool's slots for ``days`` days from ``first_day``, with
    the series' parameters changed by ``overrides`` ({series: {field: value}}); any earlier
    proposal for that week is superseded (a published plan stays until replaced).
    ``progress(per_cent, step)`` hears how far it got."""
    from dataclasses import asdict, replace

    from django.conf import settings

    report = progress or (lambda per_cent, step: None)
    report(5, "history")
    try:
        history = lib.pool_history(pool, before=min(timezone.localdate(), first_day))
    except HistoryError as exc:
        raise PlanningError(str(exc)) from None
    if not history:
        raise PlanningError(_("No contacts in the last weeks: nothing to forecast from."))
    params = lib.pool_params(pool, sorted(history))
    for series, changes in (overrides or {}).items():
        if series in params:
            params[series] = replace(params[series], **lib.engine_fields(changes))
    report(10, "forecast")
    try:
        result = run_pipeline(
            history, params=params, horizon_days=days,
            forecast_config=lib.FORECAST_CONFIG,
            rules=SlotRules(), time_limit_seconds=time_limit_seconds, tz=settings.TIME_ZONE,
            first_day=first_day,
            progress=lambda fraction, step: report(10 + int(80 * fraction), step),
        )
    except (HistoryError, ValueError) as exc:
        raise PlanningError(str(exc)) from None
    report(92, "chart")
    charts = _charts(result)
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
            chart_svg=charts["en"], charts=charts,
            series_params={name: asdict(p) for name, p in params.items()},
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
    is superseded, and its bookings of slots not started yet are cancelled."""
    with transaction.atomic():
        plan = SlotPlan.objects.select_for_update().get(pk=plan.pk)
        if PlanStatus.PUBLISHED not in PLAN_TRANSITIONS[PlanStatus(plan.status)]:
            raise PlanningError(_("This plan can no longer be published."))
        superseded = list(SlotPlan.objects.select_for_update().filter(
            pool=plan.pool, first_day=plan.first_day, status=PlanStatus.PUBLISHED)
            .values_list("pk", flat=True))
        SlotPlan.objects.filter(pk__in=superseded).update(status=PlanStatus.SUPERSEDED)
        plan.status = PlanStatus.PUBLISHED
        plan.published_at = timezone.now()
        plan.published_by = user
        plan.save(update_fields=["status", "published_at", "published_by"])
        # the superseded plans' bookings still to come are cancelled, with a notice
        from roadie.desk.scheduling.actions import cancel_superseded

        cancel_superseded(plan_ids=superseded, now=plan.published_at)
    return plan


# --------------------------------------------------------------------------------------------
# "Propose slots" in the background
# --------------------------------------------------------------------------------------------


def request_plan(*, user, pool: Pool, first_day: dt.date, overrides: dict) -> PlanRequest:
    """Queue a proposal for the background worker (``roadie worker``)."""
    from roadie.desk.planning.tasks import run_plan_request

    with transaction.atomic():
        request = PlanRequest.objects.create(pool=pool, first_day=first_day, requested_by=user,
                                             overrides=overrides, step="queued")
        transaction.on_commit(lambda: run_plan_request.enqueue(request.pk))
    return request


def _move(request_id: int, status: RequestStatus, **fields) -> bool:
    """Change a request's status along REQUEST_TRANSITIONS (False when not allowed)."""
    with transaction.atomic():
        request = PlanRequest.objects.select_for_update().get(pk=request_id)
        current = RequestStatus(request.status)
        if status != current and status not in REQUEST_TRANSITIONS[current]:
            return False
        for name, value in {"status": status, **fields}.items():
            setattr(request, name, value)
        request.save(update_fields=["status", *fields])
    return True


def run_request(request_id: int) -> PlanRequest:
    """What the worker does with a queued request: propose the plan, reporting progress."""
    request = PlanRequest.objects.select_related("pool", "requested_by").get(pk=request_id)
    if not _move(request_id, RequestStatus.RUNNING, progress=1, step="history"):
        return request

    def progress(per_cent: int, step: str) -> None:
        PlanRequest.objects.filter(pk=request_id).update(progress=min(per_cent, 99), step=step)

    try:
        plan = propose_plan(user=request.requested_by, pool=request.pool,
                            first_day=request.first_day, overrides=request.overrides,
                            progress=progress)
    except PlanningError as exc:
        _move(request_id, RequestStatus.FAILED, error=str(exc), finished_at=timezone.now())
    except Exception as exc:  # the page must learn that it stopped, whatever the reason
        _move(request_id, RequestStatus.FAILED, error=_("The proposal failed: %(error)s")
              % {"error": exc}, finished_at=timezone.now())
        raise
    else:
        _move(request_id, RequestStatus.DONE, progress=100, step="done", plan=plan,
              finished_at=timezone.now())
    return PlanRequest.objects.get(pk=request_id)
