"""Model -> API shape, the one place that decides what a response carries."""

from __future__ import annotations

from roadie.desk.contacts import redact
from roadie.desk.contacts.access import conversation_view, customer_view, redact_for
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


def message_out(view) -> dict:
    """A ``MessageView`` (``roadie.desk.contacts.access.message_view``) as the API shows it."""
    message = view.message
    delivery = None
    if view.direction == "out":
        delivery = ("failed" if view.failed_at else "delivered" if message.delivered_at else "pending")
    return {"id": view.pk, "direction": view.direction, "body": view.body,
            "created_at": view.created_at, "author": view.author_name,
            "delivery": delivery, "delivery_error": view.delivery_error, "failed_at": view.failed_at}


def contact_detail(user, contact: Contact) -> dict:
    messages = [message_out(v) for v in conversation_view(user, contact, via="api")]
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
