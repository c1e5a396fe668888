"""The dispatcher wakes up on routing events (LISTEN/NOTIFY on PostgreSQL, a short poll on
SQLite) rather than its clock, and an offer from a dispatcher that lost its lease is refused."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import Dispatcher, dispatcher_leader, take_lease
from roadie.desk.routing.models import Lease, Offer
from roadie.desk.routing.wakeup import Wakeup


@pytest.mark.django_db
def test_the_wakeup_sees_routing_events(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand])
    wakeup = Wakeup(poll=0.01)
    assert wakeup.wait(0.05) is False  # nothing happened
    if connection.vendor == "sqlite":  # polled: the contact history moved
        make_contact(brand=brand)
        assert wakeup.wait(0.5) is True
        actions.set_presence(agent, "available")  # the presence history moved
        assert wakeup.wait(0.5) is True
    assert wakeup.wait(0.05) is False
    wakeup.close()


@pytest.mark.django_db
def test_an_offer_from_a_dispatcher_that_lost_its_lease_is_refused(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    now = timezone.now()
    assert take_lease("old:1", now=now)
    Lease.objects.filter(holder="old:1").update(expires_at=now - timedelta(seconds=1))  # it stalled
    assert take_lease("new:2", now=now)
    assert actions.make_offer(contact_id=contact.pk, agent_id=agent.pk, holder="old:1") is None
    assert not Offer.objects.exists()
    assert actions.make_offer(contact_id=contact.pk, agent_id=agent.pk, holder="new:2") is not None


@pytest.mark.django_db(transaction=True)
def test_a_new_contact_is_offered_at_once_not_at_the_next_round(make_brand, make_agent, make_contact):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory test database locks whole tables across threads")
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    dispatcher = Dispatcher(interval=5.0, holder="test:1")  # its clock alone would take 5 s

    def run():
        try:
            dispatcher.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while dispatcher_leader() != "test:1":
            assert time.monotonic() < deadline, "the dispatcher did not start"
            time.sleep(0.05)
        time.sleep(0.3)  # its first round is done: it now waits for events
        latencies = []
        for _ in range(3):
            contact = make_contact(brand=brand)
            routable = time.monotonic()
            while not Offer.objects.filter(contact=contact).exists():
                assert time.monotonic() - routable < 2.0, "no offer within 2 s: not woken up"
                time.sleep(0.005)
            latencies.append(time.monotonic() - routable)
            offer = Offer.objects.get(contact=contact)
            actions.decline_offer(agent.user, offer.pk)  # back to the queue...
            contact.refresh_from_db()
            from roadie.desk.contacts.actions import abandon
            abandon(contact)  # ...and gone, so the agent is free for the next one
        print("offer latencies (s):", [round(x, 3) for x in latencies])
        assert max(latencies) < 1.0
    finally:
        dispatcher.stop()
        thread.join(10)


@pytest.mark.django_db(transaction=True)
def test_a_write_between_the_first_round_and_the_first_wait_still_wakes_it(make_brand, make_contact):
    """The dispatcher listens before its first round: a contact queued after that round read
    the queue, but before it waits, is not left for the clock."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite is polled: the poll compares with what it saw first")
    wakeup = Wakeup()
    wakeup.listen()  # (Dispatcher.run does this before its first round)
    make_contact(brand=make_brand())  # committed: notified before anyone waits
    assert wakeup.wait(2.0) is True
    wakeup.close()
