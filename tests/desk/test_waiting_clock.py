"""The answer clock stops while a contact waits on the customer: the service-level deadline and
the routing order leave the wait out, whether the customer answers or an agent puts the
contact back in a pool, and a contact waiting on the customer is never counted late."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from roadie.desk.brands.models import OpeningHours
from roadie.desk.contacts import actions as desk
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.lib import queue_stats
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _write(brand, clock, *, email: str, contact_id: int | None = None) -> Contact:
    contact, _, _ = receive(Inbound(brand=brand, channel="email", body="Bonjour", contact_id=contact_id,
                                    received_at=clock[0], customer=CustomerData(name="C", email=email)))
    return contact


@pytest.fixture
def desk_open_9_to_18(make_brand, make_agent):
    """A brand open 9:00-18:00 every day, answer target 60 s, one agent, a clock in hand."""
    brand = make_brand()
    for day in range(7):
        OpeningHours.objects.create(brand=brand, weekday=day, opens=time(9), closes=time(18))
    agent = make_agent(brands=[brand], presence="available")
    clock = [datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)]
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        agent.__class__.objects.filter(pk=agent.pk).update(last_seen_at=clock[0] + timedelta(days=3),
                                                           idle_since=clock[0])
        yield brand, agent, clock


def _answer_then_wait(brand, agent, clock) -> Contact:
    contact = _write(brand, clock, email="first@example.org")
    tick(now=clock[0])
    actions.accept_offer(agent.user, contact.offers.get().pk)
    contact.refresh_from_db()
    desk.wait_on_customer(agent.user, contact)
    return contact


def test_the_customers_answer_brings_a_fresh_deadline_in_opening_hours(desk_open_9_to_18):
    brand, agent, clock = desk_open_9_to_18
    contact = _answer_then_wait(brand, agent, clock)
    first_deadline = Contact.objects.get(pk=contact.pk).deadline_at
    # Seven and a half hours on the customer's side: the brand closes at 18:00 meanwhile.
    clock[0] += timedelta(hours=7, minutes=59, seconds=20)
    meanwhile = _write(brand, clock, email="other@example.org")  # arrived during the wait
    clock[0] += timedelta(seconds=10)  # 17:59:30
    _write(brand, clock, email="first@example.org", contact_id=contact.pk)
    contact.refresh_from_db()
    assert contact.status == Status.QUEUED
    # 30 s of today's opening hours, then 30 s after tomorrow's opening: the wait does not count
    assert contact.deadline_at == datetime(2026, 12, 3, 9, 0, 30, tzinfo=PARIS)
    assert contact.deadline_at > first_deadline + timedelta(hours=7)
    # the router does not put it ahead of a contact that arrived while it waited on the customer
    resolve_all(agent)
    tick(now=clock[0])
    assert Offer.objects.get(status="pending").contact_id == meanwhile.pk


def test_a_transfer_from_waiting_leaves_the_wait_out_too(desk_open_9_to_18):
    brand, agent, clock = desk_open_9_to_18
    contact = _answer_then_wait(brand, agent, clock)
    clock[0] += timedelta(hours=2)  # 12:00
    meanwhile = _write(brand, clock, email="other@example.org")
    clock[0] += timedelta(seconds=10)
    actions.transfer_to_pool(agent.user, contact.pk)
    contact.refresh_from_db()
    assert contact.status == Status.QUEUED
    assert contact.queued_at == clock[0] and contact.arrived_at < clock[0]  # first arrival kept
    assert contact.deadline_at == clock[0] + timedelta(seconds=60)
    tick(now=clock[0])
    assert Offer.objects.get(status="pending").contact_id == meanwhile.pk


def test_a_contact_waiting_on_the_customer_is_never_counted_late(desk_open_9_to_18):
    brand, agent, clock = desk_open_9_to_18
    _answer_then_wait(brand, agent, clock)
    clock[0] += timedelta(hours=5)  # far past its deadline, still waiting on the customer
    [row] = [r for r in queue_stats([brand], now=clock[0]) if r.channel == "email"]
    assert (row.answered_in_target_today, row.service_level_today, row.at_risk) == (1, 1.0, 0)


def resolve_all(agent) -> None:
    for contact in Contact.objects.filter(agent=agent, status=Status.ACTIVE):
        desk.resolve(agent.user, contact, wrap_up_code="solved")
