"""The service level of a contact that came back: it is judged once, by its first answer
against the promise of its first arrival (``Contact.first_deadline_at``), on the board, in the
API and in the reports, whatever fresh deadlines a reopening or the customer's answer gave it
since (docs/concepts.md#service-level)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from roadie.desk.contacts import actions as desk
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.lib import queue_stats
from roadie.desk.web.reports import Period, history

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def desk_and_clock(make_brand, make_agent):
    """A brand open around the clock, emails answered within 60 s, one agent, a clock in hand."""
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    clock = [datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)]
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        agent.__class__.objects.filter(pk=agent.pk).update(last_seen_at=clock[0] + timedelta(days=3),
                                                           idle_since=clock[0])
        yield brand, agent, clock


def _write(brand, clock, *, contact_id: int | None = None) -> Contact:
    contact, _, _ = receive(Inbound(brand=brand, channel="email", body="Bonjour", contact_id=contact_id,
                                    received_at=clock[0],
                                    customer=CustomerData(name="C", email="marie@example.org")))
    return contact


def _answer(agent, contact, clock) -> None:
    tick(now=clock[0])
    actions.accept_offer(agent.user, contact.offers.get(status="pending").pk)


def _verdicts(brand, clock):
    [row] = [r for r in queue_stats([brand], now=clock[0]) if r.channel == "email"]
    report = history([brand], Period(start=date(2026, 12, 2), end=date(2026, 12, 2)), now=clock[0]).total
    return row, report


def test_a_late_first_answer_stays_late_after_a_reopening(desk_and_clock, api_client, make_user):
    brand, agent, clock = desk_and_clock
    contact = _write(brand, clock)
    promised = contact.deadline_at
    assert promised == clock[0] + timedelta(seconds=60)
    clock[0] += timedelta(minutes=5)  # answered four minutes late
    _answer(agent, contact, clock)
    contact.refresh_from_db()
    desk.resolve(agent.user, contact, wrap_up_code="solved")
    clock[0] += timedelta(minutes=20)
    _write(brand, clock, contact_id=contact.pk)  # the customer writes again: reopened
    contact.refresh_from_db()
    assert contact.status == Status.QUEUED and contact.reopened == 1
    assert contact.deadline_at == clock[0] + timedelta(seconds=60)  # the router's fresh promise
    assert contact.first_deadline_at == promised  # the service level's, unmoved
    assert contact.answered_at < contact.deadline_at  # what made the late answer look in time
    row, report = _verdicts(brand, clock)
    assert (row.answered_in_target_today, row.service_level_today) == (0, 0.0)
    assert (report.counts.answered_in_time, report.counts.answered_late, report.service_level) == (0, 1, 0.0)
    supervisor = make_user(role="supervisor")
    [api_row] = [r for r in api_client(supervisor).get("/api/queues").json()
                 if r["brand"] == brand.slug and r["channel"] == "email"]
    assert (api_row["answered_in_target_today"], api_row["service_level_today"]) == (0, 0.0)


def test_an_answer_in_time_stays_in_time_through_a_wait_and_a_reopening(desk_and_clock):
    brand, agent, clock = desk_and_clock
    contact = _write(brand, clock)
    clock[0] += timedelta(seconds=20)
    _answer(agent, contact, clock)
    contact.refresh_from_db()
    desk.wait_on_customer(agent.user, contact)
    clock[0] += timedelta(hours=2)
    _write(brand, clock, contact_id=contact.pk)  # the customer's answer: back in the queue
    clock[0] += timedelta(hours=1)  # its fresh deadline long past, not answered again yet
    contact.refresh_from_db()
    assert contact.status == Status.QUEUED and contact.deadline_at < clock[0]
    row, report = _verdicts(brand, clock)
    assert (row.answered_in_target_today, row.service_level_today) == (1, 1.0)
    assert row.at_risk == 1  # the board still shows it urgent: its promise now is past
    assert (report.counts.answered_in_time, report.counts.waiting_late) == (1, 0)


def test_a_contact_written_in_bulk_is_judged_by_its_deadline(desk_and_clock):
    brand, agent, clock = desk_and_clock
    contact = _write(brand, clock)
    Contact.objects.filter(pk=contact.pk).update(first_deadline_at=None)  # as bulk_create leaves it
    clock[0] += timedelta(seconds=30)
    _answer(agent, contact, clock)
    row, report = _verdicts(brand, clock)
    assert row.service_level_today == 1.0 and report.counts.answered_in_time == 1
