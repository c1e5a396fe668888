"""What one inbound message costs the database: a guard on the number of queries of
``contacts.actions.receive`` on the path of a new contact and of a message to an existing
conversation, with what each path must still do (the raw payload marked, the history, the
live events, idempotency, and never attaching a visitor to a customer on a typed email).

The counts are PostgreSQL's (SQLite makes one fewer: the dispatcher's wake-up is a poll
there, not a ``pg_notify``). The whole delivery is one transaction, counted as its
savepoint and its release inside the test's own transaction.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from roadie.desk.brands.models import Closure, OpeningHours
from roadie.desk.contacts.actions import CustomerData, Inbound, receive, store_raw
from roadie.desk.contacts.models import (
    Contact,
    ContactEvent,
    Customer,
    Message,
    RawInbound,
    RawStatus,
)
from roadie.desk.live.models import LiveEvent

pytestmark = pytest.mark.django_db

# A new contact of a customer on file: the conversation key and the customer looked up, the
# channel's answer target with its calendar (one query), the contact, its history event, the
# wake-up, the message, the live events, the raw payload marked; and the transaction.
NEW_CONTACT = 11
NEW_CUSTOMER = NEW_CONTACT + 1  # the customer's row
# A message to an open conversation: the conversation with its message id checked (one
# query), the history event, the message, the live events, the raw payload marked; and the
# transaction.
NEW_MESSAGE = 7


def _raw(brand, body: str) -> RawInbound:
    return store_raw(channel="chat", source="api", payload=body.encode(), brand=brand)


def _chat(brand, *, key: str, body: str = "Bonjour", message_id: str = "", **customer) -> Inbound:
    return Inbound(brand=brand, channel="chat", body=body, external_id=key, message_id=message_id,
                   customer=CustomerData(name="Léa", **customer))


def test_a_new_contact_of_a_known_customer(make_brand, django_assert_max_num_queries):
    brand = make_brand()
    known = Customer.objects.create(brand=brand, name="Léa", email="lea@example.org")
    raw = _raw(brand, "Bonjour")
    with django_assert_max_num_queries(NEW_CONTACT):
        contact, message, created = receive(_chat(brand, key="chat-1", email="Lea@example.org"), raw=raw)
    assert created and contact.customer_id == known.pk and contact.status == "queued"
    contact.refresh_from_db()
    assert contact.deadline_at == contact.arrived_at + datetime.timedelta(seconds=60)  # the brand's policy
    assert list(contact.messages.values_list("body", flat=True)) == ["Bonjour"]
    assert list(ContactEvent.objects.filter(contact=contact).values_list("kind", flat=True)) == ["arrived"]
    raw.refresh_from_db()
    assert (raw.status, raw.contact_id, message.raw_id) == (RawStatus.PARSED, contact.pk, raw.pk)
    assert set(LiveEvent.objects.filter(kind="contact.arrived").values_list("topic", flat=True)) == {
        "board", f"brand:{brand.pk}"}


def test_a_new_contact_of_a_new_customer(make_brand, django_assert_max_num_queries):
    brand = make_brand()
    raw = _raw(brand, "Bonjour")
    with django_assert_max_num_queries(NEW_CUSTOMER):
        contact, _, created = receive(_chat(brand, key="chat-1", email="new@example.org"), raw=raw)
    assert created and contact.customer.email == "new@example.org" and contact.customer.verified
    assert Customer.objects.filter(brand=brand).count() == 1


def test_the_deadline_counts_in_opening_hours_in_that_one_query(make_brand, django_assert_max_num_queries):
    """The channel's hours, the brand's closures and its policy come in the one query."""
    brand = make_brand()
    zone = ZoneInfo(brand.timezone)
    now = timezone.now().astimezone(zone)
    tomorrow = now.date() + datetime.timedelta(days=1)
    # Chat opens on tomorrow's weekday only, 10:00-11:00, and tomorrow is a holiday: the
    # answer is due the week after. The brand's own hours (every day) are not chat's.
    OpeningHours.objects.create(brand=brand, channel="chat", weekday=tomorrow.weekday(),
                                opens=datetime.time(10), closes=datetime.time(11))
    for weekday in range(7):
        OpeningHours.objects.create(brand=brand, channel="", weekday=weekday,
                                    opens=datetime.time(0), closes=datetime.time(0))
    Closure.objects.create(brand=brand, date=tomorrow, reason="a holiday")
    raw = _raw(brand, "Bonjour")
    with django_assert_max_num_queries(NEW_CUSTOMER):
        contact, _, _ = receive(_chat(brand, key="chat-2", email="paul@example.org"), raw=raw)
    contact.refresh_from_db()
    opening = datetime.datetime.combine(tomorrow + datetime.timedelta(days=7), datetime.time(10), tzinfo=zone)
    assert contact.deadline_at == opening + datetime.timedelta(seconds=60)
    # Another channel of the brand follows the brand's hours: open now, due in its 60 s.
    email, _, _ = receive(Inbound(brand=brand, channel="email", body="Bonjour", external_id="e-1",
                                  customer=CustomerData(email="paul@example.org")))
    email.refresh_from_db()
    assert email.deadline_at == email.arrived_at + datetime.timedelta(seconds=60)


def test_a_message_to_an_open_conversation(make_brand, django_assert_max_num_queries):
    brand = make_brand()
    contact, _, _ = receive(_chat(brand, key="chat-1", message_id="m1", email="lea@example.org"))
    raw = _raw(brand, "Vous êtes là ?")
    with django_assert_max_num_queries(NEW_MESSAGE):
        same, message, created = receive(_chat(brand, key="chat-1", body="Vous êtes là ?", message_id="m2",
                                               email="lea@example.org"), raw=raw)
    assert created and same.pk == contact.pk and message.body == "Vous êtes là ?"
    assert list(ContactEvent.objects.filter(contact=contact).values_list("kind", flat=True)) == [
        "arrived", "message"]
    raw.refresh_from_db()
    assert (raw.status, raw.contact_id) == (RawStatus.PARSED, contact.pk)
    assert LiveEvent.objects.filter(kind="contact.message", topic="board").count() == 1


def test_the_same_message_twice_is_one_message_and_writes_nothing_else(make_brand, django_assert_max_num_queries):
    brand = make_brand()
    contact, first, _ = receive(_chat(brand, key="chat-1", message_id="m1", email="lea@example.org"))
    events = ContactEvent.objects.count()
    raw = _raw(brand, "Bonjour")
    with django_assert_max_num_queries(NEW_MESSAGE - 2):  # no event, no live event: the message read
        same, message, created = receive(_chat(brand, key="chat-1", message_id="m1", email="lea@example.org"),
                                         raw=raw)
    assert not created and (same.pk, message.pk) == (contact.pk, first.pk)
    assert Message.objects.filter(contact=contact).count() == 1 and ContactEvent.objects.count() == events
    raw.refresh_from_db()
    assert (raw.status, raw.contact_id) == (RawStatus.DUPLICATE, contact.pk)


def test_a_visitor_typing_a_customers_email_is_never_that_customer(make_brand, django_assert_max_num_queries):
    brand = make_brand()
    known = Customer.objects.create(brand=brand, name="Léa", email="lea@example.org")
    raw = _raw(brand, "Bonjour")
    # No look-up on what they typed: a new customer's row instead.
    with django_assert_max_num_queries(NEW_CONTACT):
        contact, _, _ = receive(_chat(brand, key="visitor-1", email="lea@example.org", verified=False), raw=raw)
    assert contact.customer_id != known.pk and not contact.customer.verified
    assert Contact.objects.filter(customer=known).count() == 0
