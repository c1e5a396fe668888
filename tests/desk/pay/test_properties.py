"""Property tests over random event streams, on the real database: the ledger always
balances, replaying the events writes nothing, statement totals equal payouts, the premium
shares are 60 % of premium revenue to the cent, a closed period recomputes byte-identically."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.desk.pay import actions, closing, lib
from roadie.desk.pay.models import Entry, Period, Statement, Transaction
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db

event = st.fixed_dictionaries({
    "agent": st.integers(0, 2), "channel": st.sampled_from(["chat", "email", "voice", "video"]),
    "day": st.integers(1, 31), "hour": st.integers(0, 23), "handle": st.integers(5, 3000),
    "reopen_days": st.one_of(st.none(), st.integers(1, 12)), "escalated": st.booleans(),
    "premium_seconds": st.one_of(st.just(0), st.integers(1, 1800)),
})


@pytest.fixture
def world(make_brand, make_agent):
    brand = make_brand(slug="prop")
    agents = [make_agent(brands=[brand], username=f"p{i}") for i in range(3)]
    actions.accept_mandate(agent=agents[0], legal_name="P Zero", siret="12345678900011", address="x")
    actions.accept_mandate(agent=agents[1], legal_name="P One", siret="12345678900029", address="y",
                           vat_franchise=False, vat_number="FR1")
    return brand, agents


class Rollback(Exception):
    pass


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(event, min_size=1, max_size=25))
def test_books_hold_for_any_stream(world, resolve_contact, premium_call, events):
    brand, agents = world
    try:
        with transaction.atomic():
            for e in events:
                at = dt.datetime(2026, 3, e["day"], e["hour"], 30, tzinfo=PARIS)
                agent = agents[e["agent"]]
                if e["premium_seconds"]:
                    premium_call(brand=brand, agent=agent, at=at, seconds=e["premium_seconds"], price="0.45")
                else:
                    resolve_contact(brand=brand, agent=agent, channel=e["channel"], at=at,
                                    handle_seconds=e["handle"], escalated=e["escalated"],
                                    reopened_after=dt.timedelta(days=e["reopen_days"]) if e["reopen_days"] else None)
            period, build = actions.close_period(None, period="2026-03", now=dt.datetime(2026, 5, 1, tzinfo=PARIS))
            check = lib.ledger_check()
            assert check.ok, check.fault
            for s in Statement.objects.all():
                assert s.total == lib.payout_amount(agent_id=s.agent_id, period="2026-03")
            assert period.premium_shares == (period.premium_revenue * Decimal("0.60")).quantize(Decimal("0.01"))
            shares = sum((-e.amount for e in Entry.objects.filter(kind="premium_share",
                                                                  account__code__startswith="agent:")), Decimal("0"))
            assert shares == period.premium_shares
            # Replaying the period's events books nothing new, even though the period is closed.
            before = (Transaction.objects.count(), Entry.objects.count())
            replay = closing.build_period("2026-03", recompute=True)
            assert actions.post([actions.line_posting(li, period="2026-03") for li in replay.lines if li.amount]) == 0
            assert (Transaction.objects.count(), Entry.objects.count()) == before
            same, differences = lib.recompute_check("2026-03")
            assert same, differences
            assert Period.objects.get(month="2026-03").status == "closed"
            raise Rollback
    except Rollback:
        pass
