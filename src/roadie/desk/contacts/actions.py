"""Every write on contacts goes through here: intake, customer messages, replies, resolve,
escalations. Each function runs in one transaction and publishes its live event with it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from roadie.desk.accounts.access import agent_of, can_supervise
from roadie.desk.brands.calendars import answer_terms
from roadie.desk.brands.models import Brand
from roadie.desk.contacts import composer
from roadie.desk.contacts.composer import ReplyExtras
from roadie.desk.contacts.models import (
    TRANSITIONS,
    Contact,
    ContactEvent,
    Customer,
    Direction,
    Escalation,
    EventKind,
    Macro,
    Message,
    RawInbound,
    RawStatus,
    Status,
)
from roadie.desk.live.actions import publish_contact_change
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer, OfferStatus
from roadie.desk.routing.wakeup import notify_routing
from roadie.engine.calendar import answer_seconds, contact_deadline

log = logging.getLogger("roadie.contacts")

ESCALATION_ANSWER_MINUTES = 5


def said(choices, value: str) -> str:
    """A status, presence or channel as the reader's language says it (lower case), for errors."""
    try:
        return str(choices(value).label).lower()
    except ValueError:
        return str(value)


class ActionError(Exception):
    """The action is not allowed in the contact's current state (maps to HTTP 409)."""


@dataclass(frozen=True)
class CustomerData:
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    external_ref: str = ""
    # False when the email/phone are only what a visitor typed: a new customer is made
    # (roadie.desk.contacts.identity decides; the address is confirmed by a link).
    verified: bool = True


@dataclass(frozen=True)
class Inbound:
    """One inbound message, as any channel connector hands it to the desk."""

    brand: Brand
    channel: str
    body: str
    customer: CustomerData = field(default_factory=CustomerData)
    subject: str = ""
    language: str = ""
    priority: int = 0
    extra_skills: tuple[str, ...] = ()
    # Conversation key from the channel (call id, chat id, thread id, client key).
    external_id: str = ""
    # This message's own id (email Message-ID, WhatsApp wamid) for deduplication.
    message_id: str = ""
    # Our receive time (the queue position); None: now. Never a provider's clock.
    received_at: datetime | None = None
    # The provider's own time for the message, kept as information in the contact's history.
    provider_at: datetime | None = None
    flagged_reason: str = ""
    # Set when the connector already knows the conversation (a threaded email reply).
    contact_id: int | None = None
    # False for machine-written messages (out-of-office, bounces): they join a closed
    # conversation without putting it back in the queue.
    reopens: bool = True


def store_raw(*, channel: str, source: str, payload: bytes, content_type: str = "",
              meta: dict | None = None, brand: Brand | None = None) -> RawInbound:
    """Store an inbound payload durably, in its own committed transaction, before parsing."""
    with transaction.atomic():
        return RawInbound.objects.create(
            channel=channel, source=source, payload=payload, content_type=content_type,
            meta=meta or {}, brand=brand,
        )


def _deadline(brand: Brand, channel: str, start: datetime) -> datetime:
    """The service-level deadline: the answer time (the brand's policy for the channel, else
    the default) counted in the channel's opening hours; one query."""
    seconds, calendar = answer_terms(brand, channel)
    return contact_deadline(calendar, start, seconds=answer_seconds(channel, seconds))


def answer_deadline(brand: Brand, channel: str, start: datetime) -> datetime:
    """When a contact that (re)enters the queue at ``start`` must be answered by."""
    return _deadline(brand, channel, start)


def _find_or_create_customer(brand: Brand, data: CustomerData) -> Customer:
    """The brand's customer for ``data``: found by email, else phone, else the brand's
    reference (verified claims only), or created. One key makes one customer even when two
    deliveries race: the database refuses the second (a unique constraint per key), which
    rolls back the loser's delivery, and ``receive`` runs it again: it then reads the
    winner's row (no savepoint here: it would cost two round trips on every new customer)."""
    existing = _find_customer(brand, data)
    if existing is not None:
        return existing
    fields = {"brand": brand, "name": data.name, "email": data.email, "phone": data.phone,
              "address": data.address, "external_ref": data.external_ref}
    if not data.verified:
        from roadie.desk.contacts.identity import created_unverified

        customer = Customer.objects.create(**fields, verified=False)
        created_unverified(customer)
        return customer
    return Customer.objects.create(**fields)


def _find_customer(brand: Brand, data: CustomerData) -> Customer | None:
    if not data.verified:
        # Never merge on an unverified claim: only the visitor's own session finds them again.
        if not data.external_ref:
            return None
        return Customer.objects.filter(brand=brand, external_ref=data.external_ref).order_by("pk").first()
    query = Customer.objects.filter(brand=brand, verified=True).order_by("pk")
    existing = None
    if data.email:
        existing = query.filter(email__iexact=data.email).first()
    if existing is None and data.phone:
        existing = query.filter(phone=data.phone).first()
    if existing is None and data.external_ref:
        existing = query.filter(external_ref=data.external_ref).first()
    return existing


def _set_status(contact: Contact, new: str) -> None:
    if new != contact.status and new not in TRANSITIONS[contact.status]:
        raise ActionError(_("contact #%(id)s cannot go from %(old)s to %(new)s") % {"id": contact.pk, "old": said(Status, contact.status), "new": said(Status, new)})
    contact.status = new


def _event(contact: Contact, kind: str, *, agent=None, user=None, **detail) -> None:
    ContactEvent.objects.create(contact=contact, kind=kind, agent=agent, user=user, detail=detail)


def _provider_detail(inbound: Inbound) -> dict:
    if inbound.provider_at is None:
        return {}
    try:
        return {"provider_at": inbound.provider_at.isoformat()}
    except (OverflowError, ValueError):
        return {}


def receive(inbound: Inbound, *, raw: RawInbound | None = None) -> tuple[Contact, Message, bool]:
    """Turn one inbound message into a contact (new, or the conversation it belongs to).

    Idempotent: the same conversation key gives the same contact, the same message id the
    same message. Returns (contact, message, created) where created says whether the message
    is new. ``raw`` (stored before, in its own transaction) is marked parsed or duplicate in
    the same transaction as the message.
    """
    now = inbound.received_at or timezone.now()
    try:
        with transaction.atomic():
            return _receive(inbound, raw=raw, now=now)
    except IntegrityError:
        # A concurrent delivery of the same conversation, message or new customer won the
        # race: this one was rolled back whole; run it again, it reads the winner's rows.
        with transaction.atomic():
            return _receive(inbound, raw=raw, now=now)


def _parsed(raw: RawInbound | None, contact: Contact, *, created: bool) -> None:
    if raw is not None:
        RawInbound.objects.filter(pk=raw.pk).update(
            status=RawStatus.PARSED if created else RawStatus.DUPLICATE, contact=contact
        )


def _receive(inbound: Inbound, *, raw: RawInbound | None, now: datetime) -> tuple[Contact, Message, bool]:
    brand = inbound.brand
    contact = None
    conversation = None
    if inbound.contact_id is not None:
        conversation = Q(pk=inbound.contact_id)
    elif inbound.external_id:
        conversation = Q(channel=inbound.channel, external_id=inbound.external_id)
    if conversation is not None:
        found = Contact.objects.select_for_update().filter(conversation, brand=brand)
        if inbound.message_id:  # a message already received, looked up in the same query
            found = found.annotate(duplicate_id=Subquery(
                Message.objects.filter(contact=OuterRef("pk"), external_id=inbound.message_id)
                .order_by().values("pk")[:1]))
        contact = found.first()
    if contact is not None and getattr(contact, "duplicate_id", None) is not None:
        _parsed(raw, contact, created=False)
        return contact, Message.objects.get(pk=contact.duplicate_id), False
    if contact is None:
        customer = _find_or_create_customer(brand, inbound.customer)
        contact = Contact.objects.create(
            brand=brand, channel=inbound.channel, customer=customer,
            subject=inbound.subject[:250], language=inbound.language or brand.default_language,
            extra_skills=list(inbound.extra_skills), priority=inbound.priority,
            arrived_at=now, queued_at=now, deadline_at=_deadline(brand, inbound.channel, now),
            external_id=inbound.external_id, flagged=bool(inbound.flagged_reason),
            flag_reason=inbound.flagged_reason[:250],
        )
        _event(contact, EventKind.ARRIVED, source=raw.source if raw else "api",
               **_provider_detail(inbound))
        notify_routing()
        kind = "contact.arrived"
    else:
        kind = "contact.message"
        _event(contact, EventKind.MESSAGE, **_provider_detail(inbound))
        if contact.status == Status.WAITING and inbound.reopens:
            # The answer the agent was waiting for: back in the queue, with a fresh answer
            # target (the clock was stopped while waiting).
            _set_status(contact, Status.QUEUED)
            contact.agent = None
            contact.queued_at = now  # its first arrival stays what it was
            contact.reopened += 1
            contact.deadline_at = _deadline(brand, contact.channel, now)
            contact.waiting_since = None
            contact.snoozed_until = None
            contact.save(update_fields=["status", "agent", "queued_at", "reopened", "deadline_at",
                                        "waiting_since", "snoozed_until"])
            _event(contact, EventKind.REOPENED, after="waiting")
        elif contact.status in (Status.RESOLVED, Status.ABANDONED) and inbound.reopens:
            # The customer wrote again: the conversation goes back in the queue.
            after = contact.status
            _set_status(contact, Status.QUEUED)
            contact.agent = None
            contact.queued_at = now  # its first arrival stays what it was
            contact.reopened += 1
            contact.deadline_at = _deadline(brand, contact.channel, now)
            contact.save(update_fields=["status", "agent", "queued_at", "reopened", "deadline_at"])
            _event(contact, EventKind.REOPENED, after=after)
            notify_routing()
    message = Message.objects.create(
        contact=contact, direction=Direction.INBOUND, body=inbound.body, created_at=now,
        external_id=inbound.message_id, raw=raw,
    )
    publish_contact_change(contact, kind, agent_ids=(contact.agent_id,))
    _parsed(raw, contact, created=True)
    return contact, message, True


def add_customer_message(contact: Contact, *, body: str, message_id: str = "",
                         raw: RawInbound | None = None) -> tuple[Message, bool]:
    """The customer writes again in an existing conversation."""
    _contact, message, created = receive(
        Inbound(brand=contact.brand, channel=contact.channel, body=body, message_id=message_id,
                contact_id=contact.pk),
        raw=raw,
    )
    return message, created


def _require_handler(user, contact: Contact, *, statuses=(Status.ACTIVE,)) -> None:
    agent = agent_of(user)
    if agent is not None and contact.agent_id != agent.pk:
        raise ActionError(_("only the agent handling this contact may do this"))
    if agent is None and not can_supervise(user):
        raise ActionError(_("only the agent handling this contact or a supervisor may do this"))
    if contact.status not in statuses:
        raise ActionError(_("contact #%(id)s is %(status)s, not in progress") % {"id": contact.pk, "status": said(Status, contact.status)})


def reply(user, contact: Contact, *, body: str, extras: ReplyExtras | None = None) -> Message:
    """The agent (or a supervisor) answers through the contact's own channel. ``extras``: what
    the channel adds (email: who to copy, attachments), checked and stored by the channel's
    ``ReplyChannel`` in this same transaction; a refusal (``ReplyRefused``) writes nothing."""
    body = body.strip()
    if not body:
        raise ActionError(_("a reply cannot be empty"))
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        _require_handler(user, contact, statuses=(Status.ACTIVE, Status.WAITING))
        channel, prepared = composer.prepare(user, contact, extras or ReplyExtras())
        message = Message.objects.create(
            contact=contact, direction=Direction.OUTBOUND, author=user, body=body
        )
        if channel is not None:
            channel.store(message, prepared)
        _event(contact, EventKind.REPLIED, agent=contact.agent, user=user)
        publish_contact_change(contact, "contact.replied", agent_ids=(contact.agent_id,))
        transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    return message


def _enqueue_delivery(message_id: int) -> None:
    from roadie.desk.contacts.tasks import deliver_message

    deliver_message.enqueue(message_id)


def resolve(user, contact: Contact, *, wrap_up_code: str) -> Contact:
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        _require_handler(user, contact, statuses=(Status.ACTIVE, Status.WAITING))
        codes = set(contact.brand.wrap_up_codes.values_list("code", flat=True))
        if codes and wrap_up_code not in codes:
            raise ActionError(_("unknown wrap-up code %(code)r; expected one of %(codes)s") % {"code": wrap_up_code, "codes": ", ".join(sorted(codes))})
        agent = contact.agent
        _set_status(contact, Status.RESOLVED)
        contact.resolved_at = now
        contact.wrap_up_code = wrap_up_code
        contact.waiting_since = None
        contact.snoozed_until = None
        contact.save(update_fields=["status", "resolved_at", "wrap_up_code", "waiting_since",
                                    "snoozed_until"])
        Offer.objects.filter(contact=contact, status__in=ACTIVE_OFFER_STATUSES).update(
            status=OfferStatus.COMPLETED, ended_at=now
        )
        if agent is not None:  # idle from now if that was their last contact (routing's rule)
            from roadie.desk.routing.actions import restart_idle

            restart_idle([agent.pk], now=now)
        _event(contact, EventKind.RESOLVED, agent=agent, user=user, wrap_up_code=wrap_up_code)
        notify_routing()  # the agent's capacity is free again
        publish_contact_change(contact, "contact.resolved", agent_ids=(contact.agent_id,))
    return contact


def abandon(contact: Contact, *, reason: str = "customer left") -> Contact:
    """The customer hung up or left the chat before being answered."""
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.status not in (Status.QUEUED, Status.OFFERED):
            return contact
        offers = list(Offer.objects.filter(contact=contact, status=OfferStatus.PENDING).select_related("agent"))
        Offer.objects.filter(pk__in=[o.pk for o in offers]).update(status=OfferStatus.RELEASED, ended_at=now)
        _set_status(contact, Status.ABANDONED)
        contact.resolved_at = now
        contact.save(update_fields=["status", "resolved_at"])
        # the event names the agent whose pending offer the hang-up released (the dispatcher
        # follows that agent's row at once, and a reconciliation knows the agent is in flux)
        _event(contact, EventKind.ABANDONED, agent=offers[0].agent if offers else None, reason=reason)
        if offers:
            from roadie.desk.routing.actions import restart_idle

            restart_idle([o.agent_id for o in offers], now=now)  # if that was their last contact
            notify_routing()
        publish_contact_change(contact, "contact.abandoned", agent_ids=tuple(o.agent_id for o in offers))
    return contact


def escalate(user, contact: Contact, *, reason: str) -> Escalation:
    if not reason.strip():
        raise ActionError(_("say what you need help with"))
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        _require_handler(user, contact)
        now = timezone.now()
        escalation = Escalation.objects.create(
            contact=contact, raised_by=user, reason=reason.strip(), raised_at=now,
            due_at=now + timedelta(minutes=ESCALATION_ANSWER_MINUTES),
        )
        # The question stays in the thread (an internal note, in the contact's language), beside
        # the supervisor's answer, once the escalation itself is answered and off the board.
        with translation.override(contact.language or None):
            question = _("Asked a supervisor: %(question)s") % {"question": escalation.reason}
        Message.objects.create(contact=contact, direction=Direction.NOTE, author=user, body=question)
        _event(contact, EventKind.ESCALATED, agent=contact.agent, user=user)
        publish_contact_change(contact, "escalation.raised", agent_ids=(contact.agent_id,))
    return escalation


def answer_escalation(user, escalation: Escalation, *, answer: str) -> Escalation:
    if not can_supervise(user):
        raise ActionError(_("only supervisors answer escalations"))
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().select_related("contact").get(pk=escalation.pk)
        if escalation.answered_at:
            raise ActionError(_("this escalation was already answered"))
        escalation.answered_by = user
        escalation.answered_at = timezone.now()
        escalation.answer = answer.strip()
        if not escalation.answer:
            raise ActionError(_("the answer cannot be empty"))
        escalation.save(update_fields=["answered_by", "answered_at", "answer"])
        Message.objects.create(contact=escalation.contact, direction=Direction.NOTE, author=user,
                               body=escalation.answer)
        publish_contact_change(escalation.contact, "escalation.answered",
                               agent_ids=(escalation.contact.agent_id,))
    return escalation



def _may_annotate(user, contact: Contact) -> None:
    """Notes and tags: the agent who has (or had) the contact, or a supervisor."""
    agent = agent_of(user)
    if can_supervise(user):
        return
    if agent is not None and contact.agent_id == agent.pk:
        return
    raise ActionError(_("only the agent handling this contact or a supervisor may do this"))


def add_note(user, contact: Contact, *, body: str) -> Message:
    """An internal note in the thread: the agent and supervisors see it, the customer never."""
    body = body.strip()
    if not body:
        raise ActionError(_("a note cannot be empty"))
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        _may_annotate(user, contact)
        message = Message.objects.create(contact=contact, direction=Direction.NOTE, author=user, body=body)
        _event(contact, EventKind.NOTE, agent=contact.agent, user=user)
        publish_contact_change(contact, "contact.note", agent_ids=(contact.agent_id,))
    return message


MAX_TAGS = 12


def clean_tags(text: str) -> list[str]:
    """"Billing, urgent  refund" -> ["billing", "urgent", "refund"]: lower-case, no duplicates."""
    seen: list[str] = []
    for raw in text.replace(",", " ").split():
        tag = raw.strip().lower()[:40]
        if tag and tag not in seen:
            seen.append(tag)
    if len(seen) > MAX_TAGS:
        raise ActionError(_("at most %(n)s tags per contact") % {"n": MAX_TAGS})
    return seen


def set_tags(user, contact: Contact, *, tags: list[str]) -> Contact:
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        _may_annotate(user, contact)
        if tags != contact.tags:
            _event(contact, EventKind.TAGGED, agent=contact.agent, user=user, before=contact.tags, after=tags)
            contact.tags = tags
            contact.save(update_fields=["tags"])
            publish_contact_change(contact, "contact.tagged", agent_ids=(contact.agent_id,))
    return contact


def wait_on_customer(user, contact: Contact, *, until: datetime | None = None) -> Contact:
    """The agent asked the customer something: the contact leaves the agent's capacity, its
    answer clock stops, and the customer's reply puts it back in the queue. ``until`` snoozes
    it out of the agent's list until then."""
    now = timezone.now()
    if until is not None and until <= now:
        raise ActionError(_("snooze until a moment in the future"))
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        _require_handler(user, contact, statuses=(Status.ACTIVE, Status.WAITING))
        was = contact.status
        _set_status(contact, Status.WAITING)
        contact.waiting_since = contact.waiting_since or now
        contact.snoozed_until = until
        contact.save(update_fields=["status", "waiting_since", "snoozed_until"])
        completed = Offer.objects.filter(contact=contact, status__in=ACTIVE_OFFER_STATUSES).update(
            status=OfferStatus.COMPLETED, ended_at=now
        )
        if completed and contact.agent_id is not None:  # its capacity is free: maybe idle again
            from roadie.desk.routing.actions import restart_idle

            restart_idle([contact.agent_id], now=now)
        if was == Status.WAITING:
            _event(contact, EventKind.SNOOZED, agent=contact.agent, user=user,
                   until=until.isoformat() if until else None)
        else:
            _event(contact, EventKind.WAITING, agent=contact.agent, user=user,
                   until=until.isoformat() if until else None)
        publish_contact_change(contact, "contact.waiting", agent_ids=(contact.agent_id,))
        if until is not None:
            from roadie.desk.contacts.tasks import schedule_wake

            schedule_wake(contact.pk, until)
    return contact


# --- a visitor says who they are -------------------------------------------------------------

def visitor_identifies(contact: Contact, *, name: str, email: str) -> Customer:
    """A visitor typed their name and email during a conversation (the chat widget): they go
    on the contact's own *unverified* customer, never onto the brand's customer with that
    address (see ``roadie.desk.contacts.identity``); a new address gets the confirmation link.
    A customer already verified (the brand vouched for them) is left as it is."""
    name, email = name.strip()[:120], email.strip()[:254]
    with transaction.atomic():
        contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
        customer = Customer.objects.select_for_update().get(pk=contact.customer_id)
        if customer.verified:
            return customer
        changed = [f for f, v in (("name", name), ("email", email)) if v and getattr(customer, f) != v]
        for field in changed:
            setattr(customer, field, {"name": name, "email": email}[field])
        if changed:
            customer.save(update_fields=changed)
            _event(contact, EventKind.IDENTIFIED, fields=changed)
            if "email" in changed:
                from roadie.desk.contacts.identity import created_unverified

                created_unverified(customer)
            publish_contact_change(contact, "contact.identified", agent_ids=(contact.agent_id,))
    return customer


# --- saved replies (macros) -------------------------------------------------------------------

MACRO_LANGUAGES = ("", "fr", "en")


def _macro_fields(brand: Brand, *, title: str, body: str, language: str, macro_id: int | None) -> dict:
    from roadie.desk.contacts.macros import unknown_placeholders

    title, body, language = title.strip(), body.strip(), language.strip()
    if not title:
        raise ActionError(_("title: a saved reply needs a title"))
    if len(title) > 120:
        raise ActionError(_("title: at most 120 characters"))
    if not body:
        raise ActionError(_("body: a saved reply needs a text"))
    if len(body) > 5000:
        raise ActionError(_("body: at most 5,000 characters"))
    if language not in MACRO_LANGUAGES:
        raise ActionError(_("language: one of fr, en or empty (every language), not %(value)r") % {"value": language})
    unknown = unknown_placeholders(body)
    if unknown:
        raise ActionError(_("body: unknown placeholder ") + ", ".join("{" + u + "}" for u in unknown))
    if Macro.objects.filter(brand=brand, title=title).exclude(pk=macro_id).exists():
        raise ActionError(_("title: %(brand)s already has a saved reply %(title)r") % {"brand": brand.name, "title": title})
    return {"title": title, "body": body, "language": language}


def _may_edit_macros(user, brand: Brand) -> None:
    from roadie.desk.accounts.access import can_edit_macros

    if not can_edit_macros(user, brand.pk):
        raise ActionError(_("only supervisors and the brand's administrators change its saved replies"))


def save_macro(user, brand: Brand, *, title: str, body: str, language: str = "",
               macro_id: int | None = None, via: str = "page") -> Macro:
    """Create a saved reply for the brand, or change one (``macro_id``); nothing is written
    when a field is wrong (the error names it)."""
    from roadie.desk.audit.actions import record_change

    _may_edit_macros(user, brand)
    with transaction.atomic():
        fields = _macro_fields(brand, title=title, body=body, language=language, macro_id=macro_id)
        if macro_id is None:
            macro = Macro.objects.create(brand=brand, **fields)
            changed, action = list(fields), "macro.create"
        else:
            macro = Macro.objects.select_for_update().filter(pk=macro_id, brand=brand).first()
            if macro is None:
                raise Macro.DoesNotExist(f"no saved reply {macro_id} for {brand.slug}")
            changed = [k for k, v in fields.items() if getattr(macro, k) != v]
            for key in changed:
                setattr(macro, key, fields[key])
            if changed:
                macro.save(update_fields=changed)
            action = "macro.update"
        if changed:
            record_change(user, action=action, obj=macro, brand_id=brand.pk, fields=changed, via=via)
    return macro


def delete_macro(user, macro: Macro, *, via: str = "page") -> None:
    from roadie.desk.audit.actions import record_change

    _may_edit_macros(user, macro.brand)
    with transaction.atomic():
        record_change(user, action="macro.delete", obj=macro, brand_id=macro.brand_id, fields=["title"],
                      via=via)
        Macro.objects.filter(pk=macro.pk).delete()
