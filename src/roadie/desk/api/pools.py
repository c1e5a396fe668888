"""API: pools (brands served together, overflow pool and delay). Reads for supervisors and the
administrator; writes for the administrator with an ``admin``-scoped token, through
``brands.pools.save_pool`` like the console."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts import access
from roadie.desk.api.auth import require_scope
from roadie.desk.api.errors import refusals
from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Pool
from roadie.desk.brands.pools import save_pool

router = Router(tags=["pools"])


class PoolIn(Schema):
    slug: str = Field(..., min_length=1, max_length=50)
    name: str = Field(..., min_length=1, max_length=120)
    brands: list[str] = Field(default_factory=list, description="brand slugs")
    overflow_to: str | None = Field(None, description="slug of the pool it overflows to")
    overflow_after_seconds: int = Field(120, ge=0, le=86400)


class PoolPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    brands: list[str] | None = None
    overflow_to: str | None = Field(None, description="empty string: no overflow")
    overflow_after_seconds: int | None = Field(None, ge=0, le=86400)


class PoolOut(Schema):
    slug: str
    name: str
    brands: list[str]
    overflow_to: str | None
    overflow_after_seconds: int


def pool_out(p: Pool) -> dict:
    return {"slug": p.slug, "name": p.name, "brands": sorted(b.slug for b in p.brands.all()),
            "overflow_to": p.overflow_to.slug if p.overflow_to_id else None,
            "overflow_after_seconds": p.overflow_after_seconds}


@router.get("/pools", response={200: list[PoolOut], 403: Error})
def list_pools(request: HttpRequest):
    if not access.can_supervise(request.auth):
        raise HttpError(403, "only supervisors and the administrator read pools")
    return [pool_out(p) for p in Pool.objects.prefetch_related("brands").select_related("overflow_to").order_by("slug")]


@router.post("/pools", response={201: PoolOut, 403: Error, 422: Error})
def create_pool(request: HttpRequest, payload: PoolIn):
    require_scope(request, "admin")
    with refusals():
        pool = save_pool(request.auth, via="api", **payload.dict())
    return Status(201, pool_out(pool))


@router.patch("/pools/{slug}", response={200: PoolOut, 403: Error, 404: Error, 422: Error})
def patch_pool(request: HttpRequest, slug: str, payload: PoolPatch):
    require_scope(request, "admin")
    if not access.is_admin(request.auth):
        raise HttpError(403, "only the operator administrator changes pools")
    pool = Pool.objects.filter(slug=slug).select_related("overflow_to").first()
    if pool is None:
        raise HttpError(404, f"no pool {slug!r}")
    current = pool_out(pool)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    merged = {**current, **changes}
    merged.pop("slug")
    with refusals():
        save_pool(request.auth, pool=pool, via="api", **merged)
    return pool_out(pool)
