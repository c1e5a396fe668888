"""Model -> API shape, the one place that decides what a response carries."""

from __future__ import annotations

from roadie.desk.contacts.access import customer_view
from roadie.desk.contacts.models import Contact


def contact_out(contact: Contact) -> dict:
    return {
        "id": contact.pk, "brand": contact.brand.slug, "channel": contact.channel,
        "status": contact.status, "subject": contact.subject, "language": contact.language,
        "priority": contact.priority, "arrived_at": contact.arrived_at,
        "deadline_at": contact.deadline_at, "answered_at": contact.answered_at,
        "resolved_at": contact.resolved_at, "agent": contact.agent_id,
        "flagged": contact.flagged, "wrap_up_code": contact.wrap_up_code,
    }


def contact_detail(user, contact: Contact) -> dict:
    messages = [
        {"id": m.pk, "direction": m.direction, "body": m.body, "created_at": m.created_at,
         "author": m.author.username if m.author else None}
        for m in contact.messages.select_related("author")
    ]
    return {
        **contact_out(contact),
        "customer": customer_view(user, contact.customer, brand=contact.brand, via="api"),
        "messages": messages,
    }


def agent_out(agent, load: int) -> dict:
    return {
        "id": agent.pk, "username": agent.user.username, "name": str(agent),
        "presence": agent.presence, "load": load, "capacity": agent.capacity,
        "languages": agent.languages, "sign_language": agent.sign_language,
        "brands": [c.brand.slug for c in agent.certifications.all()],
    }


def offer_out(offer) -> dict:
    return {"id": offer.pk, "status": offer.status, "offered_at": offer.offered_at,
            "expires_at": offer.expires_at, "contact": contact_out(offer.contact)}
