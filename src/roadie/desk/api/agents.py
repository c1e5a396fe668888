"""API: agent state and actions (presence, offers), and the agents list for operators."""

from __future__ import annotations

from django.db.models import Sum
from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from roadie.desk.accounts.access import agent_of, can_supervise
from roadie.desk.agents.models import Agent
from roadie.desk.api.schemas import AgentOut, Error, OfferOut, PresenceIn
from roadie.desk.api.serializers import agent_out, offer_out
from roadie.desk.routing import actions
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer, OfferStatus

router = Router(tags=["agents"])


def _me(request) -> Agent:
    agent = agent_of(request.auth)
    if agent is None:
        raise HttpError(403, "only agents have a presence and offers")
    return agent


@router.get("/agents/me", response={200: AgentOut, 403: Error})
def me(request: HttpRequest):
    agent = _me(request)
    actions.heartbeat(agent)
    return agent_out(agent, actions.agent_load(agent.pk))


@router.post("/agents/me/presence", response={200: AgentOut, 403: Error, 409: Error})
def set_presence(request: HttpRequest, payload: PresenceIn):
    """Go available, on a break, or offline (offers in hand go back to the queue)."""
    agent = actions.set_presence(_me(request), payload.presence)
    return agent_out(agent, actions.agent_load(agent.pk))


@router.get("/agents/me/offers", response={200: list[OfferOut], 403: Error})
def my_offers(request: HttpRequest):
    """Offers waiting for this agent's answer (polling this also keeps the agent present)."""
    agent = _me(request)
    actions.heartbeat(agent)
    offers = Offer.objects.filter(agent=agent, status=OfferStatus.PENDING).select_related("contact__brand")
    return [offer_out(o, request.auth) for o in offers]


@router.post("/offers/{offer_id}/accept", response={200: OfferOut, 403: Error, 404: Error, 409: Error})
def accept(request: HttpRequest, offer_id: int):
    _me(request)
    return offer_out(actions.accept_offer(request.auth, offer_id), request.auth)


@router.post("/offers/{offer_id}/decline", response={200: OfferOut, 403: Error, 404: Error, 409: Error})
def decline(request: HttpRequest, offer_id: int):
    _me(request)
    return offer_out(actions.decline_offer(request.auth, offer_id), request.auth)


@router.get("/agents", response={200: list[AgentOut], 403: Error})
def list_agents(request: HttpRequest):
    """Every agent with presence and load (operators only)."""
    if not can_supervise(request.auth):
        raise HttpError(403, "only supervisors see the agents list")
    loads = dict(
        Offer.objects.filter(status__in=ACTIVE_OFFER_STATUSES)
        .values("agent_id").annotate(units=Sum("cost")).values_list("agent_id", "units")
    )
    agents = Agent.objects.select_related("user").prefetch_related("certifications__brand").order_by("user__username")
    return [agent_out(a, loads.get(a.pk, 0)) for a in agents]
