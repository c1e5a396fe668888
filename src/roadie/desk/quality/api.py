"""API: quality index, scorecards, workloads, assignments, reviews, disputes, calibrations
and surveys (docs/api.md, docs/quality.md)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Brand, Pool
from roadie.desk.quality import lib
from roadie.desk.quality.access import quality_scope

router = Router(tags=["quality"])


class ComponentOut(Schema):
    name: str
    value: float | None = Field(description="percent, on the component's own scale")
    count: int = Field(description="number of observations")
    low: float | None
    high: float | None
    weight: float
    minimum: int = Field(description="observations needed for the component to count")
    sufficient: bool
    points: float | None = Field(description="0-100, higher is better: what enters the index")


class QualityIndexOut(Schema):
    value: float | None = Field(description="0-100; null when the sample is too small to say")
    low: float | None
    high: float | None
    observations: int
    start: datetime
    end: datetime
    days: int
    agent: int | None
    pool: str | None
    brand: str | None
    components: list[ComponentOut]


class QualityQuery(Schema):
    agent: int | None = Field(None, description="a roadie's agent id")
    pool: str | None = Field(None, description="a pool's slug (the team)")
    brand: str | None = Field(None, description="a brand's slug")
    end: datetime | None = Field(None, description="end of the window (default: now)")
    days: int = Field(28, ge=1, le=366, description="length of the rolling window")


def _component(c) -> dict:
    return {"name": c.name, "value": c.value, "count": c.count, "low": c.low, "high": c.high,
            "weight": c.weight, "minimum": c.minimum, "sufficient": c.sufficient, "points": c.points}


def _lookup(model, slug: str | None, field: str):
    if slug is None:
        return None
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise HttpError(422, f"{field}: unknown {field} {slug!r}")
    return found


@router.get("/quality", response={200: QualityIndexOut, 403: Error, 422: Error})
def quality(request: HttpRequest, q: Query[QualityQuery]):
    """The quality index of a roadie (``agent``), a team (``pool``) or a brand over a rolling
    window, with each component's observations and interval. Roadies read their own and their
    teams'; brand users their brand's; quality staff, supervisors and finance all."""
    pool = _lookup(Pool, q.pool, "pool")
    brand = _lookup(Brand, q.brand, "brand")
    end = q.end or timezone.now()
    if timezone.is_naive(end):
        raise HttpError(422, "end: give a timezone offset (e.g. 2026-12-01T12:00:00+01:00)")
    try:
        scope = quality_scope(request.auth, agent_id=q.agent, pool=pool, brand=brand)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    index = lib.quality_index(agent_id=scope.agent_id, pool_id=scope.pool_id,
                              brand_id=scope.brand_id, end=end, days=q.days)
    return {
        "value": index.value, "low": index.low, "high": index.high,
        "observations": index.observations, "start": index.start, "end": index.end,
        "days": index.days, "agent": scope.agent_id, "pool": pool.slug if pool else None,
        "brand": Brand.objects.get(pk=scope.brand_id).slug if scope.brand_id else None,
        "components": [_component(c) for c in index.components],
    }
