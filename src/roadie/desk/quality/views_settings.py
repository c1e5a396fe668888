"""Quality settings pages: create a scorecard, set up a workload (quality staff), and judge
escalations (supervisors and quality staff). Writes go through ``quality.actions``, the same
functions as the API."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from roadie.desk.accounts.access import can_review_quality, can_supervise
from roadie.desk.brands.models import Brand, Pool
from roadie.desk.contacts.models import Escalation
from roadie.desk.quality import actions
from roadie.desk.quality.models import Cycle, Scorecard
from roadie.desk.web.guards import role_page

quality_page = role_page(can_review_quality, "quality staff only")
judge_page = role_page(lambda u: can_supervise(u) or can_review_quality(u),
                       "supervisors and quality staff only")

STARTER_CARD = {"sections": [
    {"key": "open", "label": "Opening", "criteria": [
        {"key": "greet", "label": "Greets the customer", "scale": "binary"}]},
    {"key": "solve", "label": "Solving", "weight": 3, "criteria": [
        {"key": "answer", "label": "Right answer", "scale": "5", "weight": 2},
        {"key": "policy", "label": "Follows the brand's policy", "scale": "binary",
         "critical": "review"}]},
]}


def _staff():
    from roadie.desk.quality.views import _quality_staff

    return _quality_staff()


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@quality_page
def setup(request):
    """GET: the two forms; POST ``form=scorecard`` or ``form=workload``."""
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        form = request.POST.get("form")
        try:
            if form == "scorecard":
                return _create_scorecard(request)
            if form == "workload":
                return _create_workload(request)
            errors["form"] = _("Unknown form.")
        except actions.QualityError as exc:
            errors[form] = str(exc)
        except ValueError as exc:
            errors[form] = str(exc)
    return render(request, "roadie/quality/setup.html", {
        "brands": Brand.objects.filter(is_active=True).order_by("name"),
        "pools": Pool.objects.order_by("name"),
        "scorecards": Scorecard.objects.select_related("brand").order_by("brand__name", "name"),
        "cycles": Cycle.choices, "staff": _staff(), "errors": errors, "values": values,
        "starter": json.dumps(STARTER_CARD, indent=2, ensure_ascii=False),
    }, status=422 if errors else 200)


def _create_scorecard(request):
    brand = Brand.objects.filter(pk=_int(request.POST.get("brand"), 0)).first()
    if brand is None:
        raise ValueError(_("brand: choose the brand this scorecard scores"))
    try:
        definition = json.loads(request.POST.get("definition") or "")
    except json.JSONDecodeError as exc:
        raise ValueError(_("definition: not valid JSON (%(error)s)") % {"error": exc.msg}) from None
    card = actions.create_scorecard(request.user, brand=brand, name=request.POST.get("name", ""),
                                    definition=definition)
    messages.success(request, _("Scorecard %(name)s created.") % {"name": card.name})
    return redirect("quality-scorecard", card_id=card.pk)


def _create_workload(request):
    p = request.POST
    card = Scorecard.objects.filter(pk=_int(p.get("scorecard"), 0)).first()
    if card is None:
        raise ValueError(_("scorecard: choose one"))
    covers = p.get("covers", "")
    brand = pool = None
    if covers.startswith("brand:"):
        brand = Brand.objects.filter(pk=_int(covers[6:], 0)).first()
    elif covers.startswith("pool:"):
        pool = Pool.objects.filter(pk=_int(covers[5:], 0)).first()
    filters: dict = {}
    if p.get("channel"):
        filters["channel"] = p["channel"]
    for flag in ("escalated", "low_csat"):
        if p.get(flag):
            filters[flag] = True
    for number in ("min_handle_minutes", "new_roadie_days"):
        if p.get(number):
            value = _int(p[number], -1)
            if value < 1:
                raise ValueError(_("%(field)s: a whole number from 1") % {"field": number})
            filters[number] = value
    staff = {str(u.pk): u for u in _staff()}
    reviewers = []
    for pk in p.getlist("reviewers"):
        if pk in staff:
            reviewers.append((staff[pk], _int(p.get(f"weight-{pk}"), 0)))
    quota = _int(p.get("quota_per_agent"), 0)
    workload = actions.create_workload(request.user, actions.WorkloadData(
        name=p.get("name", ""), scorecard=card, brand=brand, pool=pool, cycle=p.get("cycle", ""),
        filters=filters, quota_per_agent=quota, weighted=bool(p.get("weighted")),
        seed=_int(p.get("seed"), 0), reviewers=tuple(reviewers)))
    messages.success(request, _("Workload %(name)s set up: draw it from the quality page.")
                     % {"name": workload.name})
    return redirect("quality")


@judge_page
def escalations(request):
    """Escalations with their verdicts; a form per escalation (POST: ``escalation``,
    ``justified`` yes/no, ``note``)."""
    if request.method == "POST":
        esc = Escalation.objects.filter(pk=_int(request.POST.get("escalation"), 0)).first()
        justified = request.POST.get("justified")
        if esc is None or justified not in ("yes", "no"):
            messages.error(request, _("justified: say whether asking for help was justified"))
        else:
            try:
                actions.judge_escalation(request.user, esc, justified=justified == "yes",
                                         note=request.POST.get("note", ""))
                messages.success(request, _("Verdict recorded for escalation #%(n)s.") % {"n": esc.pk})
            except actions.QualityError as exc:
                messages.error(request, str(exc))
        return redirect(request.POST.get("next") or "quality-escalations")
    show = request.GET.get("show", "open")
    rows = (Escalation.objects.select_related("contact__brand", "raised_by", "verdict__judged_by")
            .order_by("-raised_at"))
    if show == "open":
        rows = rows.filter(verdict__isnull=True)
    return render(request, "roadie/quality/escalations.html", {"rows": rows[:100], "show": show})
