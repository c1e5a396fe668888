"""Who may read which quality figures: the rules of the quality pages and API in one place.

- Quality staff and supervisors (``can_review_quality``), finance (``can_handle_money``, pay
  reads the index): every roadie, pool and brand.
- Brand users: their own brand only (any roadie's work for it, always limited to it).
- A roadie: their own figures, and the team figures of pools and brands they work for.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from roadie.desk.accounts.access import (
    agent_of,
    brand_scope,
    can_administer_brand,
    can_handle_money,
    can_review_quality,
    can_view_brand,
)
from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Brand, Pool
from roadie.desk.quality.models import Review


@dataclass(frozen=True)
class Scope:
    agent_id: int | None = None
    pool_id: int | None = None
    brand_id: int | None = None


def _own_agent(user) -> Agent | None:
    return agent_of(user)


def quality_scope(user, *, agent_id: int | None, pool: Pool | None, brand: Brand | None) -> Scope:
    """The scope this user may read for the requested one (PermissionDenied otherwise)."""
    pool_id = pool.pk if pool else None
    brand_id = brand.pk if brand else None
    if can_review_quality(user) or can_handle_money(user):
        return Scope(agent_id, pool_id, brand_id)
    own_brand = brand_scope(user)
    if own_brand is not None:
        if brand_id is not None and not can_view_brand(user, brand_id):
            raise PermissionDenied("brand users read their own brand only")
        if pool is not None and not pool.brands.filter(pk=own_brand).exists():
            raise PermissionDenied("this pool does not serve your brand")
        return Scope(agent_id, pool_id, own_brand)
    agent = _own_agent(user)
    if agent is None:
        raise PermissionDenied("no quality figures for this account")
    if agent_id is not None and agent_id != agent.pk:
        raise PermissionDenied("roadies read their own quality and their teams'")
    certified = set(agent.certifications.values_list("brand_id", flat=True))
    if brand_id is not None and brand_id not in certified:
        raise PermissionDenied("you do not work for this brand")
    if pool is not None and not pool.brands.filter(pk__in=certified).exists():
        raise PermissionDenied("you do not work in this pool")
    if agent_id is None and pool is None and brand is None:
        return Scope(agent.pk, None, None)
    return Scope(agent_id, pool_id, brand_id)


def can_edit_scorecards(user, brand_id: int) -> bool:
    """Quality staff for every brand; a brand's administrators for their own."""
    return can_review_quality(user) or can_administer_brand(user, brand_id)


def visible_reviews(user):
    """Reviews this user may read: quality staff all, brand users their brand's, a roadie
    their own. Calibration reviews are read through their session (blind until submitted)."""
    if can_review_quality(user):
        return Review.objects.filter(calibration__isnull=True)
    own_brand = brand_scope(user)
    if own_brand is not None:
        return Review.objects.filter(contact__brand_id=own_brand, calibration__isnull=True)
    agent = _own_agent(user)
    if agent is not None:
        return Review.objects.filter(agent=agent, calibration__isnull=True)
    return Review.objects.none()


def access_review(user, review_id: int) -> Review:
    """One review this user may read (404 otherwise: its existence is not revealed)."""
    try:
        return (visible_reviews(user)
                .select_related("contact__brand", "agent__user", "reviewer", "version__scorecard")
                .get(pk=review_id))
    except (Review.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review") from None
