"""Factories for the money side: resolved contacts with their RESOLVED event, premium calls."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from roadie.engine.pay.evaluate import PARIS

_seq = itertools.count(1)


@pytest.fixture
def resolve_contact(db):
    from roadie.desk.contacts.models import Contact, ContactEvent, Customer, EventKind, Status

    def make(*, brand, agent, channel: str = "chat", at: dt.datetime, handle_seconds: int = 300,
             wait_seconds: int = 10, escalated: bool = False, reopened_after: dt.timedelta | None = None):
        customer, _ = Customer.objects.get_or_create(brand=brand, external_ref="pay-tests")
        arrived = at - dt.timedelta(seconds=handle_seconds + wait_seconds)
        contact = Contact.objects.create(
            brand=brand, channel=channel, customer=customer, status=Status.RESOLVED,
            arrived_at=arrived, deadline_at=arrived + dt.timedelta(minutes=5),
            answered_at=at - dt.timedelta(seconds=handle_seconds), resolved_at=at, agent=agent)
        if escalated:
            ContactEvent.objects.create(contact=contact, kind=EventKind.ESCALATED, agent=agent,
                                        at=at - dt.timedelta(seconds=60))
        event = ContactEvent.objects.create(contact=contact, kind=EventKind.RESOLVED, agent=agent, at=at)
        if reopened_after is not None:
            ContactEvent.objects.create(contact=contact, kind=EventKind.REOPENED, at=at + reopened_after)
        return contact, event

    return make


@pytest.fixture
def premium_call(db, resolve_contact):
    from decimal import Decimal

    from roadie.desk.pay import actions

    def make(*, brand, agent, at: dt.datetime, seconds: int, price: str = "0.60", answer_seconds: int = 20):
        contact, _ = resolve_contact(brand=brand, agent=agent, channel="voice", at=at + dt.timedelta(seconds=seconds))
        return actions.record_premium_call(
            contact=contact, number=f"{brand.slug}-voice", agent_id=agent.pk,
            offered_at=at - dt.timedelta(seconds=answer_seconds), answered_at=at,
            ended_at=at + dt.timedelta(seconds=seconds), billed_seconds=seconds,
            price_per_minute=Decimal(price))

    return make


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def finance(make_user):
    return make_user(role="finance")


AFTER_MARCH = dt.datetime(2026, 4, 20, tzinfo=PARIS)
