"""API: quality index, scorecards, workloads, assignments, reviews, disputes, calibrations
and surveys (docs/api.md, docs/quality.md)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts.access import agent_of, brand_scope, can_review_quality
from roadie.desk.accounts.models import User
from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Brand, Pool
from roadie.desk.contacts.access import access_contact
from roadie.desk.contacts.models import Contact, Escalation
from roadie.desk.quality import actions, lib, surveys
from roadie.desk.quality.access import access_review, quality_scope, visible_reviews
from roadie.desk.quality.models import (
    Assignment,
    Calibration,
    Dispute,
    Review,
    Scorecard,
    ScorecardVersion,
    Workload,
)
from roadie.engine.quality.sampling import cochran_sample_size

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


# --- errors -----------------------------------------------------------------------------

def _run(fn, *args, **kwargs):
    """Call a write path; its refusals become 403/409/422 with their message."""
    try:
        return fn(*args, **kwargs)
    except actions.QualityError as exc:
        raise HttpError(exc.status, str(exc)) from None
    except surveys.SurveyError as exc:
        raise HttpError(exc.status, str(exc)) from None


def _require_quality(user) -> None:
    if not can_review_quality(user):
        raise HttpError(403, "quality staff only")


# --- scorecards -------------------------------------------------------------------------

class ScorecardIn(Schema):
    brand: str = Field(..., description="the brand's slug")
    name: str = Field(..., max_length=120)
    definition: dict = Field(..., description="sections and criteria (docs/quality.md)")


class VersionIn(Schema):
    definition: dict


class ScorecardOut(Schema):
    id: int
    brand: str
    name: str
    version: int
    version_id: int
    definition: dict


def _card_out(card: Scorecard) -> dict:
    v = card.current()
    return {"id": card.pk, "brand": card.brand.slug, "name": card.name, "version": v.number,
            "version_id": v.pk, "definition": v.definition}


def _visible_cards(user):
    cards = Scorecard.objects.select_related("brand").filter(is_active=True)
    if can_review_quality(user):
        return cards
    if brand_scope(user) is not None:
        return cards.filter(brand_id=brand_scope(user))
    if agent_of(user) is not None:
        return cards.filter(brand__certifications__agent=agent_of(user))
    return cards.none()


@router.get("/quality/scorecards", response=list[ScorecardOut])
def list_scorecards(request: HttpRequest):
    """Scorecards (current version) of the brands this user may see; roadies see those that
    score their work."""
    return [_card_out(c) for c in _visible_cards(request.auth).prefetch_related("versions")]


@router.post("/quality/scorecards", response={201: ScorecardOut, 403: Error, 422: Error})
def create_scorecard(request: HttpRequest, payload: ScorecardIn):
    """A new scorecard (version 1). Quality staff, or the brand's administrators."""
    brand = _lookup(Brand, payload.brand, "brand")
    card = _run(actions.create_scorecard, request.auth, brand=brand, name=payload.name,
                definition=payload.definition)
    return Status(201, _card_out(card))


@router.post("/quality/scorecards/{card_id}/versions", response={201: ScorecardOut, 403: Error, 404: Error, 422: Error})
def new_version(request: HttpRequest, card_id: int, payload: VersionIn):
    """A new version of a scorecard; earlier reviews keep the version they were scored on."""
    card = _visible_cards(request.auth).filter(pk=card_id).first()
    if card is None:
        raise HttpError(404, "no such scorecard")
    _run(actions.new_scorecard_version, request.auth, card, definition=payload.definition)
    return Status(201, _card_out(card))


# --- workloads and assignments ------------------------------------------------------------

class ReviewerIn(Schema):
    username: str
    weight: int = Field(1, ge=1, le=100)


class WorkloadIn(Schema):
    name: str = Field(..., max_length=120)
    scorecard: int = Field(..., description="scorecard id")
    brand: str | None = None
    pool: str | None = None
    cycle: str = Field("weekly", description="daily, weekly or monthly")
    filters: dict = Field(default_factory=dict, description="channel, wrap_up_code, escalated, "
                          "low_csat, min_handle_minutes, new_roadie_days")
    quota_per_agent: int = 2
    weighted: bool = False
    seed: int = 0
    reviewers: list[ReviewerIn]


class WorkloadOut(Schema):
    id: int
    name: str
    brand: str | None
    pool: str | None
    scorecard: int
    cycle: str
    filters: dict
    quota_per_agent: int
    weighted: bool
    seed: int
    reviewers: list[ReviewerIn]


class SamplingPlanOut(Schema):
    cycle_start: date
    population: int
    drawn: int
    margin: float = Field(description="margin of error of the draw so far (95 %)")
    needed_for_5_percent: int


class AssignmentOut(Schema):
    id: int
    workload: int
    cycle_start: date
    contact: int
    brand: str
    channel: str
    agent: int
    reviewer: str
    status: str
    url: str


def _workload_out(w: Workload) -> dict:
    return {"id": w.pk, "name": w.name, "brand": w.brand.slug if w.brand else None,
            "pool": w.pool.slug if w.pool else None, "scorecard": w.scorecard_id, "cycle": w.cycle,
            "filters": w.filters, "quota_per_agent": w.quota_per_agent, "weighted": w.weighted,
            "seed": w.seed, "reviewers": [{"username": r.user.username, "weight": r.weight}
                                          for r in w.reviewers.select_related("user")]}


def _assignment_out(a: Assignment) -> dict:
    return {"id": a.pk, "workload": a.workload_id, "cycle_start": a.cycle_start, "contact": a.contact_id,
            "brand": a.contact.brand.slug, "channel": a.contact.channel, "agent": a.agent_id,
            "reviewer": a.reviewer.username, "status": a.status,
            "url": reverse("quality-review-new", args=[a.pk])}


@router.get("/quality/workloads", response={200: list[WorkloadOut], 403: Error})
def list_workloads(request: HttpRequest):
    _require_quality(request.auth)
    return [_workload_out(w) for w in Workload.objects.select_related("brand", "pool")]


@router.post("/quality/workloads", response={201: WorkloadOut, 403: Error, 422: Error})
def create_workload(request: HttpRequest, payload: WorkloadIn):
    """A sampling workload for one brand or one pool. Quality staff."""
    _require_quality(request.auth)
    card = Scorecard.objects.filter(pk=payload.scorecard).first()
    if card is None:
        raise HttpError(422, f"scorecard: no scorecard {payload.scorecard}")
    users = {u.username: u for u in User.objects.filter(username__in=[r.username for r in payload.reviewers])}
    missing = sorted({r.username for r in payload.reviewers} - set(users))
    if missing:
        raise HttpError(422, f"reviewers: unknown users {missing}")
    workload = _run(actions.create_workload, request.auth, actions.WorkloadData(
        name=payload.name, scorecard=card, brand=_lookup(Brand, payload.brand, "brand"),
        pool=_lookup(Pool, payload.pool, "pool"), cycle=payload.cycle, filters=payload.filters,
        quota_per_agent=payload.quota_per_agent, weighted=payload.weighted, seed=payload.seed,
        reviewers=tuple((users[r.username], r.weight) for r in payload.reviewers)))
    return Status(201, _workload_out(workload))


@router.post("/quality/workloads/{workload_id}/draw", response={201: list[AssignmentOut], 403: Error, 404: Error})
def draw_workload(request: HttpRequest, workload_id: int):
    """Draw this cycle's contacts (seeded, reproducible; a contact is drawn once a cycle)."""
    _require_quality(request.auth)
    workload = Workload.objects.filter(pk=workload_id).first()
    if workload is None:
        raise HttpError(404, "no such workload")
    created = _run(actions.draw_workload, request.auth, workload)
    found = Assignment.objects.filter(pk__in=[a.pk for a in created]).select_related("contact__brand", "reviewer")
    return Status(201, [_assignment_out(a) for a in found])


@router.get("/quality/workloads/{workload_id}/plan", response={200: SamplingPlanOut, 403: Error, 404: Error})
def workload_plan(request: HttpRequest, workload_id: int):
    """The cycle's population, the draw so far, its margin of error, and Cochran's size."""
    _require_quality(request.auth)
    workload = Workload.objects.filter(pk=workload_id).first()
    if workload is None:
        raise HttpError(404, "no such workload")
    return lib.sample_plan(workload, today=timezone.localdate())


@router.get("/quality/assignments", response={200: list[AssignmentOut], 403: Error})
def my_assignments(request: HttpRequest):
    """The calling reviewer's queue of contacts to review."""
    _require_quality(request.auth)
    return [_assignment_out(a) for a in lib.review_queue(request.auth).select_related("reviewer")]


@router.get("/quality/sample-size", response={200: dict, 422: Error}, auth=None)
def sample_size(request: HttpRequest, population: int, confidence: float = 0.95, margin: float = 0.05):
    """Cochran's sample size with the finite-population correction (278 for 1,000 at 95 % +/- 5 %)."""
    try:
        n = cochran_sample_size(population, confidence=confidence, margin=margin)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None
    return {"population": population, "confidence": confidence, "margin": margin, "sample": n}


# --- reviews and disputes -----------------------------------------------------------------

class ReviewIn(Schema):
    contact: int | None = Field(None, description="the contact (or give an assignment)")
    assignment: int | None = None
    version: int | None = Field(None, description="scorecard version id (default: the assignment's "
                                "scorecard, current version)")
    answers: dict = Field(..., description="{criterion key: {value: number or null for N/A, comment}}")
    comment: str = Field("", max_length=5000)


class DisputeOut(Schema):
    id: int
    review: int
    comment: str
    raised_at: datetime
    outcome: str
    resolution: str
    resolved_at: datetime | None
    score_before: float
    score_after: float | None
    hours_to_resolve: float | None


class ReviewOut(Schema):
    id: int
    contact: int
    agent: int | None
    reviewer: str
    scorecard: int
    version: int
    score: float
    critical_failed: str
    status: str
    answers: dict
    comment: str
    submitted_at: datetime
    dispute: DisputeOut | None


class DisputeIn(Schema):
    comment: str = Field(..., min_length=1, max_length=5000)


class ResolveDisputeIn(Schema):
    outcome: str = Field(..., description="accepted, partly or rejected")
    resolution: str = Field("", max_length=5000)
    answers: dict | None = Field(None, description="the new scores (accepted, partly)")


def _dispute_out(d: Dispute | None) -> dict | None:
    if d is None:
        return None
    hours = (d.resolved_at - d.raised_at).total_seconds() / 3600 if d.resolved_at else None
    return {"id": d.pk, "review": d.review_id, "comment": d.comment, "raised_at": d.raised_at,
            "outcome": d.outcome, "resolution": d.resolution, "resolved_at": d.resolved_at,
            "score_before": d.score_before, "score_after": d.score_after, "hours_to_resolve": hours}


def _review_out(r: Review) -> dict:
    return {"id": r.pk, "contact": r.contact_id, "agent": r.agent_id, "reviewer": r.reviewer.username,
            "scorecard": r.version.scorecard_id, "version": r.version.number, "score": r.score,
            "critical_failed": r.critical_failed, "status": r.status, "answers": r.answers,
            "comment": r.comment, "submitted_at": r.submitted_at,
            "dispute": _dispute_out(getattr(r, "dispute", None))}


@router.get("/quality/reviews", response=list[ReviewOut])
def list_reviews(request: HttpRequest, agent: int | None = None, status: str | None = None,
                 limit: int = 50, offset: int = 0):
    """Reviews this user may read: quality staff all, brand users their brand's, roadies theirs."""
    qs = visible_reviews(request.auth).select_related("reviewer", "version", "dispute")
    if agent is not None:
        qs = qs.filter(agent_id=agent)
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 500))
    return [_review_out(r) for r in qs[max(0, offset):max(0, offset) + limit]]


@router.get("/quality/reviews/{review_id}", response={200: ReviewOut, 404: Error})
def get_review(request: HttpRequest, review_id: int):
    return _review_out(access_review(request.auth, review_id))


@router.post("/quality/reviews", response={201: ReviewOut, 403: Error, 404: Error, 409: Error, 422: Error})
def submit_review(request: HttpRequest, payload: ReviewIn):
    """Score a contact; the score is computed by roadie from the answers."""
    user = request.auth
    _require_quality(user)
    assignment = None
    if payload.assignment is not None:
        assignment = Assignment.objects.filter(pk=payload.assignment).select_related(
            "workload__scorecard").first()
        if assignment is None:
            raise HttpError(404, "no such assignment")
        contact = access_contact(user, assignment.contact_id)
    elif payload.contact is not None:
        contact = access_contact(user, payload.contact)
    else:
        raise HttpError(422, "contact: give a contact or an assignment")
    if payload.version is not None:
        version = ScorecardVersion.objects.select_related("scorecard").filter(pk=payload.version).first()
        if version is None:
            raise HttpError(422, f"version: no scorecard version {payload.version}")
    elif assignment is not None:
        version = assignment.workload.scorecard.current()
    else:
        raise HttpError(422, "version: required without an assignment")
    review = _run(actions.submit_review, user, contact=contact, version=version,
                  answers=payload.answers, comment=payload.comment, assignment=assignment)
    return Status(201, _review_out(review))


@router.post("/quality/reviews/{review_id}/acknowledge", response={200: ReviewOut, 403: Error, 404: Error, 409: Error})
def acknowledge(request: HttpRequest, review_id: int):
    """The reviewed roadie acknowledges the review."""
    review = access_review(request.auth, review_id)
    return _review_out(_run(actions.acknowledge_review, request.auth, review))


@router.post("/quality/reviews/{review_id}/dispute", response={201: DisputeOut, 403: Error, 404: Error, 409: Error, 422: Error})
def dispute(request: HttpRequest, review_id: int, payload: DisputeIn):
    """The reviewed roadie disputes the review (a comment is required)."""
    review = access_review(request.auth, review_id)
    return Status(201, _dispute_out(_run(actions.dispute_review, request.auth, review, comment=payload.comment)))


@router.get("/quality/disputes", response={200: list[DisputeOut], 403: Error})
def list_disputes(request: HttpRequest, open: bool | None = None):
    """Disputes, newest first, with their resolution time. Quality staff."""
    _require_quality(request.auth)
    qs = Dispute.objects.all()
    if open is not None:
        qs = qs.filter(resolved_at__isnull=open)
    return [_dispute_out(d) for d in qs[:500]]


@router.post("/quality/disputes/{dispute_id}/resolve", response={200: DisputeOut, 403: Error, 404: Error, 409: Error, 422: Error})
def resolve_dispute(request: HttpRequest, dispute_id: int, payload: ResolveDisputeIn):
    """Accepted or partly accepted (with new scores), or rejected (scores frozen)."""
    found = Dispute.objects.filter(pk=dispute_id).first()
    if found is None or not can_review_quality(request.auth):
        raise HttpError(404, "no such dispute")
    return _dispute_out(_run(actions.resolve_dispute, request.auth, found, outcome=payload.outcome,
                             resolution=payload.resolution, answers=payload.answers))


# --- calibration --------------------------------------------------------------------------

class CalibrationIn(Schema):
    name: str = Field(..., max_length=120)
    version: int = Field(..., description="scorecard version id")
    expert: str = Field(..., description="the expert's username (the reference)")
    reviewers: list[str]
    contacts: list[int]
    threshold: float = Field(0.667, gt=0, le=1)


class CalibrationOut(Schema):
    id: int
    name: str
    brand: str
    version: int
    expert: str
    reviewers: list[str]
    contacts: list[int]
    threshold: float
    closed_at: datetime | None
    flagged: bool
    results: dict
    submitted: int


class CalibrationReviewIn(Schema):
    contact: int
    answers: dict
    comment: str = ""


def _calibration_out(c: Calibration) -> dict:
    return {"id": c.pk, "name": c.name, "brand": c.brand.slug, "version": c.version_id,
            "expert": c.expert.username, "reviewers": [u.username for u in c.reviewers.all()],
            "contacts": list(c.contacts.values_list("pk", flat=True)), "threshold": c.threshold,
            "closed_at": c.closed_at, "flagged": c.flagged, "results": c.results,
            "submitted": c.reviews.count()}


def _calibration(user, calibration_id: int) -> Calibration:
    _require_quality(user)
    found = Calibration.objects.select_related("brand", "expert", "version").filter(pk=calibration_id).first()
    if found is None:
        raise HttpError(404, "no such calibration session")
    return found


@router.get("/quality/calibrations", response={200: list[CalibrationOut], 403: Error})
def list_calibrations(request: HttpRequest):
    _require_quality(request.auth)
    return [_calibration_out(c) for c in Calibration.objects.select_related("brand", "expert")[:200]]


@router.post("/quality/calibrations", response={201: CalibrationOut, 403: Error, 422: Error})
def create_calibration(request: HttpRequest, payload: CalibrationIn):
    """A blind calibration session: several reviewers and an expert score the same contacts."""
    _require_quality(request.auth)
    version = ScorecardVersion.objects.select_related("scorecard").filter(pk=payload.version).first()
    if version is None:
        raise HttpError(422, f"version: no scorecard version {payload.version}")
    names = {payload.expert, *payload.reviewers}
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    if names - set(users):
        raise HttpError(422, f"reviewers: unknown users {sorted(names - set(users))}")
    contacts = list(Contact.objects.filter(pk__in=payload.contacts))
    if len(contacts) != len(set(payload.contacts)):
        raise HttpError(422, "contacts: unknown contact ids")
    session = _run(actions.create_calibration, request.auth, name=payload.name, version=version,
                   expert=users[payload.expert], reviewers=[users[n] for n in payload.reviewers],
                   contacts=contacts, threshold=Decimal(str(payload.threshold)))
    return Status(201, _calibration_out(session))


@router.get("/quality/calibrations/{calibration_id}", response={200: CalibrationOut, 403: Error, 404: Error})
def get_calibration(request: HttpRequest, calibration_id: int):
    return _calibration_out(_calibration(request.auth, calibration_id))


@router.post("/quality/calibrations/{calibration_id}/reviews", response={201: dict, 403: Error, 404: Error, 409: Error, 422: Error})
def calibration_review(request: HttpRequest, calibration_id: int, payload: CalibrationReviewIn):
    """A participant's scores for one contact of the session (blind: the others' scores are
    not returned until this participant has scored every contact)."""
    session = _calibration(request.auth, calibration_id)
    contact = access_contact(request.auth, payload.contact)
    review = _run(actions.submit_calibration_review, request.auth, session, contact=contact,
                  answers=payload.answers, comment=payload.comment)
    return Status(201, {"id": review.pk, "score": float(review.score),
                        "others_visible": lib.calibration_reviews_visible(request.auth, session)})


@router.post("/quality/calibrations/{calibration_id}/close", response={200: CalibrationOut, 403: Error, 404: Error, 409: Error})
def close_calibration(request: HttpRequest, calibration_id: int):
    """Close the session: alpha per criterion at its level, deviation per reviewer, flag."""
    session = _calibration(request.auth, calibration_id)
    return _calibration_out(_run(actions.close_calibration, request.auth, session))


# --- surveys ------------------------------------------------------------------------------

class SurveyAnswerIn(Schema):
    token: str = Field(..., description="the signed token of the survey link")
    rating: int = Field(..., description="1 to 5")
    comment: str = Field("", max_length=2000)
    reason: str = Field("", description="for a rating of 1 to 3: attitude, answer, wait, "
                        "delivery, policy, product, other")


class SurveyAnswerOut(Schema):
    survey: int
    counted: bool = Field(description="false when the survey was already answered (a replay)")
    rating: int
    controllable: bool


class SurveyStatsOut(Schema):
    sent: int
    answered: int
    response_rate: float | None
    csat: float | None = Field(description="share of 4 and 5 among all answers")
    controllable_csat: float | None = Field(description="the same, low ratings with reasons out of "
                                            "the roadie's hands left out")


@router.post("/surveys/answer", response={200: SurveyAnswerOut, 404: Error, 409: Error, 410: Error, 422: Error},
             auth=None)
def answer_survey(request: HttpRequest, payload: SurveyAnswerIn):
    """The customer's answer, authenticated by the survey link's signed, single-use token
    (no login). A replay answers ``counted: false`` and changes nothing."""
    survey = _run(surveys.survey_for_token, payload.token)
    survey, counted = _run(surveys.answer_survey, survey, rating=payload.rating,
                           comment=payload.comment, reason=payload.reason, payload=request.body,
                           content_type=request.content_type or "", source="api")
    return {"survey": survey.pk, "counted": counted, "rating": survey.rating,
            "controllable": survey.controllable}


@router.get("/quality/surveys", response={200: SurveyStatsOut, 403: Error, 422: Error})
def survey_stats(request: HttpRequest, q: Query[QualityQuery]):
    """Response rate and CSAT over the window, for the same scopes as /quality."""
    pool = _lookup(Pool, q.pool, "pool")
    brand = _lookup(Brand, q.brand, "brand")
    try:
        scope = quality_scope(request.auth, agent_id=q.agent, pool=pool, brand=brand)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    end = q.end or timezone.now()
    return lib.survey_stats(agent_id=scope.agent_id, pool_id=scope.pool_id, brand_id=scope.brand_id,
                            start=end - timedelta(days=q.days), end=end)


# --- escalations ---------------------------------------------------------------------------

class VerdictIn(Schema):
    justified: bool
    note: str = Field("", max_length=2000)


class VerdictOut(Schema):
    escalation: int
    justified: bool
    judged_by: str
    judged_at: datetime


@router.post("/quality/escalations/{escalation_id}/verdict", response={200: VerdictOut, 403: Error, 404: Error})
def judge_escalation(request: HttpRequest, escalation_id: int, payload: VerdictIn):
    """A supervisor's or quality reviewer's judgement: was this request for help justified?
    (feeds the index's justified-escalations component; judging again replaces it)."""
    escalation = Escalation.objects.filter(pk=escalation_id).first()
    if escalation is None:
        raise HttpError(404, "no such escalation")
    verdict = _run(actions.judge_escalation, request.auth, escalation, justified=payload.justified,
                   note=payload.note)
    return {"escalation": escalation.pk, "justified": verdict.justified,
            "judged_by": verdict.judged_by.username, "judged_at": verdict.judged_at}
