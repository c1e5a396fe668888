"""The close reads every roadie's quality index at once: the multiplier of each band lands on
the contact lines, and the read costs the same queries for 2 roadies or 12."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadie.desk.pay import actions, facts, lib
from roadie.desk.quality.models import Review, Scorecard, ScorecardVersion, Survey
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def reviewed(make_brand, make_agent, make_user):
    brand = make_brand(slug="ondes")
    card = Scorecard.objects.create(brand=brand, name="Chat")
    version = ScorecardVersion.objects.create(scorecard=card, number=1, definition={"sections": []})
    qa = make_user(role="qa")

    def review(agent, contact, *, score: str, rating: int):
        at = contact.resolved_at
        Review.objects.create(contact=contact, agent=agent, reviewer=qa, version=version,
                              score=Decimal(score), submitted_at=at)
        Survey.objects.create(contact=contact, agent=agent, channel="chat", nonce=f"n{contact.pk}",
                              expires_at=at + dt.timedelta(days=7), status="answered",
                              answered_at=at, rating=rating, controllable=True)

    return brand, review


def test_quality_bands_reach_the_contact_lines(reviewed, make_agent, resolve_contact):
    brand, review = reviewed
    good, low, new = (make_agent(brands=[brand], username=n) for n in ("good", "low", "new"))
    for day in range(9, 15):  # Monday to Saturday: no Sunday premium
        contact, _ = resolve_contact(brand=brand, agent=good, at=paris(2026, 3, day, 10))
        review(good, contact, score="95", rating=5)
        contact, _ = resolve_contact(brand=brand, agent=low, at=paris(2026, 3, day, 11))
        review(low, contact, score="40", rating=2)
        resolve_contact(brand=brand, agent=new, at=paris(2026, 3, day, 12))
    actions.close_period(None, period="2026-03", now=paris(2026, 4, 20))

    def multipliers(agent):
        return {li["multiplier"] for li in lib.statement_json(agent=agent, period="2026-03")["lines"]
                if li["kind"] == "contact"}

    assert multipliers(good) == {"1.2"}  # index 97 -> the 90+ band
    assert multipliers(low) == {"0.9"}   # index 24 -> the lowest band
    assert multipliers(new) == {"1"}     # no reviews: neutral


def test_the_close_reads_quality_in_a_fixed_number_of_queries(reviewed, make_agent, resolve_contact):
    brand, review = reviewed
    agents = [make_agent(brands=[brand]) for _ in range(12)]
    for i, agent in enumerate(agents):
        contact, _ = resolve_contact(brand=brand, agent=agent, at=paris(2026, 3, 10, 8 + i))
        review(agent, contact, score="80", rating=4)
    end = paris(2026, 4, 1)

    def count(ids) -> int:
        with CaptureQueriesContext(connection) as ctx:
            out = facts.quality_indexes(ids, end=end)
        assert set(out) == set(ids)
        return len(ctx.captured_queries)

    assert count([a.pk for a in agents[:2]]) == count([a.pk for a in agents])
