"""API: the progress of a slot proposal run by the background worker (docs/api.md)."""

from __future__ import annotations

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts.access import can_supervise
from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Pool
from roadie.desk.planning import actions, lib
from roadie.desk.planning.models import PlanRequest, RequestStatus, SlotPlan

router = Router(tags=["planning"])


class PlanRequestOut(Schema):
    id: int
    pool: str = Field(description="the pool's slug")
    first_day: date = Field(description="the Monday of the planned week")
    status: str = Field(description=f"one of {', '.join(RequestStatus.values)}")
    progress: int = Field(description="per cent, 0-100")
    step: str = Field(description="the step under way, in the caller's language")
    error: str = Field(description="why it failed (empty otherwise)")
    plan: int | None = Field(description="the proposal made (SlotPlan id) once done")
    created_at: datetime
    finished_at: datetime | None


class PlanRequestIn(Schema):
    pool: str = Field(..., description="the pool's slug; the week planned is next Monday's")
    series: dict[str, dict[str, float | None]] = Field(
        default_factory=dict,
        description="per series (brand/channel, e.g. ondes/voice), the parameters to change: "
        "aht (seconds), target (%), answer (seconds), patience (seconds, null: nobody hangs "
        "up), shrinkage (%), concurrency; the others keep the planning page's values")


class PlanOut(Schema):
    id: int
    pool: str
    first_day: date
    status: str
    published_at: datetime | None


def _supervisor(request) -> None:
    if not can_supervise(request.auth):
        raise HttpError(403, "planning is for supervisors")


def _request_out(req: PlanRequest) -> dict:
    from roadie.desk.planning.views import STEPS

    return {"id": req.pk, "pool": req.pool.slug, "first_day": req.first_day,
            "status": req.status, "progress": req.progress,
            "step": str(STEPS.get(req.step, req.step)), "error": req.error,
            "plan": req.plan_id, "created_at": req.created_at, "finished_at": req.finished_at}


@router.post("/planning/requests", response={202: PlanRequestOut, 403: Error, 404: Error, 422: Error})
def propose(request, payload: PlanRequestIn):
    """The planning page's "Propose slots": queue a proposal of next week's slots for the
    background worker (``roadie worker``); follow it with ``GET /api/planning/requests/{id}``."""
    _supervisor(request)
    pool = get_object_or_404(Pool, slug=payload.pool)
    first_day = lib.next_monday(timezone.localdate())
    rows = lib.series_rows(pool, before=min(timezone.localdate(), first_day),
                           plan=lib.latest_plan(pool, first_day))
    if not rows:
        raise HttpError(422, "pool: no contacts in the last weeks, nothing to forecast from")
    known = {row["series"]: row for row in rows}
    form = {f"s{row['index']}-{name}": row[name] for row in rows for name in lib.EDITABLE}
    for series, values in payload.series.items():
        if series not in known:
            raise HttpError(422, f"series: {series!r} is not a series of {pool.slug} "
                                 f"(one of {', '.join(sorted(known))})")
        for name, value in values.items():
            if name not in lib.EDITABLE:
                raise HttpError(422, f"series: {name!r} is not a parameter (one of {', '.join(lib.EDITABLE)})")
            form[f"s{known[series]['index']}-{name}"] = "" if value is None else value
    try:
        overrides = lib.parse_overrides(form, rows)
    except ValueError as exc:
        raise HttpError(422, f"series: {exc}") from None
    req = actions.request_plan(user=request.auth, pool=pool, first_day=first_day, overrides=overrides)
    return Status(202, _request_out(PlanRequest.objects.select_related("pool").get(pk=req.pk)))


@router.post("/planning/plans/{plan_id}/publish", response={200: PlanOut, 403: Error, 404: Error, 409: Error})
def publish(request, plan_id: int):
    """The planning page's "Publish": open the proposed plan's slots for booking; the pool's
    earlier published plan for the same week is superseded (its bookings of slots not started
    yet cancelled). A plan that can no longer be published answers 409."""
    _supervisor(request)
    plan = get_object_or_404(SlotPlan.objects.select_related("pool"), pk=plan_id)
    try:
        plan = actions.publish_plan(user=request.auth, plan=plan)
    except actions.PlanningError as exc:
        raise HttpError(409, str(exc)) from None
    return {"id": plan.pk, "pool": plan.pool.slug, "first_day": plan.first_day, "status": plan.status,
            "published_at": plan.published_at}


@router.get("/planning/requests/{request_id}", url_name="planning-request",
            response={200: PlanRequestOut, 403: Error, 404: Error})
def plan_request(request, request_id: int):
    """A planner's "Propose slots": its status and progress while the worker makes it (the
    planning page polls this)."""
    _supervisor(request)
    req = get_object_or_404(PlanRequest.objects.select_related("pool"), pk=request_id)
    return _request_out(req)

