"""API: the call panel's twins (hold, resume, end, transfer of a call on the line).

Each goes through the panel's write path in ``voice.actions``, which tells the provider
(``control``) before it records the step. Who may act is decided as for the panel's pages
(``views_panel``): agents and supervisors pass the role guard (403 otherwise),
``access_contact`` decides whom the contact is visible to (404 otherwise), the write path
refuses the rest with 409 (not a call, not on the line, someone else's call); a provider's
refusal is a 409 carrying the provider's reason, and records nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field, StringConstraints

from roadie.connectors.voice import actions
from roadie.connectors.voice.models import Call
from roadie.desk.accounts.access import can_supervise, is_agent
from roadie.desk.agents.models import Agent
from roadie.desk.api.schemas import Error
from roadie.desk.contacts.access import access_contact

router = Router(tags=["calls"])

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100_000)]


class CallOut(Schema):
    contact: int
    contact_status: str = Field(description="the contact's status (queued after a transfer to the queue)")
    agent: int | None = Field(description="the agent handling the contact now")
    state: str = Field(description="waiting, answered, ended or abandoned")
    on_hold: bool
    holds: int
    hold_seconds: float
    answered_at: datetime | None
    ended_at: datetime | None
    talk_seconds: float | None


RESPONSES = {200: CallOut, 403: Error, 404: Error, 409: Error}


class CallTransferIn(Schema):
    agent: int | None = Field(None, description="a colleague's agent id: the caller is put through to them "
                              "(available, certified for the brand, with free capacity)")
    queue: bool = Field(False, description="true: back in the brand's queue")
    note: Note = Field("", description="an internal note left in the thread")


def _acting(request, contact_id: int) -> None:
    user = request.auth
    if not (is_agent(user) or can_supervise(user)):
        raise HttpError(403, "agents and supervisors only")
    access_contact(user, contact_id)  # 404 when the caller may not see it


def call_out(contact_id: int) -> dict:
    call = Call.objects.select_related("contact").get(contact_id=contact_id)
    return {"contact": contact_id, "contact_status": call.contact.status, "agent": call.contact.agent_id,
            "state": call.state, "on_hold": call.held_at is not None, "holds": call.holds,
            "hold_seconds": call.hold_seconds, "answered_at": call.answered_at, "ended_at": call.ended_at,
            "talk_seconds": call.talk_seconds}


@router.post("/contacts/{contact_id}/call/hold", response=RESPONSES)
def hold(request: HttpRequest, contact_id: int):
    """Put the caller on hold (the agent on the call, or a supervisor)."""
    _acting(request, contact_id)
    actions.hold_call(request.auth, contact_id)
    return call_out(contact_id)


@router.post("/contacts/{contact_id}/call/resume", response=RESPONSES)
def resume(request: HttpRequest, contact_id: int):
    """Take the caller off hold; the time on hold is added to ``hold_seconds``."""
    _acting(request, contact_id)
    actions.resume_call(request.auth, contact_id)
    return call_out(contact_id)


@router.post("/contacts/{contact_id}/call/end", response=RESPONSES)
def end(request: HttpRequest, contact_id: int):
    """Hang up: the talk time stops and the wrap-up starts (resolve the contact with its
    wrap-up code)."""
    _acting(request, contact_id)
    actions.end_call(request.auth, contact_id)
    return call_out(contact_id)


@router.post("/contacts/{contact_id}/call/transfer", response={**RESPONSES, 422: Error})
def transfer(request: HttpRequest, contact_id: int, payload: CallTransferIn):
    """Put the caller through to a colleague (``agent``) or back in the brand's queue
    (``queue: true``): exactly one of the two."""
    if (payload.agent is None) == (not payload.queue):
        raise HttpError(422, "agent: give either agent (a colleague) or queue: true (the brand's queue)")
    _acting(request, contact_id)
    if payload.agent is not None and not Agent.objects.filter(pk=payload.agent).exists():
        raise HttpError(422, f"agent: no agent {payload.agent}")
    to = str(payload.agent) if payload.agent is not None else "queue"
    actions.transfer_call(request.auth, contact_id, to=to, note=payload.note)
    return call_out(contact_id)
