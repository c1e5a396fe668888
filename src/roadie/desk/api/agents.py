"""API: agent state and actions (presence, offers), the agents list for operators, and
onboarding agents (``POST/PATCH /api/agents``) for the operator administrator."""

from __future__ import annotations

from typing import Literal

from django.db.models import Sum
from django.http import HttpRequest
from ninja import Body, Field, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts.access import agent_of, can_supervise, is_admin
from roadie.desk.accounts.actions import invite_path
from roadie.desk.agents import actions as onboarding
from roadie.desk.agents.models import Agent
from roadie.desk.api.auth import require_scope
from roadie.desk.api.errors import refusals
from roadie.desk.api.schemas import AgentOut, Error, OfferOut, PresenceIn
from roadie.desk.api.serializers import agent_out, offer_out
from roadie.desk.routing import actions
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer, OfferStatus
from roadie.desk.routing.reasons import DECLINE_CODES

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


class DeclineIn(Schema):
    reason: Literal[DECLINE_CODES] | None = Field(  # type: ignore[valid-type]
        None, description="why, as the desk asks it: " + ", ".join(DECLINE_CODES) + " (kept in the contact's history)")


@router.post("/offers/{offer_id}/decline", response={200: OfferOut, 403: Error, 404: Error, 409: Error, 422: Error})
def decline(request: HttpRequest, offer_id: int, payload: Body[DeclineIn] = None):
    """Say no to an offer; it goes to someone else (not back to you for a cool-down)."""
    _me(request)
    reason = (payload.reason if payload else None) or ""
    return offer_out(actions.decline_offer(request.auth, offer_id, reason=reason), request.auth)


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


# Onboarding (operator administrator, admin-scoped tokens): one write path, agents.actions.


class CertIn(Schema):
    brand: str = Field(..., description="the brand's slug")
    regular: bool = Field(False, description="one of the agent's regular brands (routed to first)")
    proficiency: int = Field(3, ge=1, le=5)


class SkillIn(Schema):
    name: str = Field(..., max_length=40)
    level: int = Field(3, ge=1, le=5)


LIMITS = ("most contacts at once per channel, e.g. {\"chat\": 3, \"email\": 2, \"voice\": 1}; "
          "0 = never that channel; a channel not named is bounded by the capacity only")


class AgentIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    email: str = Field("", max_length=254, description="where the invite goes")
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    language: str = Field("fr", description="interface language: fr or en")
    languages: list[str] = Field(["fr"], description="spoken languages, ISO 639-1")
    sign_language: bool = False
    capacity: int = Field(6, description="units shared across channels (call 6, chat 2, email 3)")
    channel_limits: dict[str, int] = Field(default_factory=dict, description=LIMITS)
    is_backup: bool = Field(False, description="member of the weekend/overflow relay")
    certifications: list[CertIn] = Field(default_factory=list)
    skills: list[SkillIn] = Field(default_factory=list)


class AgentPatch(Schema):
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    language: str | None = None
    languages: list[str] | None = None
    sign_language: bool | None = None
    capacity: int | None = None
    channel_limits: dict[str, int] | None = Field(None, description=LIMITS + "; {} removes them")
    is_backup: bool | None = None
    is_active: bool | None = Field(None, description="false: offline now, cannot log in, tokens revoked")
    certifications: list[CertIn] | None = Field(None, description="replaces the agent's certifications")
    skills: list[SkillIn] | None = Field(None, description="replaces the agent's skills")


class AgentDetail(AgentOut):
    email: str
    is_active: bool
    is_backup: bool
    certifications: list[CertIn]
    skills: list[SkillIn]


class NewAgentOut(AgentDetail):
    invite_url: str = Field(description="one-time link to set a password (give it to the agent)")


def _detail(agent: Agent) -> dict:
    agent = Agent.objects.select_related("user").get(pk=agent.pk)
    return {**agent_out(agent, actions.agent_load(agent.pk)), "email": agent.user.email,
            "is_active": agent.user.is_active, "is_backup": agent.is_backup,
            "certifications": [{"brand": c.brand.slug, "regular": c.regular, "proficiency": c.proficiency}
                               for c in agent.certifications.select_related("brand").order_by("brand__slug")],
            "skills": [{"name": s.name, "level": s.level} for s in agent.skills.order_by("name")]}


def _onboarder(request) -> None:
    if not is_admin(request.auth):
        raise HttpError(403, "only the operator administrator onboards agents")
    require_scope(request, "admin")


def _cert_args(payload: dict) -> dict:
    out = {}
    if payload.get("certifications") is not None:
        out["certifications"] = [onboarding.Cert(**c) for c in payload.pop("certifications")]
    else:
        payload.pop("certifications", None)
    if payload.get("skills") is not None:
        out["skills"] = [onboarding.SkillLevel(**s) for s in payload.pop("skills")]
    else:
        payload.pop("skills", None)
    return out


@router.post("/agents", response={201: NewAgentOut, 403: Error, 422: Error})
def create_agent(request: HttpRequest, payload: AgentIn):
    """Onboard an agent: their user (no password yet: ``invite_url``), languages, capacity,
    certifications per brand and skills."""
    _onboarder(request)
    data = payload.dict()
    with refusals():
        agent = onboarding.create_agent(request.auth, via="api", **_cert_args(data), **data)
    return Status(201, {**_detail(agent),
                        "invite_url": request.build_absolute_uri(invite_path(agent.user))})


@router.patch("/agents/{agent_id}", response={200: AgentDetail, 403: Error, 404: Error, 422: Error})
def patch_agent(request: HttpRequest, agent_id: int, payload: AgentPatch):
    """Change the fields given; ``certifications`` and ``skills`` replace the agent's."""
    _onboarder(request)
    agent = Agent.objects.select_related("user").filter(pk=agent_id).first()
    if agent is None:
        raise HttpError(404, f"no agent {agent_id}")
    data = {k: v for k, v in payload.dict(exclude_unset=True).items()
            if v is not None or k in ("certifications", "skills")}
    with refusals():
        onboarding.update_agent(request.auth, agent, via="api", **_cert_args(data), **data)
    return _detail(agent)
