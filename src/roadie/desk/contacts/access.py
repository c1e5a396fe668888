"""Who may see which contact, and what of its customer: the one place these rules live.

Every page and API endpoint reads contacts through ``visible_contacts`` / ``access_contact``
and customer data through ``customer_view``; a contact a user may not see answers 404 (its
existence is not revealed), and every read of customer data lands in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from roadie.desk.accounts.access import agent_of, brand_scope, reads_every_brand, sees_masked_fields
from roadie.desk.audit.actions import record_read
from roadie.desk.brands.models import Brand, CustomerField
from roadie.desk.contacts import redact
from roadie.desk.contacts.models import (
    OPEN_STATUSES,
    Contact,
    Customer,
    Direction,
    Message,
    RawInbound,
    RawStatus,
)
from roadie.desk.routing.models import Offer

MASK = "•••"


def visible_brands(user) -> QuerySet[Brand]:
    if not user.is_authenticated:
        return Brand.objects.none()
    if reads_every_brand(user):
        return Brand.objects.all()
    if brand_scope(user) is not None:
        return Brand.objects.filter(pk=brand_scope(user))
    agent = agent_of(user)
    if agent is not None:
        return Brand.objects.filter(certifications__agent=agent)
    return Brand.objects.none()


def visible_contacts(user) -> QuerySet[Contact]:
    """Operator staff who read conversations (admin, supervisors, QA): all. Brand users: their brand. Agents: contacts of brands they are certified
    for that were offered to them, plus (where the brand shows history) the other contacts of
    customers they are serving now."""
    if not user.is_authenticated:
        return Contact.objects.none()
    if reads_every_brand(user):
        return Contact.objects.all()
    if brand_scope(user) is not None:
        return Contact.objects.filter(brand_id=brand_scope(user))
    agent = agent_of(user)
    if agent is None:
        return Contact.objects.none()
    certified = Contact.objects.filter(brand__certifications__agent=agent)
    offered_to_me = Offer.objects.filter(contact=OuterRef("pk"), agent=agent)
    serving = Contact.objects.filter(agent=agent, status__in=OPEN_STATUSES).values("customer_id")
    return certified.filter(
        Q(Exists(offered_to_me)) | Q(brand__show_history=True, customer_id__in=serving)
    ).distinct()


def access_contact(user, contact_id: int) -> Contact:
    try:
        return visible_contacts(user).select_related("brand", "customer", "agent__user").get(pk=contact_id)
    except (Contact.DoesNotExist, ValueError, TypeError):
        raise Http404("No such contact") from None


def masked_fields_for(user, brand: Brand) -> frozenset[str]:
    """Fields hidden from this user for this brand: agents (and QA reviewers not granted
    unmasked access) see what the brand allows."""
    if sees_masked_fields(user):
        return frozenset()
    return frozenset(brand.masked_fields)


CUSTOMER_FIELDS = {
    "name": lambda c: c.name,
    CustomerField.EMAIL: lambda c: c.email,
    CustomerField.PHONE: lambda c: c.phone,
    CustomerField.ADDRESS: lambda c: c.address,
    CustomerField.ORDER_HISTORY: lambda c: c.order_history,
    CustomerField.PAYMENT: lambda c: c.payment,
}


def customer_view(user, customer: Customer, *, brand: Brand, via: str) -> dict:
    """The customer as this user may see it; masked fields are absent (value None, flagged),
    never sent. The read is audited with the fields actually shown."""
    hidden = masked_fields_for(user, brand)
    # ``verified`` False: what a visitor typed, not confirmed (never trust it as an identity).
    view: dict = {"id": customer.pk, "masked": sorted(hidden), "verified": customer.verified}
    shown = []
    for field, getter in CUSTOMER_FIELDS.items():
        if field in hidden:
            view[str(field)] = None
        else:
            value = getter(customer)
            # Free text shown (a name, an address) may still hold a hidden phone or email.
            view[str(field)] = redact_for(user, brand, value) if isinstance(value, str) else value
            shown.append(str(field))
    record_read(user, action="customer.read", obj=customer, brand_id=brand.pk, fields=shown, via=via)
    return view


def customer_history(user, contact: Contact) -> QuerySet[Contact]:
    """Earlier contacts of the same customer with the same brand, if this user may see them."""
    if not reads_every_brand(user) and agent_of(user) is not None and not contact.brand.show_history:
        return Contact.objects.none()
    return (
        visible_contacts(user)
        .filter(customer_id=contact.customer_id, brand_id=contact.brand_id)
        .exclude(pk=contact.pk)
        .order_by("-arrived_at")
    )


# --- Free text: what a customer typed, as this user may read it ---------------------------

RAW_HIDDEN_NOTE = "(The raw content of this mail is hidden by the brand's confidentiality rules.)"


def redaction_kinds(user, brand: Brand) -> frozenset[str]:
    """Kinds of data (``payment``, ``phone``, ``email``) hidden from free text for this user."""
    return masked_fields_for(user, brand) & redact.KINDS


def redact_for(user, brand: Brand, text: str) -> str:
    """``text`` as this user may read it: card numbers (last four kept), IBANs, phone numbers
    and email addresses of the kinds the brand masks are replaced; others get the original."""
    kinds = redaction_kinds(user, brand)
    if not kinds or not text:
        return text
    return redact.redact(text, kinds)


def redact_html_for(user, brand: Brand, html: str) -> tuple[str, bool]:
    """An HTML part as this user may read it: ``(html, True)`` when the original may be shown
    (as sanitised HTML), ``(text, False)`` when it is reduced to its redacted text, to be
    shown escaped (markup can split or encode a number, so it is never shown as HTML)."""
    kinds = redaction_kinds(user, brand)
    if not kinds or not html:
        return html, True
    return redact.redact(redact.html_to_text(html), kinds), False


def subject_for(user, contact: Contact) -> str:
    return redact_for(user, contact.brand, contact.subject)


@dataclass(frozen=True)
class MessageView:
    """A message as one user may read it; drop-in for a ``Message`` in templates."""

    pk: int
    direction: str
    direction_label: str
    author: object | None
    body: str
    created_at: datetime
    redacted: bool
    message: Message
    failed_at: datetime | None = None  # an outbound message that could not be delivered...
    delivery_error: str = ""  # ...and why (the provider's words, redacted like the body)

    @property
    def id(self) -> int:
        return self.pk

    @property
    def author_name(self) -> str | None:
        return self.author.username if self.author is not None else None

    def get_direction_display(self) -> str:
        return self.direction_label


def _raw_hidden(body: str) -> str:
    first = body.split("\n\n", 1)[0]
    return f"{first}\n\n{RAW_HIDDEN_NOTE}"


def message_view(user, message: Message, *, brand: Brand | None = None,
                 raw_failed: bool | None = None) -> MessageView:
    """One message for this user. The raw preview of a mail that could not be read (headers
    included) is never shown to a user from whom the brand hides anything."""
    brand = brand or message.contact.brand
    kinds = redaction_kinds(user, brand)
    body = message.body
    if kinds:
        if raw_failed is None:
            raw_failed = bool(message.raw_id) and RawInbound.objects.filter(
                pk=message.raw_id, status=RawStatus.FAILED).exists()
        if raw_failed and message.direction == Direction.INBOUND:
            body = _raw_hidden(body)
        body = redact.redact(body, kinds)
    error = message.delivery_error
    if kinds and error:
        error = redact.redact(error, kinds)
    return MessageView(pk=message.pk, direction=message.direction,
                       direction_label=message.get_direction_display(), author=message.author,
                       body=body, created_at=message.created_at, redacted=body != message.body,
                       message=message, failed_at=message.failed_at, delivery_error=error)


def conversation_view(user, contact: Contact, *, via: str = "page") -> list[MessageView]:
    """The whole conversation for this user, in two queries; the read is audited."""
    messages = list(contact.messages.select_related("author"))
    failed: set[int] = set()
    if redaction_kinds(user, contact.brand):
        failed = set(RawInbound.objects.filter(contact=contact, status=RawStatus.FAILED)
                     .values_list("pk", flat=True))
    views = [message_view(user, m, brand=contact.brand, raw_failed=m.raw_id in failed)
             for m in messages]
    record_read(user, action="conversation.read", obj=contact, brand_id=contact.brand_id,
                fields=[], via=via)
    return views


def live_redaction_kinds(user) -> frozenset[str]:
    """What a user's live event stream must hide: for an agent, every kind any of their
    brands masks (an event's payload does not always say its brand)."""
    if sees_masked_fields(user):
        return frozenset()
    kinds: set[str] = set()
    for masked in visible_brands(user).values_list("masked_fields", flat=True):
        kinds.update(masked or ())
    return frozenset(kinds) & redact.KINDS


def live_payload_for(kinds: frozenset[str], payload):
    """A live event's payload with every string redacted for ``kinds``."""
    if not kinds:
        return payload
    if isinstance(payload, str):
        return redact.redact(payload, kinds)
    if isinstance(payload, dict):
        return {k: live_payload_for(kinds, v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [live_payload_for(kinds, v) for v in payload]
    return payload
