"""The contact page, the same for the agent handling it and for supervisors: the thread with
internal notes, tags, macros, reply, waiting on the customer, snooze, transfer, escalation,
and the supervisor's take over / reassign / answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from roadie.desk.accounts.access import agent_of, can_supervise
from roadie.desk.agents.models import Agent, Presence, Skill
from roadie.desk.contacts import actions as contact_actions
from roadie.desk.contacts.access import (
    access_contact,
    conversation_view,
    customer_history,
    customer_view,
)
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.composer import OutgoingFile, ReplyExtras, ReplyRefused, composer_for
from roadie.desk.contacts.macros import macros_for
from roadie.desk.contacts.models import OPEN_STATUSES, Contact, Escalation, Status
from roadie.desk.kb.suggest import suggestions_for_contact
from roadie.desk.routing import actions as routing_actions
from roadie.desk.web.guards import contact_page, is_desk_agent, reader_page
from roadie.desk.web.views_desk import is_pane, list_context

TALK_CHANNELS = ("voice", "video")


def _colleagues(contact: Contact, user):
    me = getattr(user, "agent", None)
    query = (Agent.objects.filter(certifications__brand=contact.brand, presence=Presence.AVAILABLE)
             .select_related("user").order_by("user__first_name", "user__username"))
    if me is not None:
        query = query.exclude(pk=me.pk)
    return query


def _contact_context(request, contact: Contact) -> dict:
    user = request.user
    agent = agent_of(user)
    handling = contact.status in (Status.ACTIVE, Status.WAITING) and (
        (agent is not None and contact.agent_id == agent.pk)
        or (agent is None and can_supervise(user) and contact.agent_id is None and contact.status == Status.ACTIVE)
    )
    supervising = can_supervise(user)
    return {
        "contact": contact,
        "customer": customer_view(user, contact.customer, brand=contact.brand, via="page"),
        "conversation": conversation_view(user, contact),
        "history": customer_history(user, contact).select_related("brand")[:10],
        "wrap_up_codes": list(contact.brand.wrap_up_codes.all()),
        "is_mine": handling,
        "talk": contact.channel in TALK_CHANNELS,
        "open": contact.status in OPEN_STATUSES,
        "supervising": supervising,
        "may_annotate": handling or supervising,
        "macros": macros_for(contact, user=user) if handling else [],
        "reply_composer": composer_for(user, contact) if handling else None,
        "colleagues": list(_colleagues(contact, user)) if (handling or supervising) and contact.is_open else [],
        "pools": sorted(set(Skill.objects.values_list("name", flat=True))) if handling or supervising else [],
        "escalations": list(contact.escalations.filter(answered_at__isnull=True).select_related("raised_by"))
        if supervising else [],
        "kb_suggestions": suggestions_for_contact(user, contact),
    }


@reader_page
def contact(request, contact_id: int):
    contact = access_contact(request.user, contact_id)
    context = _contact_context(request, contact)
    if is_pane(request):
        return render(request, "roadie/_contact_pane.html", context)
    if is_desk_agent(request.user):
        context.update(list_context(request, request.user.agent, current=contact.pk))
    return render(request, "roadie/contact.html", context)


@reader_page
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


def _back(contact_id: int):
    return redirect("desk-contact", contact_id=contact_id)


def reply_extras(request) -> ReplyExtras:
    """The channel's fields of the reply form (``cc_choice`` marks a form that offered a Cc)."""
    copy = tuple(request.POST.getlist("cc")) if request.POST.get("cc_choice") else None
    files = tuple(OutgoingFile(filename=f.name or "", content_type=f.content_type or "", data=f.read())
                  for f in request.FILES.getlist("attachments"))
    return ReplyExtras(copy=copy, files=files)


@contact_page
@require_POST
def reply(request, contact_id: int):
    contact = access_contact(request.user, contact_id)
    body = request.POST.get("body", "")
    try:
        contact_actions.reply(request.user, contact, body=body, extras=reply_extras(request))
        messages.success(request, _("Reply sent."))
    except ActionError as exc:
        messages.error(request, str(exc))
    except ReplyRefused as exc:
        # A clear 4xx (413 too big, 415 a type not sent...) with the page again, the text
        # typed kept; nothing was written.
        messages.error(request, exc.shown)
        context = _contact_context(request, contact)
        context["reply_draft"] = body
        template = "roadie/_contact_pane.html" if is_pane(request) else "roadie/contact.html"
        if not is_pane(request) and is_desk_agent(request.user):
            context.update(list_context(request, request.user.agent, current=contact.pk))
        response = render(request, template, context, status=exc.status)
        response["X-Roadie-Refused"] = exc.field
        return response
    return _back(contact_id)


def _form(action, success):
    """A contact page form that runs one write path, says how it went and shows the contact
    again: ``action(request, contact)``."""

    @contact_page
    @require_POST
    def view(request, contact_id: int):
        _act(request, contact_id, lambda c: action(request, c), success)
        return _back(contact_id)

    return view


note = _form(lambda r, c: contact_actions.add_note(r.user, c, body=r.POST.get("body", "")),
             gettext_lazy("Internal note added."))
tags = _form(lambda r, c: contact_actions.set_tags(r.user, c, tags=contact_actions.clean_tags(r.POST.get("tags", ""))),
             gettext_lazy("Tags saved."))


@contact_page
@require_POST
def resolve(request, contact_id: int):
    contact = _act(request, contact_id,
                   lambda c: contact_actions.resolve(request.user, c,
                                                     wrap_up_code=request.POST.get("wrap_up_code", "")),
                   _("Contact resolved."))
    contact.refresh_from_db()
    if contact.status == Status.RESOLVED and is_desk_agent(request.user):
        return redirect("desk")
    return _back(contact_id)


def snooze_until(choice: str, custom: str, *, now: datetime | None = None) -> datetime | None:
    """"" -> no snooze, "1h", "4h", "tomorrow" (9:00 local), "custom" -> the datetime typed."""
    now = timezone.localtime(now or timezone.now())
    if not choice:
        return None
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "4h":
        return now + timedelta(hours=4)
    if choice == "tomorrow":
        return (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    if choice == "custom":
        value = parse_datetime(custom or "")
        if value is None:
            raise ActionError("snooze_until: give a date and time")
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    raise ActionError(f"snooze: unknown choice {choice!r}")


def _wait(request, contact: Contact) -> None:
    until = snooze_until(request.POST.get("snooze", ""), request.POST.get("snooze_until", ""))
    contact_actions.wait_on_customer(request.user, contact, until=until)


wait = _form(_wait, gettext_lazy("Waiting on the customer: their reply reopens the contact."))
# Take a contact set waiting back in hand before the customer replies.
resume = _form(lambda r, c: routing_actions.resume_waiting(r.user, c.pk), gettext_lazy("The contact is in progress again."))
escalate = _form(lambda r, c: contact_actions.escalate(r.user, c, reason=r.POST.get("reason", "")),
                 gettext_lazy("A supervisor has been asked."))
take_over = _form(lambda r, c: routing_actions.take_over(r.user, c.pk, note=r.POST.get("note", "")),
                  gettext_lazy("You have the contact now."))


@contact_page
@require_POST
def transfer(request, contact_id: int):
    """To a colleague (agent id) or to a pool (``pool:NAME``, or ``queue`` for the brand's queue)."""
    target = request.POST.get("to", "")
    note_text = request.POST.get("note", "")

    def action(c):
        if target.isdigit():
            routing_actions.reassign(request.user, c.pk, agent_id=int(target), note=note_text)
        elif target == "queue":
            routing_actions.transfer_to_pool(request.user, c.pk, note=note_text)
        elif target.startswith("pool:"):
            routing_actions.transfer_to_pool(request.user, c.pk, skill=f"area:{target[5:]}", note=note_text)
        else:
            raise ActionError("to: choose a colleague or a pool")

    contact = _act(request, contact_id, action, _("Contact handed over."))
    contact.refresh_from_db()
    if is_desk_agent(request.user) and contact.agent_id != request.user.agent.pk:
        return redirect("desk")
    return _back(contact_id)


@contact_page
@require_POST
def answer_escalation(request, contact_id: int, escalation_id: int):
    contact = access_contact(request.user, contact_id)
    escalation = get_object_or_404(Escalation, pk=escalation_id, contact=contact)
    try:
        contact_actions.answer_escalation(request.user, escalation, answer=request.POST.get("answer", ""))
        messages.success(request, _("Answer sent to the agent."))
    except ActionError as exc:
        messages.error(request, str(exc))
    return _back(contact_id)
