"""Writes that took two steps are one: a call's contact never exists without its call, a
video call never without its meeting link, and one new customer delivering twice at once
(two emails, two calls from one number) makes one customer, not two."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from roadie.connectors.voice.actions import CallEvent, open_call
from roadie.connectors.voice.models import Call
from roadie.desk.brands.models import Channel
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact, Customer, RawInbound


@pytest.mark.django_db
def test_one_verified_customer_per_email_phone_or_reference(make_brand):
    brand, other = make_brand(), make_brand()
    Customer.objects.create(brand=brand, email="Lea@Example.org")
    Customer.objects.create(brand=other, email="lea@example.org")  # another brand's customer
    Customer.objects.create(brand=brand, email="lea@example.org", verified=False)  # a typed claim
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(brand=brand, email="LEA@example.org")
    Customer.objects.create(brand=brand, phone="+33612345678")
    Customer.objects.create(brand=brand, email="paul@example.org", phone="+33612345678")  # keyed by email
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(brand=brand, phone="+33612345678")
    Customer.objects.create(brand=brand, external_ref="crm-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(brand=brand, external_ref="crm-1")


@pytest.mark.django_db
def test_the_loser_of_a_customer_race_joins_the_winner(make_brand, monkeypatch):
    """As if another delivery committed the customer between our look-up and our insert."""
    from roadie.desk.contacts import actions

    brand = make_brand(channels=("email",))
    winner = Customer.objects.create(brand=brand, email="marc@example.org")
    real = actions._find_customer
    calls = {"n": 0}

    def not_yet(brand_, data):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(brand_, data)

    monkeypatch.setattr(actions, "_find_customer", not_yet)
    contact, _, _ = receive(Inbound(brand=brand, channel="email", body="Bonjour",
                                    customer=CustomerData(email="Marc@example.org")))
    assert contact.customer_id == winner.pk and Customer.objects.filter(brand=brand).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", ["email", "phone"])
def test_simultaneous_deliveries_from_a_new_customer_make_one_customer(make_brand, key):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL's concurrent transactions")
    brand = make_brand(channels=("email", "voice"))
    threads, rounds, errors = 8, 6, []
    for round_ in range(rounds):
        value = f"new{round_}@example.org" if key == "email" else f"+3361234{round_:04d}"
        barrier = threading.Barrier(threads)

        def deliver(i: int, value=value, barrier=barrier) -> None:
            try:
                barrier.wait(10)
                receive(Inbound(brand=brand, channel="email" if key == "email" else "voice",
                                body=f"message {i}", external_id=f"{value}-{i}",
                                customer=CustomerData(**{key: value})))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                connections.close_all()

        workers = [threading.Thread(target=deliver, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
        assert not errors, errors
        customers = Customer.objects.filter(brand=brand, **{key: value})
        assert customers.count() == 1, (round_, customers.count())
        assert Contact.objects.filter(customer=customers.get()).count() == threads


@pytest.mark.django_db
def test_a_call_whose_row_fails_leaves_no_contact_to_route(make_brand, monkeypatch):
    brand = make_brand(channels=("voice",))
    line = Channel.objects.create(brand=brand, kind="voice", address="+33170000099", sunday_open=True,
                                  config={"hours": {d: "00:00-24:00" for d in
                                                    ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})

    def broken(**kwargs):
        raise RuntimeError("the call row could not be written")

    monkeypatch.setattr(Call.objects, "get_or_create", broken)
    with pytest.raises(RuntimeError):
        open_call(channel=line, raw=None, event=CallEvent(event="offered", call_id="c-1", at=timezone.now(),
                                                          caller="+33611111111"))
    assert not Contact.objects.exists() and not Customer.objects.exists()


@pytest.mark.django_db
def test_a_video_call_is_never_routed_without_its_meeting_link(client, make_brand):
    brand = make_brand(channels=("video",))
    Channel.objects.create(brand=brand, kind="video", address=f"{brand.slug}-video",
                           config={"meeting_url_template": "https://meet.example.org/{room}"})  # no {room}
    response = client.post(f"/video/{brand.slug}/request", json.dumps({"name": "Inès"}),
                           content_type="application/json")
    assert response.status_code == 500 and "raw" in response.json()
    assert not Contact.objects.exists() and not Call.objects.exists()
    raw = RawInbound.objects.get()
    assert raw.status == "failed" and "room" in raw.error  # kept, visible, replayable
