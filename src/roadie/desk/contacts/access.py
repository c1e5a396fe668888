"""Who may see which contact, and what of its customer: the one place these rules live.

Every page and API endpoint reads contacts through ``visible_contacts`` / ``access_contact``
and customer data through ``customer_view``; a contact a user may not see answers 404 (its
existence is not revealed), and every read of customer data lands in the audit log.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from roadie.desk.audit.actions import record_read
from roadie.desk.brands.models import Brand, CustomerField
from roadie.desk.contacts.models import OPEN_STATUSES, Contact, Customer
from roadie.desk.routing.models import Offer

MASK = "•••"


def visible_brands(user) -> QuerySet[Brand]:
    if not user.is_authenticated:
        return Brand.objects.none()
    if user.is_operator:
        return Brand.objects.all()
    if user.is_brand_user:
        return Brand.objects.filter(pk=user.brand_id)
    agent = getattr(user, "agent", None)
    if user.is_agent and agent is not None:
        return Brand.objects.filter(certifications__agent=agent)
    return Brand.objects.none()


def visible_contacts(user) -> QuerySet[Contact]:
    """Operators: all. Brand users: their brand. Agents: contacts of brands they are certified
    for that were offered to them, plus (where the brand shows history) the other contacts of
    customers they are serving now."""
    if not user.is_authenticated:
        return Contact.objects.none()
    if user.is_operator:
        return Contact.objects.all()
    if user.is_brand_user:
        return Contact.objects.filter(brand_id=user.brand_id)
    agent = getattr(user, "agent", None)
    if not (user.is_agent and agent is not None):
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
    """Fields hidden from this user for this brand: agents see what the brand allows."""
    if user.is_agent:
        return frozenset(brand.masked_fields)
    return frozenset()


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
    view: dict = {"id": customer.pk, "masked": sorted(hidden)}
    shown = []
    for field, getter in CUSTOMER_FIELDS.items():
        if field in hidden:
            view[str(field)] = None
        else:
            view[str(field)] = getter(customer)
            shown.append(str(field))
    record_read(user, action="customer.read", obj=customer, brand_id=brand.pk, fields=shown, via=via)
    return view


def customer_history(user, contact: Contact) -> QuerySet[Contact]:
    """Earlier contacts of the same customer with the same brand, if this user may see them."""
    if user.is_agent and not contact.brand.show_history:
        return Contact.objects.none()
    return (
        visible_contacts(user)
        .filter(customer_id=contact.customer_id, brand_id=contact.brand_id)
        .exclude(pk=contact.pk)
        .order_by("-arrived_at")
    )
