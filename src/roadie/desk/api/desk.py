"""API: the desk's actions on a contact, twins of the contact page's and the board's forms.

Each goes through the same write path as its form (``contacts.actions``,
``routing.actions``): internal notes, tags, saved replies filled for the contact, waiting on
the customer (with a snooze), taking it back, escalating, answering an escalation, taking
over, reassigning to a colleague or transferring to a pool. Who may act is decided as for the
pages: agents and supervisors pass the role guard (403 otherwise), ``access_contact`` decides
whom the contact is visible to (404 otherwise), the write path refuses the rest (409)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field, StringConstraints

from roadie.desk.accounts.access import can_read_conversations, can_supervise, is_agent
from roadie.desk.agents.models import Agent, Skill
from roadie.desk.api.schemas import ContactOut, Error, MessageOut
from roadie.desk.api.serializers import contact_out, message_with_files
from roadie.desk.audit.actions import record_read
from roadie.desk.contacts import actions
from roadie.desk.contacts.access import access_contact, message_view
from roadie.desk.contacts.files import download, open_file
from roadie.desk.contacts.macros import macros_for
from roadie.desk.contacts.models import Contact, Escalation
from roadie.desk.routing import actions as routing

router = Router(tags=["desk"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
PoolName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40,
                                            pattern=r"^[A-Za-z0-9_.-]*$")]


class NoteIn(Schema):
    body: Text = Field(description="seen by the agent and supervisors, never by the customer")


class TagsIn(Schema):
    tags: list[Tag] = Field(max_length=actions.MAX_TAGS,
                            description=f"replaces the contact's tags (lower-cased, at most {actions.MAX_TAGS})")


class WaitIn(Schema):
    until: datetime | None = Field(None, description="snooze: out of the agent's list until then "
                                   "(a moment in the future; a naive time is Europe/Paris)")


class EscalateIn(Schema):
    reason: Text = Field(description="the question for a supervisor, kept in the thread")


class AnswerIn(Schema):
    answer: Text = Field(description="posted in the thread as a note the agent sees")


class TakeOverIn(Schema):
    note: Note = Field("", description="an internal note left in the thread")


class TransferIn(Schema):
    agent: int | None = Field(None, description="a colleague's agent id: reassigned to them now "
                              "(available, qualified, with free capacity)")
    pool: PoolName | None = Field(None, description="a pool (product area, e.g. billing): back in "
                                  "the queue for the people with that skill; \"\" for the brand's queue")
    note: Note = Field("", description="an internal note left in the thread")


class EscalationOut(Schema):
    id: int
    contact: int
    raised_by: str
    reason: str
    raised_at: datetime
    due_at: datetime
    answered_by: str | None
    answered_at: datetime | None
    answer: str


class FilledMacroOut(Schema):
    id: int
    title: str
    text: str = Field(description="the saved reply with its placeholders filled for this contact")


def _acting(request, contact_id: int) -> Contact:
    """The contact, for someone who may act on contacts (the page guard, then visibility)."""
    user = request.auth
    if not (is_agent(user) or can_supervise(user)):
        raise HttpError(403, "agents and supervisors only")
    return access_contact(user, contact_id)


def _contact(request, contact: Contact) -> dict:
    contact = Contact.objects.select_related("brand").get(pk=contact.pk)
    return contact_out(contact, request.auth)


def escalation_out(escalation: Escalation) -> dict:
    def name(user):
        return None if user is None else (user.get_full_name() or user.username)

    return {"id": escalation.pk, "contact": escalation.contact_id, "raised_by": name(escalation.raised_by),
            "reason": escalation.reason, "raised_at": escalation.raised_at, "due_at": escalation.due_at,
            "answered_by": name(escalation.answered_by), "answered_at": escalation.answered_at,
            "answer": escalation.answer}


@router.post("/contacts/{contact_id}/notes", response={201: MessageOut, 403: Error, 404: Error, 409: Error, 422: Error})
def add_note(request: HttpRequest, contact_id: int, payload: NoteIn):
    """An internal note in the thread (the agent handling it, or a supervisor)."""
    contact = _acting(request, contact_id)
    message = actions.add_note(request.auth, contact, body=payload.body)
    return Status(201, message_with_files(request.auth, contact, message_view(request.auth, message, brand=contact.brand)))


@router.put("/contacts/{contact_id}/tags", response={200: ContactOut, 403: Error, 404: Error, 409: Error, 422: Error})
def set_tags(request: HttpRequest, contact_id: int, payload: TagsIn):
    """Replace the contact's tags (the agent handling it, or a supervisor)."""
    contact = _acting(request, contact_id)
    tags = list(dict.fromkeys(payload.tags))
    return _contact(request, actions.set_tags(request.auth, contact, tags=tags))


@router.get("/contacts/{contact_id}/macros", response={200: list[FilledMacroOut], 403: Error, 404: Error})
def contact_macros(request: HttpRequest, contact_id: int):
    """The brand's saved replies in the contact's language, placeholders filled for this
    contact and reader (a customer name the brand hides is left empty). Insert one with
    ``POST /replies``."""
    contact = _acting(request, contact_id)
    return [{"id": m.id, "title": m.title, "text": m.text} for m in macros_for(contact, user=request.auth)]


@router.post("/contacts/{contact_id}/wait", response={200: ContactOut, 403: Error, 404: Error, 409: Error, 422: Error})
def wait(request: HttpRequest, contact_id: int, payload: WaitIn):
    """Waiting on the customer: out of the agent's capacity, the answer clock stops; the
    customer's reply reopens it. ``until`` snoozes it out of the agent's list until then."""
    contact = _acting(request, contact_id)
    until = payload.until
    if until is not None and timezone.is_naive(until):
        until = timezone.make_aware(until)
    if until is not None and until <= timezone.now():
        raise HttpError(422, "until: snooze until a moment in the future")
    return _contact(request, actions.wait_on_customer(request.auth, contact, until=until))


@router.post("/contacts/{contact_id}/resume", response={200: ContactOut, 403: Error, 404: Error, 409: Error})
def resume(request: HttpRequest, contact_id: int):
    """The agent who set it waiting takes it back in hand before the customer replies."""
    if not is_agent(request.auth):
        raise HttpError(403, "only the agent who set it waiting resumes it (a supervisor takes it over)")
    contact = _acting(request, contact_id)
    return _contact(request, routing.resume_waiting(request.auth, contact.pk))


@router.get("/contacts/{contact_id}/escalations", response={200: list[EscalationOut], 403: Error, 404: Error})
def list_escalations(request: HttpRequest, contact_id: int):
    """The contact's escalations, oldest first, answered or not."""
    contact = _acting(request, contact_id)
    query = contact.escalations.select_related("raised_by", "answered_by").order_by("raised_at", "pk")
    return [escalation_out(e) for e in query]


@router.post("/contacts/{contact_id}/escalations",
             response={201: EscalationOut, 403: Error, 404: Error, 409: Error, 422: Error})
def escalate(request: HttpRequest, contact_id: int, payload: EscalateIn):
    """Ask a supervisor for help (the agent handling the contact): it shows on the board."""
    contact = _acting(request, contact_id)
    escalation = actions.escalate(request.auth, contact, reason=payload.reason)
    return Status(201, escalation_out(escalation))


@router.post("/escalations/{escalation_id}/answer",
             response={200: EscalationOut, 403: Error, 404: Error, 409: Error, 422: Error})
def answer_escalation(request: HttpRequest, escalation_id: int, payload: AnswerIn):
    """A supervisor answers an escalation: the answer is a note in the thread the agent sees
    live (409 when someone answered it first)."""
    if not can_supervise(request.auth):
        raise HttpError(403, "only supervisors answer escalations")
    escalation = get_object_or_404(Escalation, pk=escalation_id)
    access_contact(request.auth, escalation.contact_id)
    escalation = actions.answer_escalation(request.auth, escalation, answer=payload.answer)
    escalation = Escalation.objects.select_related("raised_by", "answered_by").get(pk=escalation.pk)
    return escalation_out(escalation)


@router.post("/contacts/{contact_id}/take-over", response={200: ContactOut, 403: Error, 404: Error, 409: Error})
def take_over(request: HttpRequest, contact_id: int, payload: TakeOverIn):
    """A supervisor takes the conversation in hand: the agent's assignment ends and the
    supervisor answers and resolves it (409 when another supervisor has it already)."""
    if not can_supervise(request.auth):
        raise HttpError(403, "only supervisors take over a contact")
    contact = _acting(request, contact_id)
    return _contact(request, routing.take_over(request.auth, contact.pk, note=payload.note))


@router.post("/contacts/{contact_id}/transfer",
             response={200: ContactOut, 403: Error, 404: Error, 409: Error, 422: Error})
def transfer(request: HttpRequest, contact_id: int, payload: TransferIn):
    """Hand the contact over: to a colleague (``agent``) now, or back to the queue for a pool
    (``pool``; ``""`` for the brand's queue). The agent handling it, or a supervisor."""
    if (payload.agent is None) == (payload.pool is None):
        raise HttpError(422, "agent: give either agent (a colleague) or pool (\"\" for the brand's queue)")
    contact = _acting(request, contact_id)
    if payload.agent is not None and not Agent.objects.filter(pk=payload.agent).exists():
        raise HttpError(422, f"agent: no agent {payload.agent}")
    if payload.pool and not Skill.objects.filter(name=payload.pool).exists():
        raise HttpError(422, f"pool: no agent has the skill {payload.pool!r}")
    if payload.agent is not None:
        moved = routing.reassign(request.auth, contact.pk, agent_id=payload.agent, note=payload.note)
    else:
        skill = f"area:{payload.pool}" if payload.pool else ""
        moved = routing.transfer_to_pool(request.auth, contact.pk, skill=skill, note=payload.note)
    return _contact(request, moved)


@router.get("/contacts/{contact_id}/files/{file_id}", response={200: None, 404: Error},
            openapi_extra={"responses": {200: {"description": "the file, always as a download",
                                               "content": {"application/octet-stream": {}}}}})
def download_file(request: HttpRequest, contact_id: int, file_id: int):
    """A file of the contact's conversation (``attachments[].url`` of its messages), for
    whoever may read the contact; the read is audited."""
    if not can_read_conversations(request.auth):
        raise HttpError(403, "your role reads no conversations")
    contact = access_contact(request.auth, contact_id)
    content = open_file(contact, file_id)
    if content is None:
        raise HttpError(404, f"no file {file_id} in contact {contact_id}")
    if content.row is not None:
        record_read(request.auth, action="read", obj=content.row, brand_id=contact.brand_id,
                    fields=["attachment"], via="api")
    return download(content, fallback=f"attachment-{file_id}")
