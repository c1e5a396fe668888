"""API: the progress of a slot proposal run by the background worker (docs/api.md)."""

from __future__ import annotations

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from roadie.desk.accounts.access import can_supervise
from roadie.desk.api.schemas import Error
from roadie.desk.planning.models import PlanRequest, RequestStatus

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


@router.get("/planning/requests/{request_id}", url_name="planning-request",
            response={200: PlanRequestOut, 403: Error, 404: Error})
def plan_request(request, request_id: int):
    """A planner's "Propose slots": its status and progress while the worker makes it (the
    planning page polls this)."""
    from roadie.desk.planning.views import STEPS

    if not can_supervise(request.auth):
        raise HttpError(403, "planning is for supervisors")
    req = get_object_or_404(PlanRequest.objects.select_related("pool"), pk=request_id)
    return {"id": req.pk, "pool": req.pool.slug, "first_day": req.first_day,
            "status": req.status, "progress": req.progress,
            "step": str(STEPS.get(req.step, req.step)), "error": req.error,
            "plan": req.plan_id, "created_at": req.created_at, "finished_at": req.finished_at}
