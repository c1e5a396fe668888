"""Supervisor pages: per brand pool, next week's forecast, requirement and proposed slots."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.brands.models import Pool
from roadie.desk.planning import actions, lib
from roadie.desk.planning.models import RequestStatus, SlotPlan
from roadie.desk.web.guards import operator_page


def _week() -> object:
    return lib.next_monday(timezone.localdate())


@operator_page
def index(request):
    first_day = _week()
    return render(request, "roadie/planning/index.html",
                  {"first_day": first_day, "pools": lib.pools_overview(first_day)})


STEPS = {
    "queued": gettext_lazy("waiting for the worker"),
    "history": gettext_lazy("reading the contacts"),
    "forecast": gettext_lazy("forecasting each series"),
    "slots": gettext_lazy("choosing the slots"),
    "chart": gettext_lazy("drawing the chart"), "done": gettext_lazy("done"),
}


def _pool_context(pool, first_day, rows) -> dict:
    plan = lib.latest_plan(pool, first_day)
    slots = list(plan.slots.all()) if plan else []
    request = lib.latest_request(pool, first_day)
    active = request if request and request.status in (RequestStatus.QUEUED,
                                                        RequestStatus.RUNNING) else None
    chart = ""
    if plan:
        chart = plan.charts.get(get_language() or "en") or plan.chart_svg
    forecast = []
    if plan:
        names = {r["series"]: r for r in rows}
        for series, n in plan.forecast_contacts.items():
            row = names.get(series)
            forecast.append({"brand": row["brand"] if row else series.split("/")[0],
                             "channel": row["channel"] if row else series.split("/")[-1],
                             "contacts": n})
    return {"pool": pool, "first_day": first_day, "plan": plan, "slots": slots,
            "brands": pool.brands.all(), "rows": rows, "request": request, "active": active,
            "step": STEPS.get(active.step, active.step) if active else "",
            "failed": request if request and request.status == RequestStatus.FAILED else None,
            "chart": chart, "forecast": forecast,
            "from_plan": plan is not None and any(r.get("from_plan") for r in rows)}


@operator_page
def pool_page(request, slug: str):
    pool = get_object_or_404(Pool, slug=slug)
    first_day = _week()
    rows = lib.series_rows(pool, before=min(timezone.localdate(), first_day),
                           plan=lib.latest_plan(pool, first_day))
    return render(request, "roadie/planning/pool.html", _pool_context(pool, first_day, rows))


@operator_page
@require_POST
def propose(request, slug: str):
    pool = get_object_or_404(Pool, slug=slug)
    first_day = _week()
    rows = lib.series_rows(pool, before=min(timezone.localdate(), first_day),
                           plan=lib.latest_plan(pool, first_day))
    if not rows:
        messages.error(request, _("No contacts in the last weeks: nothing to forecast from."))
        return redirect("planning-pool", slug=pool.slug)
    try:
        overrides = lib.parse_overrides(request.POST, rows)
    except ValueError as exc:
        for row in rows:  # show what was typed
            for name in lib.EDITABLE:
                row[name] = request.POST.get(f"s{row['index']}-{name}", row[name])
        context = _pool_context(pool, first_day, rows)
        context["form_error"] = str(exc)
        return render(request, "roadie/planning/pool.html", context, status=400)
    actions.request_plan(user=request.user, pool=pool, first_day=first_day,
                         overrides=overrides)
    messages.success(request, _("Proposal queued: the worker is making it."))
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
