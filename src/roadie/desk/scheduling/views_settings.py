"""Scheduling settings for supervisors: each pool's booking rules, bonus budget and whether
roadies may go available outside a booked slot; each plan's booking window (early access
for reliable roadies). Writes through ``scheduling.actions.set_pool_rules`` and
``set_plan_window``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadie.desk.brands.models import Pool
from roadie.desk.planning.models import PlanStatus, SlotPlan
from roadie.desk.scheduling import actions, lib
from roadie.desk.scheduling.models import PlanWindow, PoolRules
from roadie.desk.web.guards import supervisor_page
from roadie.engine.scheduling import Rules

LABELS = {
    "max_day_hours": gettext_lazy("Most hours a day"),
    "max_week_hours": gettext_lazy("Most hours a week (Monday to Sunday)"),
    "min_week_hours": gettext_lazy("Fewest hours a week (a warning to the roadie)"),
    "rest_hours": gettext_lazy("Rest between two working days (hours)"),
    "notice_hours": gettext_lazy("Release at least this many hours before the start"),
    "swap_close_hours": gettext_lazy("Swaps close this many hours before the start"),
    "budget_per_point": gettext_lazy("Bonus budget (€ per point of service level)"),
}
FIELDS = tuple(LABELS)


def _when(raw: str, field: str) -> dt.datetime | None:
    """A ``datetime-local`` value in the operator's time zone (empty: none)."""
    if not raw:
        return None
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(raw))
    except ValueError:
        raise actions.SettingsError(f"{field}: a date and time, YYYY-MM-DDTHH:MM") from None


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@supervisor_page
def settings(request):
    errors: dict[str, str] = {}
    if request.method == "POST":
        target = request.POST.get("form", "")
        try:
            if target.startswith("pool-"):
                pool = get_object_or_404(Pool, pk=int(target[5:]))
                actions.set_pool_rules(pool=pool, values={f: request.POST.get(f, "") for f in FIELDS},
                                       login_outside_slots=request.POST.get("login_outside_slots") == "1")
                messages.success(request, _("Rules of %(pool)s saved.") % {"pool": pool.name})
                return redirect(f"{request.path}#pool-{pool.pk}")
            if target.startswith("plan-"):
                plan = get_object_or_404(SlotPlan, pk=int(target[5:]))
                actions.set_plan_window(
                    plan=plan, opens_at=_when(request.POST.get("opens_at", ""), "opens_at"),
                    early_opens_at=_when(request.POST.get("early_opens_at", ""), "early_opens_at"),
                    early_min_reliability=request.POST.get("early_min_reliability") or "0.950")
                messages.success(request, _("Booking window saved."))
                return redirect(f"{request.path}#plan-{plan.pk}")
            errors["form"] = _("Unknown form.")
        except actions.SettingsError as exc:
            errors[target] = str(exc)
        except ValueError:
            errors["form"] = _("Unknown form.")
    defaults = Rules()
    budget = lib.DEFAULT_BUDGET_PER_POINT
    rules = {r.pool_id: r for r in PoolRules.objects.all()}
    pools = []
    for pool in Pool.objects.order_by("name"):
        own = rules.get(pool.pk)
        posted = request.POST if errors.get(f"pool-{pool.pk}") else None
        fields = []
        for name in FIELDS:
            default = budget if name == "budget_per_point" else getattr(defaults, name)
            value = posted.get(name, "") if posted else getattr(own, name, None)
            fields.append({"name": name, "label": LABELS[name], "default": default,
                           "value": "" if value is None else value})
        pools.append({"pool": pool, "fields": fields, "error": errors.get(f"pool-{pool.pk}"),
                      "login_outside_slots": own.login_outside_slots if own else True})
    windows = {w.plan_id: w for w in PlanWindow.objects.all()}
    today = timezone.localdate()
    plans = []
    for plan in (SlotPlan.objects.select_related("pool").filter(
            first_day__gte=today - dt.timedelta(days=6))
            .exclude(status=PlanStatus.SUPERSEDED).order_by("first_day", "pool__name")):
        w = windows.get(plan.pk)
        plans.append({"plan": plan, "error": errors.get(f"plan-{plan.pk}"),
                      "opens_at": _local(w.opens_at if w else None),
                      "early_opens_at": _local(w.early_opens_at if w else None),
                      "early_min_reliability": w.early_min_reliability if w else "0.950"})
    return render(request, "scheduling/settings.html", {
        "pools": pools, "plans": plans, "errors": errors,
    }, status=422 if errors else 200)
