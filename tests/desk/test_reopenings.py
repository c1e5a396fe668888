"""A contact that comes back keeps its first arrival (what the history counts); its place in
the queue is when it came back; each reopening is counted and recorded, and shown on the
contact page, in the customer's earlier contacts and in the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.contacts.actions import CustomerData, Inbound, add_customer_message, receive
from roadie.desk.contacts.models import Contact, ContactEvent
from roadie.desk.routing.dispatcher import contact_spec
from roadie.desk.web.reports import Period, history

pytestmark = pytest.mark.django_db


def _came_back(contact: Contact, *, status: str, body: str) -> Contact:
    Contact.objects.filter(pk=contact.pk).update(status=status, resolved_at=timezone.now())
    add_customer_message(Contact.objects.get(pk=contact.pk), body=body)
    return Contact.objects.get(pk=contact.pk)


def test_a_reopening_keeps_the_first_arrival_and_is_recorded(make_brand, make_contact):
    brand = make_brand()
    contact = make_contact(brand=brand)
    first = timezone.now() - timedelta(days=3)
    Contact.objects.filter(pk=contact.pk).update(arrived_at=first, queued_at=first)
    between = make_contact(brand=brand)  # arrived after it, still waiting

    again = _came_back(contact, status="resolved", body="Toujours rien reçu")
    assert again.status == "queued" and again.arrived_at == first
    assert again.queued_at > between.arrived_at and again.reopened == 1
    # Its place in the queue is its return: behind the contact that arrived meanwhile.
    epoch = timezone.now()
    assert contact_spec(again, epoch).arrival > contact_spec(between, epoch).arrival

    Contact.objects.filter(pk=contact.pk).update(status="waiting", waiting_since=timezone.now())
    add_customer_message(again, body="Voici le numéro de commande")
    third = Contact.objects.get(pk=contact.pk)
    assert third.reopened == 2 and third.arrived_at == first
    events = list(ContactEvent.objects.filter(contact=contact, kind="reopened").order_by("at"))
    assert [e.detail.get("after") for e in events] == ["resolved", "waiting"]


def test_the_history_counts_the_first_arrival_only(make_brand, make_contact):
    brand = make_brand()
    contact = make_contact(brand=brand)
    first = timezone.now() - timedelta(days=3)
    Contact.objects.filter(pk=contact.pk).update(arrived_at=first, queued_at=first)
    _came_back(contact, status="resolved", body="Encore moi")
    today = timezone.localdate()
    assert history([brand], Period(start=today, end=today)).total.arrived == 0
    day = timezone.localtime(first).date()
    assert history([brand], Period(start=day, end=day)).total.arrived == 1


def test_reopenings_are_shown_on_the_contact_page_and_in_the_api(make_brand, make_contact, make_user, client,
                                                                 api_client):
    brand = make_brand()
    earlier = make_contact(brand=brand, email="fidele@example.org")
    _came_back(earlier, status="resolved", body="Re-bonjour")
    Contact.objects.filter(pk=earlier.pk).update(status="resolved")
    current, _, _ = receive(Inbound(brand=brand, channel="chat", body="Nouvelle question",
                                    customer=CustomerData(email="fidele@example.org")))
    supervisor = make_user(role="supervisor")
    client.force_login(supervisor)
    page = client.get(f"/desk/contacts/{earlier.pk}/").content.decode()
    assert 'data-reopened="1"' in page and "reopened 1×" in page
    other = client.get(f"/desk/contacts/{current.pk}/").content.decode()
    assert f"#{earlier.pk}</a>" in other and "reopened 1×" in other  # the customer's earlier contacts

    data = api_client(supervisor).get(f"/api/contacts/{earlier.pk}").json()
    assert data["reopened"] == 1 and data["queued_at"] > data["arrived_at"]
