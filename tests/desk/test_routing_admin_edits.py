"""Settings changed through the API reach the in-memory dispatcher at its next round, not at
the periodic reconciliation: an agent's certifications and capacity, a pool's overflow; on
PostgreSQL the running dispatcher is woken and the offer follows within a second."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from roadie.desk.accounts.models import ApiToken
from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Pool
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import Dispatcher, dispatcher_leader
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer


@pytest.fixture
def boss(make_user):
    token = ApiToken.issue(make_user(role="admin"), scope="admin")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def send(method: str, url: str, body: dict):
        response = client.generic(method, url, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    return send


def _core() -> LiveCore:
    live = LiveCore(reconcile_every=10**9)  # no reconciliation: only events move it
    live.round()
    return live


@pytest.mark.django_db
def test_a_certification_given_through_the_api_is_routed_at_the_next_round(boss, make_brand, make_agent,
                                                                           make_contact):
    ours, other = make_brand(slug="ours"), make_brand(slug="other")
    agent = make_agent(brands=[other], presence="available")
    contact = make_contact(brand=ours)
    live = _core()
    assert live.round() == 0  # nobody certified for ours
    boss("PATCH", f"/api/agents/{agent.pk}", {"certifications": [{"brand": "other"}, {"brand": "ours"}]})
    assert live.round() == 1
    assert Offer.objects.get(contact=contact, status="pending").agent_id == agent.pk
    boss("PATCH", f"/api/agents/{agent.pk}", {"certifications": [{"brand": "other"}]})
    second = make_contact(brand=ours)
    actions.decline_offer(agent.user, Offer.objects.get(contact=contact).pk)
    assert live.round() == 0  # certification withdrawn: neither is offered to them again
    assert not Offer.objects.filter(contact=second).exists()
    assert live.reconcile(timezone.now()) == []  # the core was right: nothing to repair


@pytest.mark.django_db
def test_a_capacity_raised_through_the_api_is_routed_at_the_next_round(boss, make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available", capacity=2)
    email = make_contact(brand=brand, channel="email")  # 3 units
    live = _core()
    assert live.round() == 0
    boss("PATCH", f"/api/agents/{agent.pk}", {"capacity": 6})
    assert live.round() == 1
    assert Offer.objects.get(contact=email, status="pending").agent_id == agent.pk


@pytest.mark.django_db
def test_a_pool_overflow_shortened_through_the_api_opens_the_relay_at_the_next_round(
        boss, make_brand, make_agent, make_contact):
    brand = make_brand(slug="ours")
    relay = Pool.objects.create(slug="relay", name="Relay")
    own = Pool.objects.create(slug="own", name="Own", overflow_to=relay, overflow_after_seconds=3600)
    own.brands.add(brand)
    busy = make_agent(brands=[brand], presence="available", capacity=2)
    backup = make_agent(brands=[brand], presence="available")
    Agent.objects.filter(pk=backup.pk).update(is_backup=True)
    first = make_contact(brand=brand)
    live = _core()
    assert Offer.objects.get(contact=first).agent_id == busy.pk
    actions.accept_offer(busy.user, Offer.objects.get(contact=first).pk)  # the own team is full
    waiting = make_contact(brand=brand)
    assert live.round() == 0  # the relay opens only after an hour
    boss("PATCH", "/api/pools/own", {"overflow_after_seconds": 0})
    assert live.round() == 1
    assert Offer.objects.get(contact=waiting, status="pending").agent_id == backup.pk


@pytest.mark.django_db(transaction=True)
def test_the_running_dispatcher_offers_within_a_second_of_an_api_edit(boss, make_brand, make_agent, make_contact):
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database locks whole tables across threads")
    ours, other = make_brand(slug="ours"), make_brand(slug="other")
    agent = make_agent(brands=[other], presence="available")
    contact = make_contact(brand=ours)
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
        time.sleep(0.5)  # its first round is done: it waits for events (reconciliation: 30 s)
        assert not Offer.objects.filter(contact=contact).exists()
        boss("PATCH", f"/api/agents/{agent.pk}", {"certifications": [{"brand": "other"}, {"brand": "ours"}]})
        edited = time.monotonic()
        while not Offer.objects.filter(contact=contact, agent=agent).exists():
            assert time.monotonic() - edited < 1.0, "no offer within a second of the edit"
            time.sleep(0.005)
        print(f"offer {time.monotonic() - edited:.3f} s after the edit")
    finally:
        dispatcher.stop()
        thread.join(10)
