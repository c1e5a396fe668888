"""quality_index (the function pay calls) and GET /api/quality: what is counted, for whom."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from roadie.desk.contacts.models import ContactEvent, Escalation, EventKind
from roadie.desk.quality.lib import quality_index
from roadie.desk.quality.models import (
    EscalationVerdict,
    Review,
    Scorecard,
    ScorecardVersion,
    Survey,
)

NOW = timezone.now()


@pytest.fixture
def world(make_brand, make_agent, make_contact, make_user):
    brand, other = make_brand(slug="shop"), make_brand(slug="bank")
    alice, bob = make_agent(brands=[brand, other]), make_agent(brands=[brand])
    reviewer = make_user(role="qa")
    card = Scorecard.objects.create(brand=brand, name="Chat")
    version = ScorecardVersion.objects.create(scorecard=card, number=1, definition={"sections": []})

    def work(agent, *, brand=brand, score=None, rating=None, reason="", controllable=True,
             days_ago=1, reopened=False, escalation=None):
        contact = make_contact(brand=brand)
        at = NOW - timedelta(days=days_ago)
        ContactEvent.objects.create(contact=contact, kind=EventKind.RESOLVED, agent=agent, at=at)
        if reopened:
            ContactEvent.objects.create(contact=contact, kind=EventKind.REOPENED, at=at + timedelta(days=2))
        if score is not None:
            Review.objects.create(contact=contact, agent=agent, reviewer=reviewer, version=version,
                                  score=Decimal(score), submitted_at=at)
        if rating is not None:
            Survey.objects.create(contact=contact, agent=agent, channel="chat", nonce=f"n{contact.pk}",
                                  expires_at=at + timedelta(days=7), status="answered", answered_at=at,
                                  rating=rating, reason=reason, controllable=controllable)
        if escalation is not None:
            e = Escalation.objects.create(contact=contact, raised_by=agent.user, reason="help",
                                          raised_at=at, due_at=at)
            EscalationVerdict.objects.create(escalation=e, justified=escalation, judged_by=reviewer)
        return contact

    return brand, other, alice, bob, work


def test_index_counts_the_roadies_own_work_in_the_window(world):
    brand, other, alice, bob, work = world
    for score in (80, 90, 100, 70):
        work(alice, score=score)
    for rating in (5, 5, 5, 5, 4, 4, 4, 4, 2, 1):
        work(alice, rating=rating)
    work(alice, rating=1, reason="delivery", controllable=False)  # kept out of her score
    for i in range(22):  # 4 + 11 + 22 + 3 = 40 resolutions
        work(alice, reopened=i < 2)
    work(alice, escalation=True)
    work(alice, escalation=True)
    work(alice, escalation=False)
    work(alice, score=0, days_ago=40)  # outside the 28-day window
    work(bob, score=10)  # someone else's
    work(bob, score=10)
    work(bob, score=10)

    index = quality_index(agent_id=alice.pk, end=NOW)
    assert index.qa_score.count == 4 and index.qa_score.value == Decimal("85.0")
    assert index.csat.count == 10 and index.csat.value == Decimal("80.0")
    assert index.reopen_rate.count == 40  # every resolution of hers in the window
    assert index.reopen_rate.value == Decimal("5.0")
    assert index.justified_escalations.count == 3
    assert index.value == Decimal("82.7")  # docs/quality.md, worked example
    assert index.observations == 57


def test_scopes_brand_and_pool(world):
    from roadie.desk.brands.models import Pool

    brand, other, alice, bob, work = world
    for _ in range(3):
        work(alice, score=100, brand=other)
        work(bob, score=50)
    pool = Pool.objects.create(slug="team", name="Team")
    pool.brands.add(other)
    assert quality_index(brand_id=brand.pk, end=NOW).qa_score.value == Decimal("50.0")
    assert quality_index(pool_id=pool.pk, end=NOW).qa_score.value == Decimal("100.0")
    assert quality_index(end=NOW).qa_score.count == 6
    assert quality_index(agent_id=alice.pk, brand_id=brand.pk, end=NOW).qa_score.count == 0


def test_small_sample_has_no_value(world):
    _, _, alice, _, work = world
    work(alice, score=100)
    index = quality_index(agent_id=alice.pk, end=NOW)
    assert index.value is None and index.qa_score.count == 1


def test_naive_end_is_refused(world):
    import datetime as dt

    with pytest.raises(ValueError, match="aware"):
        quality_index(end=dt.datetime(2026, 1, 1))  # noqa: DTZ001


def test_api_answers_by_role(world, api_client, make_user):
    brand, other, alice, bob, work = world
    for i in range(5):
        work(alice, score=90 if i < 3 else None, rating=5)
    qa = api_client(make_user(role="qa"))
    body = qa.get(f"/api/quality?agent={alice.pk}").json()
    assert body["value"] == 93.8  # (0.5 x 90 + 0.3 x 100) / 0.8 = 93.75
    assert {c["name"] for c in body["components"]} == {
        "qa_score", "csat", "reopen_rate", "justified_escalations"}
    assert body["components"][0]["count"] == 3

    as_alice = api_client(alice.user)
    assert as_alice.get("/api/quality").json()["agent"] == alice.pk
    assert as_alice.get(f"/api/quality?agent={bob.pk}").status_code == 403
    assert as_alice.get("/api/quality?brand=shop").status_code == 200

    brand_user = api_client(make_user(role="brand", brand=brand))
    assert brand_user.get("/api/quality?brand=bank").status_code == 403
    mine = brand_user.get(f"/api/quality?agent={alice.pk}").json()
    assert mine["brand"] == "shop"

    bad = qa.get("/api/quality?brand=nope")
    assert bad.status_code == 422 and "brand" in bad.json()["detail"]
    assert qa.get("/api/quality?days=0").status_code == 422
