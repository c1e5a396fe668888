"""Every write of quality goes through here: scorecards and their versions, workloads and
their draws, reviews, acknowledgements and disputes, calibration sessions, verdicts on
escalations. Each function runs in one transaction and publishes its live event with it.
(Surveys have their own write path in ``surveys.py``.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from roadie.desk.accounts.access import agent_of, can_review_quality, can_supervise
from roadie.desk.contacts.models import Contact, ContactEvent, Escalation, EventKind, Status
from roadie.desk.live.actions import agent_topic, brand_topic, publish
from roadie.desk.quality import lib
from roadie.desk.quality.access import can_edit_scorecards
from roadie.desk.quality.models import (
    REVIEW_TRANSITIONS,
    Assignment,
    AssignmentStatus,
    Calibration,
    Cycle,
    Dispute,
    DisputeOutcome,
    EscalationVerdict,
    Review,
    ReviewStatus,
    Scorecard,
    ScorecardVersion,
    Workload,
    WorkloadReviewer,
)
from roadie.engine.quality.sampling import draw, share_out
from roadie.engine.quality.scorecard import Scorecard as CardDefinition
from roadie.engine.quality.scorecard import ScorecardError, score


class QualityError(Exception):
    """The action is refused: not allowed, or not in this state (HTTP 403/409/422)."""

    def __init__(self, message: str, *, status: int = 409):
        super().__init__(message)
        self.status = status


def _forbidden(message: str) -> QualityError:
    return QualityError(message, status=403)


def _invalid(message: str) -> QualityError:
    return QualityError(message, status=422)


def _publish(kind: str, *, agent_id: int | None, brand_id: int, **payload) -> None:
    topics = [brand_topic(brand_id)] + ([agent_topic(agent_id)] if agent_id else [])
    publish(kind, topics=topics, payload=payload)


# --- scorecards -------------------------------------------------------------------------

def _definition(definition) -> dict:
    try:
        return CardDefinition.from_dict(definition).to_dict()
    except ScorecardError as exc:
        raise _invalid(f"definition: {exc}") from None


def create_scorecard(user, *, brand, name: str, definition: dict) -> Scorecard:
    if not can_edit_scorecards(user, brand.pk):
        raise _forbidden("only quality staff and the brand's administrators edit its scorecards")
    if not name.strip():
        raise _invalid("name: required")
    checked = _definition(definition)
    with transaction.atomic():
        card = Scorecard.objects.create(brand=brand, name=name.strip()[:120])
        ScorecardVersion.objects.create(scorecard=card, number=1, definition=checked, created_by=user)
    return card


def new_scorecard_version(user, scorecard: Scorecard, *, definition: dict) -> ScorecardVersion:
    """A new version; reviews keep the version they were scored on."""
    if not can_edit_scorecards(user, scorecard.brand_id):
        raise _forbidden("only quality staff and the brand's administrators edit its scorecards")
    checked = _definition(definition)
    with transaction.atomic():
        card = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
        last = card.versions.order_by("-number").values_list("number", flat=True).first() or 0
        return ScorecardVersion.objects.create(scorecard=card, number=last + 1, definition=checked,
                                               created_by=user)


# --- workloads and draws ----------------------------------------------------------------

@dataclass(frozen=True)
class WorkloadData:
    name: str
    scorecard: Scorecard
    brand: object | None = None
    pool: object | None = None
    cycle: str = Cycle.WEEKLY
    filters: dict | None = None
    quota_per_agent: int = 2
    weighted: bool = False
    seed: int = 0
    reviewers: tuple[tuple[object, int], ...] = ()  # (user, weight)


def create_workload(user, data: WorkloadData) -> Workload:
    if not can_review_quality(user):
        raise _forbidden("only quality staff set up workloads")
    if (data.brand is None) == (data.pool is None):
        raise _invalid("brand/pool: a workload covers one brand or one pool")
    if data.cycle not in Cycle.values:
        raise _invalid(f"cycle: one of {Cycle.values}")
    if not 1 <= data.quota_per_agent <= 100:
        raise _invalid("quota_per_agent: from 1 to 100")
    unknown = set(data.filters or {}) - lib.WORKLOAD_FILTERS
    if unknown:
        raise _invalid(f"filters: unknown {sorted(unknown)}; known: {sorted(lib.WORKLOAD_FILTERS)}")
    if not data.reviewers:
        raise _invalid("reviewers: at least one")
    for reviewer, weight in data.reviewers:
        if not can_review_quality(reviewer):
            raise _invalid(f"reviewers: {reviewer.username} may not review quality")
        if weight < 1:
            raise _invalid("reviewers: weights are whole numbers from 1")
    with transaction.atomic():
        workload = Workload.objects.create(
            name=data.name.strip()[:120] or "Workload", scorecard=data.scorecard, brand=data.brand,
            pool=data.pool, cycle=data.cycle, filters=data.filters or {},
            quota_per_agent=data.quota_per_agent, weighted=data.weighted, seed=data.seed,
        )
        WorkloadReviewer.objects.bulk_create(
            [WorkloadReviewer(workload=workload, user=u, weight=w) for u, w in data.reviewers])
    return workload


def draw_workload(user, workload: Workload, *, today: dt.date | None = None) -> list[Assignment]:
    """Draw this cycle's contacts (seeded by the workload's seed and the cycle) and share them
    out among its reviewers; contacts already drawn in the cycle are not drawn again."""
    if user is not None and not can_review_quality(user):
        raise _forbidden("only quality staff draw workloads")
    today = today or timezone.localdate()
    start, end = lib.cycle_bounds(workload.cycle, today)
    with transaction.atomic():
        workload = Workload.objects.select_for_update().get(pk=workload.pk)
        drawn = set(Assignment.objects.filter(workload=workload, cycle_start=start)
                    .values_list("contact_id", flat=True))
        per_agent: dict[int, int] = {}
        for agent_id in Assignment.objects.filter(workload=workload, cycle_start=start).values_list(
                "agent_id", flat=True):
            per_agent[agent_id] = per_agent.get(agent_id, 0) + 1
        candidates = tuple(c for c in lib.workload_candidates(workload, start=start, end=end)
                           if c.contact_id not in drawn)
        seed = workload.seed * 100_003 + start.toordinal()
        chosen = [c for c in draw(candidates, quota_per_agent=workload.quota_per_agent, seed=seed,
                                  weighted=workload.weighted)]
        # top up roadies to their quota only: earlier draws of the cycle count
        kept, taken = [], dict(per_agent)
        for c in chosen:
            if taken.get(c.agent_id, 0) < workload.quota_per_agent:
                kept.append(c)
                taken[c.agent_id] = taken.get(c.agent_id, 0) + 1
        reviewers = tuple(workload.reviewers.values_list("user_id", "weight"))
        if kept and not reviewers:
            raise _invalid("reviewers: this workload has none")
        owners = share_out(len(kept), tuple((r, float(w)) for r, w in reviewers), seed=seed)
        created = Assignment.objects.bulk_create([
            Assignment(workload=workload, cycle_start=start, contact_id=c.contact_id,
                       agent_id=c.agent_id, reviewer_id=r)
            for c, r in zip(kept, owners, strict=True)
        ])
        for reviewer_id in set(owners):
            publish("quality.assigned", topics=[f"user:{reviewer_id}"], payload={"workload": workload.pk})
    return created


# --- reviews ----------------------------------------------------------------------------

def _answers(version: ScorecardVersion, answers: dict) -> tuple[dict, object]:
    card = CardDefinition.from_dict(version.definition)
    values, clean = {}, {}
    if not isinstance(answers, dict):
        raise _invalid("answers: an object keyed by criterion")
    for key, given in answers.items():
        if isinstance(given, dict):
            value, comment = given.get("value"), str(given.get("comment") or "")[:2000]
        else:
            value, comment = given, ""
        values[key] = value
        clean[key] = {"value": value, "comment": comment.strip()}
    try:
        result = score(card, values)
    except ScorecardError as exc:
        raise _invalid(f"answers: {exc}") from None
    return clean, result


def _handler(contact: Contact):
    """The roadie whose work the contact is: who resolved it last."""
    event = (ContactEvent.objects.filter(contact=contact, kind=EventKind.RESOLVED, agent__isnull=False)
             .order_by("-at", "-pk").select_related("agent").first())
    return event.agent if event else contact.agent


def submit_review(user, *, contact: Contact, version: ScorecardVersion, answers: dict,
                  comment: str = "", assignment: Assignment | None = None) -> Review:
    """Score a contact on a scorecard version; the score is computed here, never sent."""
    if not can_review_quality(user):
        raise _forbidden("only quality staff review contacts")
    if version.scorecard.brand_id != contact.brand_id:
        raise _invalid("version: this scorecard is not the contact's brand's")
    clean, result = _answers(version, answers)
    with transaction.atomic():
        if assignment is not None:
            assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
            if assignment.reviewer_id != user.pk:
                raise _forbidden("this assignment is someone else's")
            if assignment.status == AssignmentStatus.DONE or assignment.contact_id != contact.pk:
                raise QualityError("this assignment is already reviewed")
        agent = assignment.agent if assignment else _handler(contact)
        if agent is None or contact.status not in (Status.RESOLVED, Status.ACTIVE, Status.QUEUED):
            raise QualityError("only contacts a roadie has handled can be reviewed")
        review = Review.objects.create(
            contact=contact, agent=agent, reviewer=user, version=version, assignment=assignment,
            answers=clean, comment=comment.strip(), score=result.score,
            critical_failed=result.critical_failed,
        )
        if assignment is not None:
            Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.DONE)
        _publish("quality.reviewed", agent_id=agent.pk, brand_id=contact.brand_id, review=review.pk)
    return review


def _transition(review: Review, new: str) -> None:
    if new not in REVIEW_TRANSITIONS[review.status]:
        raise QualityError(f"review #{review.pk} is {review.get_status_display().lower()}")
    review.status = new


def _own_review(user, review: Review) -> Review:
    review = Review.objects.select_for_update().get(pk=review.pk)
    agent = agent_of(user)
    if agent is None or review.agent_id != agent.pk:
        raise _forbidden("only the roadie whose work was reviewed may do this")
    return review


def acknowledge_review(user, review: Review) -> Review:
    with transaction.atomic():
        review = _own_review(user, review)
        _transition(review, ReviewStatus.ACKNOWLEDGED)
        review.acknowledged_at = timezone.now()
        review.save(update_fields=["status", "acknowledged_at"])
        _publish("quality.acknowledged", agent_id=review.agent_id, brand_id=review.contact.brand_id,
                 review=review.pk)
    return review


def dispute_review(user, review: Review, *, comment: str) -> Dispute:
    if not comment.strip():
        raise _invalid("comment: say what you dispute and why")
    with transaction.atomic():
        review = _own_review(user, review)
        _transition(review, ReviewStatus.DISPUTED)
        review.save(update_fields=["status"])
        try:
            with transaction.atomic():
                dispute = Dispute.objects.create(review=review, raised_by=user, comment=comment.strip(),
                                                 score_before=review.score)
        except IntegrityError:
            raise QualityError("this review was already disputed") from None
        _publish("quality.disputed", agent_id=review.agent_id, brand_id=review.contact.brand_id,
                 review=review.pk)
    return dispute


def resolve_dispute(user, dispute: Dispute, *, outcome: str, resolution: str = "",
                    answers: dict | None = None) -> Dispute:
    """Accepted (scores re-entered), partly accepted (new scores) or rejected (scores frozen)."""
    if not can_review_quality(user):
        raise _forbidden("only quality staff resolve disputes")
    if outcome not in DisputeOutcome.values:
        raise _invalid(f"outcome: one of {DisputeOutcome.values}")
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().select_related("review").get(pk=dispute.pk)
        review = Review.objects.select_for_update().select_related("version", "contact").get(
            pk=dispute.review_id)
        if dispute.resolved_at is not None:
            raise QualityError("this dispute is already resolved")
        if review.reviewer_id == user.pk and not can_supervise(user):
            raise _forbidden("a dispute is resolved by someone other than the reviewer")
        if outcome == DisputeOutcome.REJECTED:
            if answers:
                raise _invalid("answers: a rejected dispute keeps the scores as they are")
            _transition(review, ReviewStatus.FROZEN)
        else:
            if not answers:
                raise _invalid("answers: give the new scores")
            clean, result = _answers(review.version, answers)
            review.answers, review.score = clean, result.score
            review.critical_failed = result.critical_failed
            _transition(review, ReviewStatus.RESOLVED)
        review.save(update_fields=["status", "answers", "score", "critical_failed"])
        dispute.outcome, dispute.resolution = outcome, resolution.strip()
        dispute.resolved_by, dispute.resolved_at = user, timezone.now()
        dispute.score_after = review.score
        dispute.save(update_fields=["outcome", "resolution", "resolved_by", "resolved_at", "score_after"])
        _publish("quality.dispute_resolved", agent_id=review.agent_id, brand_id=review.contact.brand_id,
                 review=review.pk, outcome=outcome)
    return dispute


# --- calibration ------------------------------------------------------------------------

def create_calibration(user, *, name: str, version: ScorecardVersion, expert, reviewers,
                       contacts, threshold: Decimal = Decimal("0.667")) -> Calibration:
    if not can_review_quality(user):
        raise _forbidden("only quality staff run calibration sessions")
    reviewers, contacts = list(reviewers), list(contacts)
    if len({r.pk for r in reviewers} | {expert.pk}) < 3:
        raise _invalid("reviewers: at least two besides the expert")
    if not all(can_review_quality(r) for r in [*reviewers, expert]):
        raise _invalid("reviewers: every participant must be quality staff")
    if not contacts or any(c.brand_id != version.scorecard.brand_id for c in contacts):
        raise _invalid("contacts: one or more contacts of the scorecard's brand")
    if not Decimal(0) < Decimal(threshold) <= Decimal(1):
        raise _invalid("threshold: between 0 and 1")
    with transaction.atomic():
        session = Calibration.objects.create(
            name=name.strip()[:120] or "Calibration", brand_id=version.scorecard.brand_id,
            version=version, expert=expert, threshold=threshold, created_by=user)
        session.reviewers.set([r for r in reviewers if r.pk != expert.pk])
        session.contacts.set(contacts)
    return session


def submit_calibration_review(user, session: Calibration, *, contact: Contact, answers: dict,
                              comment: str = "") -> Review:
    if session.closed_at is not None:
        raise QualityError("this calibration session is closed")
    if user.pk != session.expert_id and not session.reviewers.filter(pk=user.pk).exists():
        raise _forbidden("you are not in this calibration session")
    if not session.contacts.filter(pk=contact.pk).exists():
        raise _invalid("contact: not in this session")
    clean, result = _answers(session.version, answers)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                contact=contact, agent=_handler(contact), reviewer=user, version=session.version,
                calibration=session, answers=clean, comment=comment.strip(), score=result.score,
                critical_failed=result.critical_failed)
    except IntegrityError:
        raise QualityError("you already scored this contact in this session") from None
    return review


def close_calibration(user, session: Calibration) -> Calibration:
    """Compute alpha per criterion at its level and each reviewer's deviation from the
    expert; flag the session when a criterion's alpha is below the threshold."""
    if not can_review_quality(user):
        raise _forbidden("only quality staff close calibration sessions")
    with transaction.atomic():
        session = Calibration.objects.select_for_update().get(pk=session.pk)
        if session.closed_at is not None:
            raise QualityError("this calibration session is already closed")
        results = lib.calibration_results(session)
        session.results = results
        session.flagged = results["flagged"]
        session.closed_at = timezone.now()
        session.save(update_fields=["results", "flagged", "closed_at"])
    return session


# --- escalations ------------------------------------------------------------------------

def judge_escalation(user, escalation: Escalation, *, justified: bool, note: str = "") -> EscalationVerdict:
    if not can_supervise(user) and not can_review_quality(user):
        raise _forbidden("only supervisors and quality staff judge escalations")
    with transaction.atomic():
        verdict, _ = EscalationVerdict.objects.update_or_create(
            escalation=escalation,
            defaults={"justified": justified, "judged_by": user, "judged_at": timezone.now(),
                      "note": note.strip()})
    return verdict


__all__ = [
    "QualityError", "WorkloadData", "acknowledge_review", "close_calibration",
    "create_calibration", "create_scorecard", "create_workload", "dispute_review", "draw_workload",
    "judge_escalation", "new_scorecard_version", "resolve_dispute", "submit_calibration_review",
    "submit_review",
]
