"""Reads for quality: the quality index of a roadie, a pool or a brand (the function pay
calls), review queues, and the lists of the quality pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from roadie.desk.brands.models import Pool
from roadie.desk.contacts.models import Contact, ContactEvent, Escalation, EventKind
from roadie.desk.quality.models import (
    Review,
    Survey,
    SurveyStatus,
)
from roadie.engine.quality import INDEX_PARAMETERS, QualityIndex, QualityInputs, compute_index

DEFAULT_DAYS = 28


def _brand_ids(*, pool_id: int | None, brand_id: int | None) -> list[int] | None:
    """The brands a scope covers (None: every brand)."""
    ids: set[int] | None = None
    if pool_id is not None:
        ids = set(Pool.objects.filter(pk=pool_id).values_list("brands__id", flat=True)) - {None}
    if brand_id is not None:
        ids = {brand_id} if ids is None else ids & {brand_id}
    return None if ids is None else sorted(ids)


def quality_inputs(*, agent_id: int | None = None, pool_id: int | None = None,
                   brand_id: int | None = None, start: datetime, end: datetime) -> QualityInputs:
    """Counts for the index: reviews submitted, survey answers received, resolutions made and
    escalations raised in ``[start, end)``, for one roadie and/or the brands of a pool/brand."""
    brands = _brand_ids(pool_id=pool_id, brand_id=brand_id)

    def scoped(qs, *, agent_field: str, brand_field: str):
        if agent_id is not None:
            qs = qs.filter(**{agent_field: agent_id})
        if brands is not None:
            qs = qs.filter(**{f"{brand_field}__in": brands})
        return qs

    reviews = scoped(Review.objects.filter(calibration__isnull=True, submitted_at__gte=start,
                                           submitted_at__lt=end),
                     agent_field="agent_id", brand_field="contact__brand_id")
    scores = tuple(float(s) for s in reviews.values_list("score", flat=True))

    answers = scoped(Survey.objects.filter(status=SurveyStatus.ANSWERED, controllable=True,
                                           answered_at__gte=start, answered_at__lt=end),
                     agent_field="agent_id", brand_field="contact__brand_id")
    csat = answers.aggregate(n=Count("pk"), positive=Count("pk", filter=Q(rating__gte=4)))

    days = INDEX_PARAMETERS.reopen_days
    resolutions = scoped(
        ContactEvent.objects.filter(kind=EventKind.RESOLVED, agent__isnull=False, at__gte=start,
                                    at__lt=end),
        agent_field="agent_id", brand_field="contact__brand_id",
    )
    later_contact = Contact.objects.filter(
        customer_id=OuterRef("contact__customer_id"), brand_id=OuterRef("contact__brand_id"),
        arrived_at__gt=OuterRef("at"), arrived_at__lte=OuterRef("at") + timedelta(days=days),
    ).exclude(pk=OuterRef("contact_id"))
    reopened_event = ContactEvent.objects.filter(
        contact_id=OuterRef("contact_id"), kind=EventKind.REOPENED, at__gt=OuterRef("at"),
        at__lte=OuterRef("at") + timedelta(days=days),
    )
    reopen = resolutions.aggregate(
        n=Count("pk"),
        reopened=Count("pk", filter=Q(Exists(later_contact)) | Q(Exists(reopened_event))),
    )

    escalations = scoped(
        Escalation.objects.filter(raised_at__gte=start, raised_at__lt=end, verdict__isnull=False),
        agent_field="raised_by__agent__id", brand_field="contact__brand_id",
    )
    esc = escalations.aggregate(n=Count("pk"), justified=Count("pk", filter=Q(verdict__justified=True)))
    return QualityInputs(
        review_scores=scores, csat_positive=csat["positive"], csat_answers=csat["n"],
        reopened=reopen["reopened"], resolved=reopen["n"],
        escalations_justified=esc["justified"], escalations_judged=esc["n"],
    )


def quality_index(*, agent_id: int | None = None, pool_id: int | None = None,
                  brand_id: int | None = None, end: datetime, days: int = DEFAULT_DAYS) -> QualityIndex:
    """The quality index over the ``days`` days before ``end`` (docs/quality.md).

    Scope: one roadie (``agent_id``), the brands of a pool (``pool_id``), one brand
    (``brand_id``), any combination (a roadie's work for one brand), or none (the whole
    operation). ``value`` is None when the sample is too small to say.
    """
    if timezone.is_naive(end):
        raise ValueError("end must be timezone-aware")
    if days < 1:
        raise ValueError("days must be at least 1")
    start = end - timedelta(days=days)
    inputs = quality_inputs(agent_id=agent_id, pool_id=pool_id, brand_id=brand_id, start=start, end=end)
    return compute_index(inputs, start=start, end=end, days=days)
