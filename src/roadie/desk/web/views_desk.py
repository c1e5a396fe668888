"""The agent desk: one workspace (my contacts beside the open conversation, switched without
reloading), presence, and the offer banner shown on every page of the desk."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.accounts import access
from roadie.desk.agents.models import Presence
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.routing import actions as routing_actions
from roadie.desk.routing.lib import start_of_today
from roadie.desk.routing.models import Offer
from roadie.desk.routing.reasons import DECLINE_REASONS
from roadie.desk.web.guards import agent_page
from roadie.desk.web.lib import my_contacts, offer_cards


def home(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    for name in access.home_pages(user):
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return redirect("account")


def is_pane(request) -> bool:
    """A request from the workspace's own script, which swaps the pane in place."""
    return request.headers.get("X-Pane") == "1"


def _desk_context(agent) -> dict:
    return {
        "agent": agent,
        "load": routing_actions.agent_load(agent.pk),
        "presences": Presence.choices,
        "today": today_numbers(agent),
    }


def today_numbers(agent) -> dict:
    """The agent's own numbers today beside the team's (everyone serving the same brands):
    collective measures first, never a stopwatch on one person."""
    since = start_of_today()
    brands = agent.certifications.values("brand_id")
    resolved = Contact.objects.filter(resolved_at__gte=since, status=Status.RESOLVED)
    team = resolved.filter(brand_id__in=brands)
    return {
        "mine": resolved.filter(agent=agent).count(),
        "team": team.count(),
        "team_agents": team.exclude(agent=None).values("agent_id").distinct().count(),
    }


def list_context(request, agent, *, current: int | None = None) -> dict:
    q = request.GET.get("q", "").strip()
    tag = request.GET.get("tag", "").strip().lower()
    return {"mine": my_contacts(agent, q=q, tag=tag), "q": q, "tag": tag, "current": current}


@agent_page
def desk(request):
    agent = request.user.agent
    routing_actions.heartbeat(agent)
    context = _desk_context(agent)
    if is_pane(request):
        return render(request, "roadie/_desk_home.html", context)
    return render(request, "roadie/desk.html", {**context, **list_context(request, agent)})


@agent_page
def desk_panel(request):
    agent = request.user.agent
    routing_actions.heartbeat(agent)
    return render(request, "roadie/_desk_panel.html", _desk_context(agent))


@agent_page
def desk_list(request):
    current = request.GET.get("current")
    return render(request, "roadie/_my_contacts.html",
                  list_context(request, request.user.agent, current=int(current) if (current or "").isdigit() else None))


def banner_context(user) -> dict:
    agent = user.agent
    return {"cards": offer_cards(user, agent), "decline_reasons": DECLINE_REASONS}


@agent_page
def offer_banner(request):
    return render(request, "roadie/_offer_banner.html", banner_context(request.user))


@agent_page
@require_POST
def presence(request):
    try:
        routing_actions.set_presence(request.user.agent, request.POST.get("presence", ""))
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("desk")


@agent_page
@require_POST
def answer_offer(request, offer_id: int, answer: str):
    try:
        if answer == "accept":
            offer = routing_actions.accept_offer(request.user, offer_id)
            return redirect("desk-contact", contact_id=offer.contact_id)
        if answer == "decline":
            reason = request.POST.get("reason", "")
            known = dict(DECLINE_REASONS)
            if reason and reason not in known:
                messages.error(request, _("Unknown reason: choose one of the list."))
                return redirect("desk")
            routing_actions.decline_offer(request.user, offer_id, reason=reason)
            messages.info(request, _("Offer declined: it goes to someone else."))
        else:
            return HttpResponseNotAllowed(["POST"])
    except Offer.DoesNotExist:
        messages.error(request, _("This offer is no longer yours."))
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect(request.POST.get("next") or "desk") if _safe_next(request) else redirect("desk")


def _safe_next(request) -> bool:
    nxt = request.POST.get("next", "")
    return nxt.startswith("/") and not nxt.startswith("//")
