"""Reads for quality: the quality index of a roadie, a pool or a brand (the function pay
calls), review queues, and the lists of the quality pages."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from roadie.desk.brands.models import Pool
from roadie.desk.contacts.models import Contact, ContactEvent, Escalation, EventKind, Status
from roadie.desk.quality.models import (
    Assignment,
    AssignmentStatus,
    Calibration,
    Cycle,
    Review,
    Survey,
    SurveyStatus,
    Workload,
)
from roadie.engine.quality import (
    INDEX_PARAMETERS,
    QualityIndex,
    QualityInputs,
    agreement,
    compute_index,
)
from roadie.engine.quality.sampling import Candidate, cochran_sample_size, margin_of_error
from roadie.engine.quality.scorecard import Scorecard as CardDefinition

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
    start = _window(end, days)
    inputs = quality_inputs(agent_id=agent_id, pool_id=pool_id, brand_id=brand_id, start=start, end=end)
    return compute_index(inputs, start=start, end=end, days=days)


# --- the same index for many scopes at once -----------------------------------------------

class QualityCells:
    """The index's counts over one window, grouped by (roadie, brand): read in four queries,
    summed in Python for any roadie, brand or pool of brands. ``quality_index`` of one scope
    and the matching sum of cells are the same inputs (a test compares them)."""

    def __init__(self, *, start: datetime, end: datetime, days: int, agent_ids=None,
                 brand_ids=None) -> None:
        self.start, self.end, self.days = start, end, days
        self.scores: dict[tuple, list[float]] = {}
        self.counts: dict[tuple, list[int]] = {}  # csat+, csat n, reopened, resolved, justified, judged
        agents = None if agent_ids is None else sorted({a for a in agent_ids if a is not None})
        brands = None if brand_ids is None else sorted(set(brand_ids))

        def scoped(qs, *, agent_field: str):
            if agents is not None:
                qs = qs.filter(**{f"{agent_field}__in": agents})
            if brands is not None:
                qs = qs.filter(contact__brand_id__in=brands)
            return qs

        reviews = scoped(Review.objects.filter(calibration__isnull=True, submitted_at__gte=start,
                                               submitted_at__lt=end), agent_field="agent_id")
        for agent, brand, score in reviews.values_list("agent_id", "contact__brand_id", "score"):
            self.scores.setdefault((agent, brand), []).append(float(score))

        answers = scoped(Survey.objects.filter(status=SurveyStatus.ANSWERED, controllable=True,
                                               answered_at__gte=start, answered_at__lt=end),
                         agent_field="agent_id")
        for row in (answers.values("agent_id", "contact__brand_id").order_by()
                    .annotate(n=Count("pk"), positive=Count("pk", filter=Q(rating__gte=4)))):
            self._add((row["agent_id"], row["contact__brand_id"]), 0, row["positive"], row["n"])

        days = INDEX_PARAMETERS.reopen_days
        resolutions = scoped(ContactEvent.objects.filter(
            kind=EventKind.RESOLVED, agent__isnull=False, at__gte=start, at__lt=end),
            agent_field="agent_id")
        later_contact = Contact.objects.filter(
            customer_id=OuterRef("contact__customer_id"), brand_id=OuterRef("contact__brand_id"),
            arrived_at__gt=OuterRef("at"), arrived_at__lte=OuterRef("at") + timedelta(days=days),
        ).exclude(pk=OuterRef("contact_id"))
        reopened_event = ContactEvent.objects.filter(
            contact_id=OuterRef("contact_id"), kind=EventKind.REOPENED, at__gt=OuterRef("at"),
            at__lte=OuterRef("at") + timedelta(days=days),
        )
        for row in (resolutions.values("agent_id", "contact__brand_id").order_by().annotate(
                n=Count("pk"),
                reopened=Count("pk", filter=Q(Exists(later_contact)) | Q(Exists(reopened_event))))):
            self._add((row["agent_id"], row["contact__brand_id"]), 2, row["reopened"], row["n"])

        escalations = scoped(Escalation.objects.filter(raised_at__gte=start, raised_at__lt=end,
                                                       verdict__isnull=False),
                             agent_field="raised_by__agent__id")
        for row in (escalations.values("raised_by__agent__id", "contact__brand_id").order_by()
                    .annotate(n=Count("pk"), justified=Count("pk", filter=Q(verdict__justified=True)))):
            self._add((row["raised_by__agent__id"], row["contact__brand_id"]), 4,
                      row["justified"], row["n"])
        self._by_agent: dict[int | None, list[tuple]] = {}
        for key in set(self.scores) | set(self.counts):
            self._by_agent.setdefault(key[0], []).append(key)

    def _add(self, key: tuple, at: int, k: int, n: int) -> None:
        counts = self.counts.setdefault(key, [0] * 6)
        counts[at] += k
        counts[at + 1] += n

    def inputs(self, *, agent_id: int | None = None, brands=None) -> QualityInputs:
        """The inputs of one roadie (``agent_id``) and/or a set of brands (None: all)."""
        keys = (self._by_agent.get(agent_id, []) if agent_id is not None
                else [k for ks in self._by_agent.values() for k in ks])
        if brands is not None:
            brands = set(brands)
            keys = [k for k in keys if k[1] in brands]
        scores: list[float] = []
        total = [0] * 6
        for key in keys:
            scores += self.scores.get(key, ())
            for i, c in enumerate(self.counts.get(key, ())):
                total[i] += c
        return QualityInputs(
            review_scores=tuple(sorted(scores)), csat_positive=total[0], csat_answers=total[1],
            reopened=total[2], resolved=total[3], escalations_justified=total[4],
            escalations_judged=total[5])

    def index(self, *, agent_id: int | None = None, brands=None) -> QualityIndex:
        return compute_index(self.inputs(agent_id=agent_id, brands=brands), start=self.start,
                             end=self.end, days=self.days)


def _window(end: datetime, days: int) -> datetime:
    if timezone.is_naive(end):
        raise ValueError("end must be timezone-aware")
    if days < 1:
        raise ValueError("days must be at least 1")
    return end - timedelta(days=days)


def quality_cells(*, end: datetime, days: int = DEFAULT_DAYS, agent_ids=None,
                  brand_ids=None) -> QualityCells:
    """The counts of every roadie (or of ``agent_ids``) and brand (or ``brand_ids``) over the
    ``days`` days before ``end``, for many indexes from one read."""
    return QualityCells(start=_window(end, days), end=end, days=days, agent_ids=agent_ids,
                        brand_ids=brand_ids)


def quality_indexes(*, agent_ids, brand_id: int | None = None, end: datetime,
                    days: int = DEFAULT_DAYS) -> dict[int, QualityIndex]:
    """``quality_index(agent_id=a, brand_id=brand_id, end=end, days=days)`` for every ``a`` of
    ``agent_ids``, in a fixed number of queries (pay's close, the team page)."""
    ids = sorted({a for a in agent_ids if a is not None})
    # a long list of ids costs more as a parameter list than reading every roadie's cells
    cells = quality_cells(end=end, days=days, agent_ids=ids if len(ids) <= 500 else None,
                          brand_ids=None if brand_id is None else [brand_id])
    return {a: cells.index(agent_id=a) for a in ids}


def pool_brands() -> dict[int, list[int]]:
    """Each pool's brands (one query)."""
    out: dict[int, list[int]] = {}
    for pool_id, brand_id in Pool.objects.values_list("pk", "brands__id"):
        out.setdefault(pool_id, [])
        if brand_id is not None:
            out[pool_id].append(brand_id)
    return out


def pool_quality_indexes(*, pool_ids, end: datetime, days: int = DEFAULT_DAYS) -> dict[int, QualityIndex]:
    """``quality_index(pool_id=p, end=end, days=days)`` for every ``p`` of ``pool_ids`` from one read."""
    brands = pool_brands()
    cells = quality_cells(end=end, days=days)
    return {p: cells.index(brands=brands.get(p, [])) for p in pool_ids}


# --- workloads --------------------------------------------------------------------------

WORKLOAD_FILTERS = frozenset({"channel", "wrap_up_code", "escalated", "low_csat",
                              "min_handle_minutes", "new_roadie_days"})


def cycle_bounds(cycle: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First day of the cycle containing ``today`` and the first day of the next one."""
    if cycle == Cycle.DAILY:
        return today, today + timedelta(days=1)
    if cycle == Cycle.WEEKLY:
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=7)
    start = today.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt


def _local_midnight(day: dt.date) -> datetime:
    return datetime.combine(day, dt.time(), timezone.get_default_timezone())


def workload_candidates(workload: Workload, *, start: dt.date, end: dt.date) -> list[Candidate]:
    """Contacts resolved in the cycle that match the workload's filters, not yet reviewed in
    it, each with its draw weight (escalated, low CSAT and long contacts weigh more)."""
    brands = ([workload.brand_id] if workload.brand_id
              else list(workload.pool.brands.values_list("pk", flat=True)))
    since, until = _local_midnight(start), _local_midnight(end)
    qs = Contact.objects.filter(brand_id__in=brands, status=Status.RESOLVED, agent__isnull=False,
                                resolved_at__gte=since, resolved_at__lt=until)
    f = workload.filters or {}
    if f.get("channel"):
        qs = qs.filter(channel__in=_as_list(f["channel"]))
    if f.get("wrap_up_code"):
        qs = qs.filter(wrap_up_code__in=_as_list(f["wrap_up_code"]))
    escalated = Exists(Escalation.objects.filter(contact_id=OuterRef("pk")))
    low_csat = Exists(Survey.objects.filter(contact_id=OuterRef("pk"), rating__lte=3))
    qs = qs.annotate(escalated=escalated, low_csat=low_csat)
    if f.get("escalated"):
        qs = qs.filter(escalated=True)
    if f.get("low_csat"):
        qs = qs.filter(low_csat=True)
    if f.get("new_roadie_days"):
        qs = qs.filter(agent__user__date_joined__gte=timezone.now() - timedelta(days=int(f["new_roadie_days"])))
    reviewed = Review.objects.filter(contact_id=OuterRef("pk"), calibration__isnull=True,
                                     submitted_at__gte=since)
    drawn = Assignment.objects.filter(contact_id=OuterRef("pk"), cycle_start=start)
    qs = qs.exclude(Exists(reviewed)).exclude(Exists(drawn))
    minimum = int(f.get("min_handle_minutes") or 0)
    out = []
    for pk, agent_id, answered, resolved, esc, low in qs.values_list(
            "pk", "agent_id", "answered_at", "resolved_at", "escalated", "low_csat").iterator():
        minutes = (resolved - answered).total_seconds() / 60 if answered and resolved else 0.0
        if minutes < minimum:
            continue
        weight = 1.0 + 2.0 * bool(esc) + 2.0 * bool(low) + (1.0 if minutes >= 20 else 0.0)
        out.append(Candidate(contact_id=pk, agent_id=agent_id, weight=weight))
    return out


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def review_queue(user):
    """The reviewer's pending assignments, oldest first."""
    return (Assignment.objects.filter(reviewer=user, status=AssignmentStatus.PENDING)
            .select_related("contact__brand", "agent__user", "workload__scorecard"))


def sample_plan(workload: Workload, *, today: dt.date, confidence: float = 0.95) -> dict:
    """The cycle's population, the draw so far and its margin of error; the size Cochran's
    formula asks for a 5 % margin."""
    start, end = cycle_bounds(workload.cycle, today)
    brands = ([workload.brand_id] if workload.brand_id
              else list(workload.pool.brands.values_list("pk", flat=True)))
    population = Contact.objects.filter(
        brand_id__in=brands, status=Status.RESOLVED, resolved_at__gte=_local_midnight(start),
        resolved_at__lt=_local_midnight(end)).count()
    drawn = Assignment.objects.filter(workload=workload, cycle_start=start).count()
    return {"cycle_start": start, "population": population, "drawn": drawn,
            "margin": margin_of_error(drawn, population, confidence=confidence),
            "needed_for_5_percent": cochran_sample_size(population, confidence=confidence)}


# --- calibration ------------------------------------------------------------------------

def calibration_results(session: Calibration) -> dict:
    """Alpha per criterion at its level (raters: the expert and the reviewers; units: the
    session's contacts), alpha of the overall score (interval), each reviewer's deviation from
    the expert, and whether the session falls below its threshold."""
    card = CardDefinition.from_dict(session.version.definition)
    raters = [session.expert_id, *sorted(session.reviewers.values_list("pk", flat=True))]
    units = sorted(session.contacts.values_list("pk", flat=True))
    reviews = list(session.reviews.all())
    by = {(r.reviewer_id, r.contact_id): r for r in reviews}
    threshold = float(session.threshold)
    criteria, flagged = [], False

    def matrix(get) -> np.ndarray:
        data = np.full((len(raters), len(units)), np.nan)
        for i, rater in enumerate(raters):
            for j, unit in enumerate(units):
                review = by.get((rater, unit))
                value = get(review) if review else None
                if value is not None:
                    data[i, j] = float(value)
        return data

    for c in card.criteria:
        data = matrix(lambda r, key=c.key: (r.answers.get(key) or {}).get("value"))
        try:
            value, note = agreement.alpha(data, c.agreement_level), ""
        except agreement.AgreementError as exc:
            value, note = None, str(exc)
        low = value is not None and value < threshold
        flagged |= low
        criteria.append({"key": c.key, "label": c.label, "level": c.agreement_level.value,
                         "alpha": value, "note": note, "below_threshold": low})
    try:
        overall = agreement.alpha(matrix(lambda r: r.score), "interval")
    except agreement.AgreementError:
        overall = None
    deviations = []
    expert = {(r.contact_id, key): a["value"] for r in reviews if r.reviewer_id == session.expert_id
              for key, a in r.answers.items() if a.get("value") is not None}
    spans = {(u, c.key): float(c.highest - c.lowest) for u in units for c in card.criteria}
    from roadie.desk.accounts.models import User

    names = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=raters)}
    for rater in raters[1:]:
        mine = {(r.contact_id, key): a["value"] for r in reviews if r.reviewer_id == rater
                for key, a in r.answers.items() if a.get("value") is not None}
        d = agreement.deviation(mine, expert, reviewer_id=rater, spans=spans)
        deviations.append({"reviewer": rater, "name": names.get(rater, ""), "units": d.units, "mean_absolute": d.mean_absolute,
                           "exact_share": d.exact_share})
    return {"criteria": criteria, "overall_alpha": overall, "deviations": deviations,
            "threshold": threshold, "flagged": flagged,
            "missing": sum(1 for r in raters for u in units if (r, u) not in by)}


def calibration_reviews_visible(user, session: Calibration) -> bool:
    """Blind: a participant sees the others' scores once they have scored every contact of
    the session, or once it is closed."""
    if session.closed_at is not None:
        return True
    mine = session.reviews.filter(reviewer=user).count()
    return mine >= session.contacts.count()


# --- surveys ------------------------------------------------------------------------------

def survey_stats(*, agent_id: int | None = None, pool_id: int | None = None,
                 brand_id: int | None = None, start: datetime, end: datetime) -> dict:
    """Surveys created in the window: sent, answered, response rate, CSAT (share of 4 and 5)
    and controllable CSAT."""
    brands = _brand_ids(pool_id=pool_id, brand_id=brand_id)
    qs = Survey.objects.filter(created_at__gte=start, created_at__lt=end)
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    if brands is not None:
        qs = qs.filter(contact__brand_id__in=brands)
    a = qs.aggregate(
        sent=Count("pk"), answered=Count("pk", filter=Q(status=SurveyStatus.ANSWERED)),
        positive=Count("pk", filter=Q(status=SurveyStatus.ANSWERED, rating__gte=4)),
        ctrl=Count("pk", filter=Q(status=SurveyStatus.ANSWERED, controllable=True)),
        ctrl_positive=Count("pk", filter=Q(status=SurveyStatus.ANSWERED, controllable=True,
                                                   rating__gte=4)),
    )
    return {
        "sent": a["sent"], "answered": a["answered"],
        "response_rate": a["answered"] / a["sent"] if a["sent"] else None,
        "csat": a["positive"] / a["answered"] if a["answered"] else None,
        "controllable_csat": a["ctrl_positive"] / a["ctrl"] if a["ctrl"] else None,
    }
