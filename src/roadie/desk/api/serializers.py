"""Model -> API shape, the one place that decides what a response carries."""

from __future__ import annotations

from roadie.desk.contacts import redact
from roadie.desk.contacts.access import conversation_view, customer_view, redact_for
from roadie.desk.contacts.files import files_by_message
from roadie.desk.contacts.models import Contact


def _subject(contact: Contact, user) -> str:
    if user is None:  # no reader named: hide what the brand hides from agents
        return redact.redact(contact.subject, frozenset(contact.brand.masked_fields))
    return redact_for(user, contact.brand, contact.subject)


def contact_out(contact: Contact, user=None) -> dict:
    """A contact as ``user`` may see it (the subject is free text the customer typed)."""
    return {
        "id": contact.pk, "brand": contact.brand.slug, "channel": contact.channel,
        "status": contact.status, "subject": _subject(contact, user), "language": contact.language,
        "priority": contact.priority, "arrived_at": contact.arrived_at,
        "queued_at": contact.queue_since, "reopened": contact.reopened,
        "deadline_at": contact.deadline_at, "answered_at": contact.answered_at,
        "resolved_at": contact.resolved_at, "agent": contact.agent_id,
        "flagged": contact.flagged, "wrap_up_code": contact.wrap_up_code,
        "tags": list(contact.tags or ()), "waiting_since": contact.waiting_since,
        "snoozed_until": contact.snoozed_until,
    }


def file_out(contact: Contact, item) -> dict:
    """A ``MessageFile`` (``roadie.desk.contacts.files``) with its download address."""
    url = f"/api/contacts/{contact.pk}/files/{item.id}" if item.stored else None
    return {"id": item.id, "filename": item.filename, "content_type": item.content_type,
            "size": item.size, "url": url, "refused": item.reason}


def message_out(view, files=()) -> dict:
    """A ``MessageView`` (``roadie.desk.contacts.access.message_view``) as the API shows it,
    with the ``file_out`` of its files."""
    message = view.message
    delivery = None
    if view.direction == "out":
        delivery = ("failed" if view.failed_at else "delivered" if message.delivered_at else "pending")
    return {"id": view.pk, "direction": view.direction, "body": view.body,
            "created_at": view.created_at, "author": view.author_name,
            "delivery": delivery, "delivery_error": view.delivery_error, "failed_at": view.failed_at,
            "attachments": list(files)}


def message_with_files(user, contact: Contact, view) -> dict:
    """One message of ``contact`` with its files (a reply just sent, a note)."""
    files = files_by_message(user, contact, [view.pk]).get(view.pk, ())
    return message_out(view, [file_out(contact, f) for f in files])


def contact_detail(user, contact: Contact) -> dict:
    views = conversation_view(user, contact, via="api")
    files = files_by_message(user, contact, [v.pk for v in views])
    messages = [message_out(v, [file_out(contact, f) for f in files.get(v.pk, ())]) for v in views]
    return {
        **contact_out(contact, user),
        "customer": customer_view(user, contact.customer, brand=contact.brand, via="api"),
        "messages": messages,
    }


def agent_out(agent, load: int) -> dict:
    return {
        "id": agent.pk, "username": agent.user.username, "name": str(agent),
        "presence": agent.presence, "load": load, "capacity": agent.capacity,
        "channel_limits": agent.channel_limits or {},
        "languages": agent.languages, "sign_language": agent.sign_language,
        "brands": [c.brand.slug for c in agent.certifications.all()],
    }


def offer_out(offer, user=None) -> dict:
    return {"id": offer.pk, "status": offer.status, "offered_at": offer.offered_at,
            "expires_at": offer.expires_at, "contact": contact_out(offer.contact, user)}
