"""Writing pools: a portfolio of brands served together, and the pool its contacts overflow to
after a delay (the weekend relay). Operator administrator only (a pool spans brands). Checked,
validated (``ValidationError`` naming the field; an overflow that loops back is refused),
written in a transaction and recorded in the audit log."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from roadie.desk.accounts import access
from roadie.desk.audit.actions import record_change
from roadie.desk.brands.models import Brand, Pool
from roadie.desk.routing.wakeup import notify_routing


def _check(actor) -> None:
    if not access.is_admin(actor):
        raise PermissionDenied("only the operator administrator changes pools")


def _brands(slugs: Iterable[str]) -> list[Brand]:
    slugs = list(dict.fromkeys(slugs))
    found = {b.slug: b for b in Brand.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise ValidationError({"brands": [f"no brand {missing[0]!r}"]})
    return [found[s] for s in slugs]


def _overflow(pool: Pool, slug: str | None) -> Pool | None:
    if not slug:
        return None
    target = Pool.objects.filter(slug=slug).first()
    if target is None:
        raise ValidationError({"overflow_to": [f"no pool {slug!r}"]})
    seen, at = {pool.slug}, target
    while at is not None:
        if at.slug in seen:
            raise ValidationError({"overflow_to": [f"{slug} overflows back to {pool.slug}: a loop"]})
        seen.add(at.slug)
        at = at.overflow_to
    return target


def save_pool(actor, *, pool: Pool | None = None, slug: str = "", name: str, brands: Iterable[str] = (),
              overflow_to: str | None = None, overflow_after_seconds=120, via: str = "console") -> Pool:
    """Create a pool (``slug`` given) or change one (``pool`` given; its slug never changes)."""
    _check(actor)
    created = pool is None
    pool = pool or Pool(slug=(slug or "").strip())
    pool.name = (name or "").strip()
    try:
        pool.overflow_after_seconds = int(overflow_after_seconds)
    except (TypeError, ValueError):
        raise ValidationError({"overflow_after_seconds": ["a whole number of seconds"]}) from None
    if not 0 <= pool.overflow_after_seconds <= 86400:
        raise ValidationError({"overflow_after_seconds": ["between 0 and 86400 seconds"]})
    members = _brands(brands)
    pool.overflow_to = _overflow(pool, overflow_to)
    try:
        pool.full_clean(exclude=["brands"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    with transaction.atomic():
        try:
            with transaction.atomic():
                pool.save()
        except IntegrityError:  # the same slug created meanwhile
            raise ValidationError({"slug": [f"a pool {pool.slug!r} already exists"]}) from None
        pool.brands.set(members)
        record_change(actor, action="pool.create" if created else "pool.update", obj=pool, brand_id=None,
                      fields=["name", "brands", "overflow_to", "overflow_after_seconds"], via=via)
        notify_routing()  # the dispatcher rebuilds its cascades at once
    return pool
