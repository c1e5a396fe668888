"""Quality pages: the reviewer's queue and review page, reviews with acknowledgement and
dispute, disputes, calibration sessions, scorecards, the roadie's own quality, team views
and the transparency page. Thin: reads from ``lib``/``access``, writes through ``actions``."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.accounts.access import (
    agent_of,
    brand_scope,
    can_review_quality,
    can_supervise,
    is_agent,
)
from roadie.desk.brands.models import Brand, Pool
from roadie.desk.contacts.access import access_contact, customer_view
from roadie.desk.quality import actions, lib
from roadie.desk.quality.access import access_review, can_edit_scorecards, visible_reviews
from roadie.desk.quality.models import (
    Assignment,
    AssignmentStatus,
    Calibration,
    Dispute,
    DisputeOutcome,
    ReviewStatus,
    Scorecard,
    Survey,
    SurveyStatus,
    Workload,
)
from roadie.desk.web.guards import role_page
from roadie.engine.quality import INDEX_PARAMETERS
from roadie.engine.quality.scorecard import Scorecard as CardDefinition

quality_page = role_page(can_review_quality, "quality staff only")
agent_page = role_page(is_agent, "roadies only")


def _criteria_form(card: CardDefinition, answers: dict | None = None) -> list[dict]:
    answers = answers or {}
    sections = []
    for s in card.sections:
        rows = []
        for c in s.criteria:
            given = answers.get(c.key) or {}
            rows.append({"c": c, "values": list(range(c.lowest, c.highest + 1)),
                         "value": given.get("value", ""), "comment": given.get("comment", ""),
                         "is_na": c.key in answers and given.get("value") is None})
        sections.append({"s": s, "rows": rows})
    return sections


def _posted_answers(request, card: CardDefinition) -> dict:
    answers = {}
    for c in card.criteria:
        raw = request.POST.get(f"c-{c.key}", "")
        value = None if raw in ("na", "") else int(raw) if raw.lstrip("-").isdigit() else raw
        if raw == "" and not c.na_allowed:
            value = raw  # missing: the scoring names the criterion
        answers[c.key] = {"value": value, "comment": request.POST.get(f"note-{c.key}", "")}
    return answers


def _conversation(request, contact) -> dict:
    """The whole conversation and the customer as this reviewer may see them (the desk's
    own masking and audit: ``contacts.access``)."""
    return {
        "contact": contact,
        "conversation": contact.messages.select_related("author"),
        "customer": customer_view(request.user, contact.customer, brand=contact.brand, via="quality"),
    }


@login_required
def home(request):
    user = request.user
    if not can_review_quality(user):
        if is_agent(user):
            return redirect("quality-me")
        if brand_scope(user) is not None:
            return redirect("quality-team")
        raise PermissionDenied("no quality pages for this account")
    today = timezone.localdate()
    workloads = list(Workload.objects.select_related("brand", "pool", "scorecard").filter(is_active=True))
    for w in workloads:
        w.plan = lib.sample_plan(w, today=today)
    return render(request, "roadie/quality/home.html", {
        "queue": lib.review_queue(user),
        "workloads": workloads,
        "open_disputes": Dispute.objects.filter(resolved_at__isnull=True).count(),
        "calibrations": Calibration.objects.select_related("brand")[:10],
        "scorecards": Scorecard.objects.select_related("brand").prefetch_related("versions"),
        "quality_staff": _quality_staff(),
    })


def _quality_staff():
    """Who may take part in a calibration (asked of the access predicate, operator staff only:
    agents and brand users are never quality staff)."""
    from roadie.desk.accounts.models import User

    staff = User.objects.filter(is_active=True, agent__isnull=True, brand__isnull=True).order_by("username")
    return [u for u in staff if can_review_quality(u)]


@quality_page
@require_POST
def draw(request, workload_id: int):
    workload = get_object_or_404(Workload, pk=workload_id)
    try:
        created = actions.draw_workload(request.user, workload)
        messages.success(request, _("%(n)d contacts drawn for review.") % {"n": len(created)})
    except actions.QualityError as exc:
        messages.error(request, str(exc))
    return redirect("quality")


@quality_page
def review_new(request, assignment_id: int):
    assignment = get_object_or_404(Assignment.objects.select_related("workload__scorecard", "agent__user"),
                                   pk=assignment_id, reviewer=request.user)
    if assignment.status == AssignmentStatus.DONE:
        return redirect("quality-review", review_id=assignment.review.pk)
    contact = access_contact(request.user, assignment.contact_id)
    version = assignment.workload.scorecard.current()
    card = CardDefinition.from_dict(version.definition)
    answers, error = None, ""
    if request.method == "POST":
        answers = _posted_answers(request, card)
        try:
            review = actions.submit_review(request.user, contact=contact, version=version,
                                           answers=answers, comment=request.POST.get("comment", ""),
                                           assignment=assignment)
        except actions.QualityError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Review submitted: %(score)s %%.") % {"score": review.score})
            return redirect("quality-review", review_id=review.pk)
    return render(request, "roadie/quality/review_form.html", {
        **_conversation(request, contact), "assignment": assignment, "version": version,
        "sections": _criteria_form(card, answers), "error": error,
    }, status=422 if error else 200)


@login_required
def review_detail(request, review_id: int):
    review = access_review(request.user, review_id)
    card = CardDefinition.from_dict(review.version.definition)
    dispute = getattr(review, "dispute", None)
    agent = agent_of(request.user)
    return render(request, "roadie/quality/review.html", {
        **_conversation(request, access_contact_for_review(request, review)),
        "review": review, "dispute": dispute, "sections": _criteria_form(card, review.answers),
        "is_mine": agent is not None and review.agent_id == agent.pk,
        "can_resolve": can_review_quality(request.user) and dispute is not None and dispute.resolved_at is None,
        "outcomes": DisputeOutcome.choices, "statuses": ReviewStatus,
    })


def access_contact_for_review(request, review):
    """The reviewed roadie may read the contact of their own review even when the contact
    is no longer offered to them; anyone else reads it through the desk's rules."""
    if is_agent(request.user) and review.agent and review.agent.user_id == request.user.pk:
        return review.contact
    return access_contact(request.user, review.contact_id)


@login_required
@require_POST
def review_act(request, review_id: int, act: str):
    review = access_review(request.user, review_id)
    try:
        if act == "acknowledge":
            actions.acknowledge_review(request.user, review)
            messages.success(request, _("Review acknowledged."))
        elif act == "dispute":
            actions.dispute_review(request.user, review, comment=request.POST.get("comment", ""))
            messages.success(request, _("Dispute sent to quality."))
        elif act == "resolve":
            answers = None
            outcome = request.POST.get("outcome", "")
            if outcome != DisputeOutcome.REJECTED:
                answers = _posted_answers(request, CardDefinition.from_dict(review.version.definition))
            actions.resolve_dispute(request.user, review.dispute, outcome=outcome,
                                    resolution=request.POST.get("resolution", ""), answers=answers)
            messages.success(request, _("Dispute resolved."))
        else:
            raise Http404("no such action")
    except actions.QualityError as exc:
        messages.error(request, str(exc))
    return redirect("quality-review", review_id=review.pk)


@quality_page
def disputes(request):
    rows = Dispute.objects.select_related("review__agent__user", "review__contact__brand", "resolved_by")
    return render(request, "roadie/quality/disputes.html", {"disputes": rows[:200]})


@quality_page
def calibration(request, calibration_id: int):
    session = get_object_or_404(Calibration.objects.select_related("brand", "version", "expert"),
                                pk=calibration_id)
    participant = request.user.pk == session.expert_id or session.reviewers.filter(pk=request.user.pk).exists()
    card = CardDefinition.from_dict(session.version.definition)
    mine = {r.contact_id: r for r in session.reviews.filter(reviewer=request.user)}
    error = ""
    if request.method == "POST" and participant:
        contact = access_contact(request.user, int(request.POST.get("contact", 0) or 0))
        try:
            actions.submit_calibration_review(request.user, session, contact=contact,
                                              answers=_posted_answers(request, card))
            messages.success(request, _("Scores saved."))
            return redirect("quality-calibration", calibration_id=session.pk)
        except actions.QualityError as exc:
            error = str(exc)
    todo = [c for c in session.contacts.select_related("brand") if c.pk not in mine]
    current = todo[0] if todo and participant and session.closed_at is None else None
    visible = lib.calibration_reviews_visible(request.user, session)
    return render(request, "roadie/quality/calibration.html", {
        "session": session, "participant": participant, "done": len(mine),
        "total": session.contacts.count(), "error": error,
        "current": current, "sections": _criteria_form(card) if current else [],
        "others": session.reviews.select_related("reviewer").exclude(reviewer=request.user) if visible else None,
        "results": session.results if session.closed_at else None,
        **({"conversation": current.messages.select_related("author"), "contact": current} if current else {}),
    })


@quality_page
@require_POST
def calibration_close(request, calibration_id: int):
    session = get_object_or_404(Calibration, pk=calibration_id)
    try:
        actions.close_calibration(request.user, session)
    except actions.QualityError as exc:
        messages.error(request, str(exc))
    return redirect("quality-calibration", calibration_id=session.pk)


@login_required
def scorecard(request, card_id: int):
    card = get_object_or_404(Scorecard.objects.select_related("brand"), pk=card_id)
    if not can_edit_scorecards(request.user, card.brand_id):
        raise PermissionDenied("quality staff and the brand's administrators only")
    version = card.current()
    text, error = json.dumps(version.definition, indent=2, ensure_ascii=False), ""
    if request.method == "POST":
        text = request.POST.get("definition", "")
        try:
            definition = json.loads(text)
            version = actions.new_scorecard_version(request.user, card, definition=definition)
            messages.success(request, _("Version %(n)d saved.") % {"n": version.number})
            return redirect("quality-scorecard", card_id=card.pk)
        except json.JSONDecodeError as exc:
            error = _("definition: not valid JSON (%(e)s)") % {"e": exc}
        except actions.QualityError as exc:
            error = str(exc)
    return render(request, "roadie/quality/scorecard.html", {
        "card": card, "version": version, "text": text, "error": error,
        "sections": _criteria_form(CardDefinition.from_dict(version.definition)),
        "versions": card.versions.order_by("-number"),
    }, status=422 if error else 200)


def _trend(*, agent_id: int, end, weeks: int = 6) -> list[dict]:
    return [{"end": end - timedelta(weeks=i),
             "index": lib.quality_index(agent_id=agent_id, end=end - timedelta(weeks=i))}
            for i in range(weeks - 1, -1, -1)]


@agent_page
def me(request):
    agent = request.user.agent
    now = timezone.now()
    index = lib.quality_index(agent_id=agent.pk, end=now)
    pools = Pool.objects.filter(brands__certifications__agent=agent).distinct()
    teams = [{"pool": p, "index": lib.quality_index(pool_id=p.pk, end=now)} for p in pools]
    comments = (Survey.objects.filter(agent=agent, status=SurveyStatus.ANSWERED)
                .exclude(comment="").select_related("contact__brand").order_by("-answered_at")[:10])
    return render(request, "roadie/quality/me.html", {
        "index": index, "teams": teams, "trend": _trend(agent_id=agent.pk, end=now),
        "reviews": visible_reviews(request.user).select_related("version__scorecard", "contact__brand")[:20],
        "comments": comments,
        "surveys": lib.survey_stats(agent_id=agent.pk, start=now - timedelta(days=28), end=now),
    })


@login_required
def team(request):
    """Supervisors and quality staff: every pool and roadie; brand users: their brand only."""
    user = request.user
    own = brand_scope(user)
    if not (can_supervise(user) or can_review_quality(user) or own is not None):
        raise PermissionDenied("supervisors, quality staff and brands only")
    now = timezone.now()
    from roadie.desk.agents.models import Agent

    # one read of the window's counts by (roadie, brand); every row below is a sum of it
    cells = lib.quality_cells(end=now, brand_ids=None if own is None else [own])
    if own is not None:
        brands = Brand.objects.filter(pk=own)
        pools = []
    else:
        brands = Brand.objects.filter(is_active=True)
        of_pool = lib.pool_brands()
        pools = [{"pool": p, "index": cells.index(brands=of_pool.get(p.pk, []))}
                 for p in Pool.objects.order_by("name")]
    rows = [{"brand": b, "index": cells.index(brands=[b.pk])} for b in brands]
    agents = Agent.objects.select_related("user")
    if own is not None:
        agents = agents.filter(certifications__brand_id=own).distinct()
    roadies = [{"agent": a, "index": cells.index(agent_id=a.pk)}
               for a in agents.order_by("user__username")]
    return render(request, "roadie/quality/team.html", {"brands": rows, "pools": pools, "roadies": roadies})


def transparency(request):
    """What is measured, the parameters and weights of the index, and how it feeds pay."""
    return render(request, "roadie/quality/transparency.html", {"p": INDEX_PARAMETERS})


@quality_page
@require_POST
def calibration_new(request):
    """Start a calibration session from the quality page (the expert is the reference)."""
    from decimal import Decimal, InvalidOperation

    from roadie.desk.accounts.models import User
    from roadie.desk.contacts.models import Contact

    card = Scorecard.objects.filter(pk=request.POST.get("scorecard") or 0).first()
    expert = User.objects.filter(pk=request.POST.get("expert") or 0).first()
    reviewers = list(User.objects.filter(pk__in=request.POST.getlist("reviewers")))
    raw_ids = [x.strip() for x in request.POST.get("contacts", "").replace(";", ",").split(",") if x.strip()]
    try:
        ids = [int(x.lstrip("#")) for x in raw_ids]
        threshold = Decimal(request.POST.get("threshold") or "0.667")
    except (ValueError, InvalidOperation):
        messages.error(request, _("contacts and threshold: numbers, e.g. 12, 15, 18 and 0.667"))
        return redirect("quality")
    if card is None or expert is None:
        messages.error(request, _("scorecard and expert: choose both"))
        return redirect("quality")
    try:
        session = actions.create_calibration(
            request.user, name=request.POST.get("name", ""), version=card.current(), expert=expert,
            reviewers=reviewers, contacts=Contact.objects.filter(pk__in=ids), threshold=threshold)
    except actions.QualityError as exc:
        messages.error(request, str(exc))
        return redirect("quality")
    return redirect("quality-calibration", calibration_id=session.pk)
