"""The supervisor board (all brands) and the brand dashboard (one brand, read-only)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.brands.models import Brand
from roadie.desk.contacts import actions as contact_actions
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.models import Escalation
from roadie.desk.routing.dispatcher import dispatcher_alive
from roadie.desk.routing.lib import agents_by_state, all_brands, at_risk_contacts, queue_stats
from roadie.desk.web.board import agent_rows
from roadie.desk.web.guards import brand_page, operator_page
from roadie.desk.web.plugs import BOARD_ALERTS


def _board_context() -> dict:
    brands = list(all_brands())
    rows = agent_rows()
    return {
        "stats": queue_stats(brands),
        "agent_rows": rows,
        "agents": agents_by_state(),
        "at_risk": at_risk_contacts(brands),
        "escalations": Escalation.objects.filter(answered_at__isnull=True)
        .select_related("contact__brand", "raised_by").order_by("due_at"),
        "now": timezone.now(),
        "dispatcher_alive": dispatcher_alive(),
        "connector_alerts": _connector_alerts(),
    }


def _connector_alerts() -> list[dict]:
    """What connectors put on the board (the email connector: mailboxes not heard from), each
    as its own template and items; a connector with nothing to say adds nothing."""
    sections = []
    for template, alerts in BOARD_ALERTS:
        items = alerts()
        if items:
            sections.append({"template": template, "alerts": items})
    return sections


@operator_page
def board(request):
    return render(request, "roadie/board.html", _board_context())


@operator_page
def board_panel(request):
    return render(request, "roadie/_board_panel.html", _board_context())


@operator_page
@require_POST
def answer_escalation(request, escalation_id: int):
    escalation = get_object_or_404(Escalation, pk=escalation_id)
    try:
        contact_actions.answer_escalation(request.user, escalation, answer=request.POST.get("answer", ""))
        messages.success(request, _("Answer sent to the agent."))
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("board")


def _brand_context(brand: Brand) -> dict:
    brands = [brand]
    return {"brand": brand, "stats": queue_stats(brands), "at_risk": at_risk_contacts(brands),
            "now": timezone.now()}


@brand_page
def brand_dashboard(request):
    """Live queues, then the last two weeks per channel (volumes and service level)."""
    from datetime import timedelta

    from roadie.desk.brands.models import ServiceLevelPolicy
    from roadie.desk.web.reports import Period, history
    from roadie.desk.web.views_reports import _charts

    brand = request.user.brand
    today = timezone.localdate()
    hist = history([brand], Period(start=today - timedelta(days=13), end=today))
    targets = {p.channel: float(p.target) for p in ServiceLevelPolicy.objects.filter(brand=brand)}
    return render(request, "roadie/brand.html", {**_brand_context(brand), "hist": hist,
                                                  "charts": _charts(hist, targets=targets)})


@brand_page
def brand_panel(request):
    return render(request, "roadie/_brand_panel.html", _brand_context(request.user.brand))
