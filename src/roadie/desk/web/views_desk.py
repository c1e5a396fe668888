"""The agent desk: presence, offers popping up live, the conversation, reply, resolve, help."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.agents.models import Presence
from roadie.desk.contacts import actions as contact_actions
from roadie.desk.contacts.access import (
    access_contact,
    conversation_view,
    customer_history,
    customer_view,
)
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.models import OPEN_STATUSES, Contact, Status
from roadie.desk.kb.suggest import suggestions_for_contact
from roadie.desk.routing import actions as routing_actions
from roadie.desk.routing.lib import start_of_today
from roadie.desk.routing.models import Offer, OfferStatus
from roadie.desk.web.guards import agent_page


def home(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if user.is_agent:
        return redirect("desk")
    if user.is_brand_user:
        return redirect("brand")
    return redirect("board")


def _desk_context(agent) -> dict:
    offers = (
        Offer.objects.filter(agent=agent, status=OfferStatus.PENDING)
        .select_related("contact__brand").order_by("offered_at")
    )
    mine = (
        Contact.objects.filter(agent=agent, status=Status.ACTIVE)
        .select_related("brand").order_by("arrived_at")
    )
    return {
        "agent": agent,
        "offers": offers,
        "active": mine,
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


@agent_page
def desk(request):
    agent = request.user.agent
    routing_actions.heartbeat(agent)
    return render(request, "roadie/desk.html", _desk_context(agent))


@agent_page
def desk_panel(request):
    agent = request.user.agent
    routing_actions.heartbeat(agent)
    return render(request, "roadie/_desk_panel.html", _desk_context(agent))


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
            routing_actions.decline_offer(request.user, offer_id)
            messages.info(request, _("Offer declined: it goes to someone else."))
        else:
            return HttpResponseNotAllowed(["POST"])
    except Offer.DoesNotExist:
        messages.error(request, _("This offer is no longer yours."))
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("desk")


def _contact_context(request, contact: Contact) -> dict:
    codes = list(contact.brand.wrap_up_codes.all())
    return {
        "contact": contact,
        "customer": customer_view(request.user, contact.customer, brand=contact.brand, via="page"),
        "conversation": conversation_view(request.user, contact),
        "history": customer_history(request.user, contact).select_related("brand")[:10],
        "wrap_up_codes": codes,
        "is_mine": contact.agent_id == getattr(getattr(request.user, "agent", None), "pk", None)
        and contact.status == Status.ACTIVE,
        "open": contact.status in OPEN_STATUSES,
        "kb_suggestions": suggestions_for_contact(request.user, contact),
    }


@agent_page
def contact(request, contact_id: int):
    contact = access_contact(request.user, contact_id)
    return render(request, "roadie/contact.html", _contact_context(request, contact))


@agent_page
def contact_messages(request, contact_id: int):
    contact = access_contact(request.user, contact_id)
    return render(request, "roadie/_conversation.html",
                  {"conversation": conversation_view(request.user, contact), "contact": contact})


def _act(request, contact_id: int, action, success: str):
    contact = access_contact(request.user, contact_id)
    try:
        action(contact)
        messages.success(request, success)
    except ActionError as exc:
        messages.error(request, str(exc))
    return contact


@agent_page
@require_POST
def reply(request, contact_id: int):
    _act(request, contact_id,
         lambda c: contact_actions.reply(request.user, c, body=request.POST.get("body", "")),
         _("Reply sent."))
    return redirect("desk-contact", contact_id=contact_id)


@agent_page
@require_POST
def resolve(request, contact_id: int):
    contact = _act(request, contact_id,
                   lambda c: contact_actions.resolve(request.user, c,
                                                     wrap_up_code=request.POST.get("wrap_up_code", "")),
                   _("Contact resolved."))
    contact.refresh_from_db()
    if contact.status == Status.RESOLVED:
        return redirect("desk")
    return redirect("desk-contact", contact_id=contact_id)


@agent_page
@require_POST
def escalate(request, contact_id: int):
    _act(request, contact_id,
         lambda c: contact_actions.escalate(request.user, c, reason=request.POST.get("reason", "")),
         _("A supervisor has been asked."))
    return redirect(reverse("desk-contact", args=[contact_id]))

