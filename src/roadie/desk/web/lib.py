"""Reads for the desk's pages: offer cards, an agent's own contacts, a contact's first line.

Each list is a fixed number of queries whatever the number of contacts (see
tests/desk/test_query_counts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from roadie.desk.contacts.access import masked_fields_for, redact_for
from roadie.desk.contacts.models import Contact, Direction, Message, Status
from roadie.desk.routing.models import Offer, OfferStatus

RECENT_HOURS = 12
LIST_LIMIT = 50


def first_inbound_body():
    """Subquery: the body of the contact's first message from the customer."""
    return Subquery(
        Message.objects.filter(contact=OuterRef("pk"), direction=Direction.INBOUND)
        .order_by("created_at", "pk").values("body")[:1]
    )


def first_line(text: str | None, *, limit: int = 120) -> str:
    line = next((part.strip() for part in (text or "").splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def customer_label(user, contact: Contact) -> str:
    """The customer's name as this user may see it (empty when the brand hides it)."""
    if "name" in masked_fields_for(user, contact.brand):
        return ""
    return redact_for(user, contact.brand, contact.customer.name)


@dataclass(frozen=True)
class OfferCard:
    offer_id: int
    contact_id: int
    brand: str
    channel: str
    customer: str
    first_line: str
    subject: str
    arrived_at: datetime
    expires_at: datetime
    deadline_at: datetime
    offer: Offer


def offer_cards(user, agent) -> list[OfferCard]:
    """The agent's pending offers, oldest first, with what is needed to decide at a glance."""
    offers = (
        Offer.objects.filter(agent=agent, status=OfferStatus.PENDING)
        .select_related("contact__brand", "contact__customer")
        .annotate(first_body=Subquery(
            Message.objects.filter(contact=OuterRef("contact_id"), direction=Direction.INBOUND)
            .order_by("created_at", "pk").values("body")[:1]))
        .order_by("offered_at")
    )
    cards = []
    for offer in offers:
        contact = offer.contact
        cards.append(OfferCard(
            offer_id=offer.pk, contact_id=contact.pk, brand=contact.brand.name, channel=contact.channel,
            customer=customer_label(user, contact),
            first_line=first_line(redact_for(user, contact.brand, offer.first_body or "")),
            subject=redact_for(user, contact.brand, contact.subject), arrived_at=contact.queue_since, expires_at=offer.expires_at,
            deadline_at=contact.deadline_at, offer=offer,
        ))
    return cards


@dataclass(frozen=True)
class MyContacts:
    active: list
    waiting: list
    snoozed: list
    resolved: list

    @property
    def count(self) -> int:
        return len(self.active) + len(self.waiting) + len(self.snoozed)


def shown_rows(user, contacts: list[Contact]) -> list[Contact]:
    """Each contact's subject and first line as this user may read them (``shown_subject``,
    ``shown_line``): free text always goes through the brand's redaction."""
    for c in contacts:
        c.shown_name = customer_label(user, c)
        c.shown_subject = redact_for(user, c.brand, c.subject)
        c.shown_line = first_line(redact_for(user, c.brand, getattr(c, "first_body", "") or ""), limit=90)
    return contacts


def my_contacts(agent, *, q: str = "", tag: str = "", now: datetime | None = None) -> MyContacts:
    """The agent's own contacts: in progress, waiting on the customer (snoozed apart), and
    resolved in the last hours. ``q`` searches the subject, the customer's name and the
    contact number; ``tag`` keeps the contacts with that tag."""
    now = now or timezone.now()
    base = (
        Contact.objects.filter(agent=agent)
        .select_related("brand", "customer")
        .annotate(first_body=first_inbound_body())
    )
    if q:
        match = Q(subject__icontains=q) | Q(customer__name__icontains=q)
        if q.lstrip("#").isdigit():
            match |= Q(pk=int(q.lstrip("#")))
        base = base.filter(match)
    if tag:
        base = base.filter(tags__contains=[tag]) if _json_contains() else base.filter(tags__icontains=f'"{tag}"')
    rows = list(
        base.filter(Q(status__in=[Status.ACTIVE, Status.WAITING])
                    | Q(status=Status.RESOLVED, resolved_at__gte=now - timedelta(hours=RECENT_HOURS)))
        .order_by("-arrived_at")[:LIST_LIMIT]
    )
    shown_rows(agent.user, rows)
    active = [c for c in rows if c.status == Status.ACTIVE]
    waiting = [c for c in rows if c.status == Status.WAITING and not (c.snoozed_until and c.snoozed_until > now)]
    snoozed = [c for c in rows if c.status == Status.WAITING and c.snoozed_until and c.snoozed_until > now]
    resolved = [c for c in rows if c.status == Status.RESOLVED][:10]
    return MyContacts(active=active[::-1], waiting=waiting, snoozed=snoozed, resolved=resolved)


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
