"""Supervisor pages: per brand pool, next week's forecast, requirement and proposed slots."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.brands.models import Pool
from roadie.desk.planning import actions, lib
from roadie.desk.planning.models import SlotPlan
from roadie.desk.web.guards import operator_page


def _week() -> object:
    return lib.next_monday(timezone.localdate())


@operator_page
def index(request):
    first_day = _week()
    return render(request, "roadie/planning/index.html",
                  {"first_day": first_day, "pools": lib.pools_overview(first_day)})


@operator_page
def pool_page(request, slug: str):
    pool = get_object_or_404(Pool, slug=slug)
    first_day = _week()
    plan = lib.latest_plan(pool, first_day)
    slots = list(plan.slots.all()) if plan else []
    return render(request, "roadie/planning/pool.html", {
        "pool": pool, "first_day": first_day, "plan": plan, "slots": slots,
        "brands": pool.brands.all(),
    })


@operator_page
@require_POST
def propose(request, slug: str):
    pool = get_object_or_404(Pool, slug=slug)
    try:
        actions.propose_plan(user=request.user, pool=pool, first_day=_week())
        messages.success(request, _("New slots proposed."))
    except actions.PlanningError as exc:
        messages.error(request, str(exc))
    return redirect("planning-pool", slug=pool.slug)


@operator_page
@require_POST
def publish(request, plan_id: int):
    plan = get_object_or_404(SlotPlan, pk=plan_id)
    try:
        actions.publish_plan(user=request.user, plan=plan)
        messages.success(request, _("Slots published: roadies can book them."))
    except actions.PlanningError as exc:
        messages.error(request, str(exc))
    return redirect("planning-pool", slug=plan.pool.slug)
