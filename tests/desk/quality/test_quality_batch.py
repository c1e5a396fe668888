"""The batch reads of the quality index (pay's close, the team page) give exactly what one
``quality_index`` call per scope gives, and the team page costs a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.desk.contacts.models import Contact, ContactEvent, Escalation, EventKind
from roadie.desk.quality import lib
from roadie.desk.quality.models import (
    EscalationVerdict,
    Review,
    Scorecard,
    ScorecardVersion,
    Survey,
)

NOW = timezone.now()

work = st.fixed_dictionaries({
    "agent": st.integers(0, 3),            # 3: no roadie (a supervisor escalates, no review)
    "brand": st.integers(0, 2),
    "customer": st.integers(0, 3),
    "days_ago": st.integers(0, 35),
    "arrived_hours": st.integers(-200, 2),  # arrival relative to the resolution
    "score": st.one_of(st.none(), st.decimals(0, 110, places=1)),
    "rating": st.one_of(st.none(), st.integers(1, 5)),
    "controllable": st.booleans(),
    "reopened": st.booleans(),
    "escalation": st.one_of(st.none(), st.booleans()),
})


@pytest.fixture
def world(make_brand, make_agent, make_user):
    from roadie.desk.brands.models import Pool

    brands = [make_brand() for _ in range(3)]
    agents = [make_agent(brands=brands) for _ in range(3)]
    reviewer, supervisor = make_user(role="qa"), make_user(role="supervisor")
    card = Scorecard.objects.create(brand=brands[0], name="Chat")
    version = ScorecardVersion.objects.create(scorecard=card, number=1, definition={"sections": []})
    pools = [Pool.objects.create(slug="p-ab", name="AB"), Pool.objects.create(slug="p-c", name="C"),
             Pool.objects.create(slug="p-none", name="None")]
    pools[0].brands.add(brands[0], brands[1])
    pools[1].brands.add(brands[2])
    return {"brands": brands, "agents": agents, "reviewer": reviewer, "supervisor": supervisor,
            "version": version, "pools": pools}


def _write(world, make_contact, spec: dict) -> None:
    brand = world["brands"][spec["brand"]]
    agent = world["agents"][spec["agent"]] if spec["agent"] < 3 else None
    contact = make_contact(brand=brand, email=f"customer{spec['customer']}@example.org")
    at = NOW - timedelta(days=spec["days_ago"], minutes=spec["customer"])
    Contact.objects.filter(pk=contact.pk).update(arrived_at=at + timedelta(hours=spec["arrived_hours"]))
    if agent is not None:
        ContactEvent.objects.create(contact=contact, kind=EventKind.RESOLVED, agent=agent, at=at)
        if spec["reopened"]:
            ContactEvent.objects.create(contact=contact, kind=EventKind.REOPENED, at=at + timedelta(days=3))
        if spec["score"] is not None:
            Review.objects.create(contact=contact, agent=agent, reviewer=world["reviewer"],
                                  version=world["version"], score=spec["score"], submitted_at=at)
    if spec["rating"] is not None:
        Survey.objects.create(contact=contact, agent=agent, channel="chat", nonce=f"n{contact.pk}",
                              expires_at=at + timedelta(days=7), status="answered", answered_at=at,
                              rating=spec["rating"], controllable=spec["controllable"])
    if spec["escalation"] is not None:
        by = agent.user if agent is not None else world["supervisor"]
        e = Escalation.objects.create(contact=contact, raised_by=by, reason="help", raised_at=at,
                                      due_at=at)
        EscalationVerdict.objects.create(escalation=e, justified=spec["escalation"],
                                         judged_by=world["reviewer"])


@pytest.mark.django_db
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(works=st.lists(work, max_size=30), days=st.sampled_from([7, 28]))
def test_batch_reads_equal_one_call_per_scope(world, make_contact, works, days):
    with transaction.atomic():
        for spec in works:
            _write(world, make_contact, spec)
        ids = [a.pk for a in world["agents"]]
        batch = lib.quality_indexes(agent_ids=ids + [None], end=NOW, days=days)
        assert set(batch) == set(ids)
        for a in ids:
            assert batch[a] == lib.quality_index(agent_id=a, end=NOW, days=days)
        for b in world["brands"]:
            mine = lib.quality_indexes(agent_ids=ids, brand_id=b.pk, end=NOW, days=days)
            for a in ids:
                assert mine[a] == lib.quality_index(agent_id=a, brand_id=b.pk, end=NOW, days=days)
        pools = [p.pk for p in world["pools"]]
        by_pool = lib.pool_quality_indexes(pool_ids=pools, end=NOW, days=days)
        for p in pools:
            assert by_pool[p] == lib.quality_index(pool_id=p, end=NOW, days=days)
        cells = lib.quality_cells(end=NOW, days=days)
        assert cells.index() == lib.quality_index(end=NOW, days=days)
        for b in world["brands"]:
            assert cells.index(brands=[b.pk]) == lib.quality_index(brand_id=b.pk, end=NOW, days=days)
        transaction.set_rollback(True)


def test_batch_of_the_worked_example(world, make_contact):
    """The docs' worked example (82.7) comes out of the batch read too."""
    spec = {"agent": 0, "brand": 0, "customer": 0, "days_ago": 1, "arrived_hours": -1,
            "score": None, "rating": None, "controllable": True, "reopened": False, "escalation": None}
    for score in ("80", "90", "100", "70"):
        _write(world, make_contact, {**spec, "score": Decimal(score), "customer": 1})
    for rating in (5, 5, 5, 5, 4, 4, 4, 4, 2, 1):
        _write(world, make_contact, {**spec, "rating": rating, "customer": 2})
    for i in range(23):
        _write(world, make_contact, {**spec, "reopened": i < 2, "customer": 3})
    for justified in (True, True, False):
        _write(world, make_contact, {**spec, "escalation": justified, "customer": 1})
    agent = world["agents"][0].pk
    index = lib.quality_indexes(agent_ids=[agent], end=NOW)[agent]
    assert index.value == Decimal("82.7")
    assert index.reopen_rate.count == 40 and index.reopen_rate.value == Decimal("5.0")


def test_bad_window_is_refused(world):
    import datetime as dt

    with pytest.raises(ValueError, match="aware"):
        lib.quality_indexes(agent_ids=[1], end=dt.datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="days"):
        lib.quality_indexes(agent_ids=[1], end=NOW, days=0)


def _team_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/quality/team/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("role", ["supervisor", "brand"])
def test_team_page_queries_do_not_grow_with_roadies(role, world, make_agent, make_user,
                                                    make_contact, make_brand, client):
    from roadie.desk.brands.models import Pool

    brand = world["brands"][0]
    client.force_login(make_user(role=role, brand=brand if role == "brand" else None))
    for i in range(4):
        _write(world, make_contact, {"agent": i % 3, "brand": 0, "customer": i, "days_ago": 1,
                                     "arrived_hours": -1, "score": Decimal("90"), "rating": 5,
                                     "controllable": True, "reopened": False, "escalation": True})
    small, _ = _team_queries(client)
    more = [make_agent(brands=[brand], username=f"extra-{i}") for i in range(8)]
    for agent in more:
        world["agents"].append(agent)
    for i, agent in enumerate(more):
        contact = make_contact(brand=brand)
        ContactEvent.objects.create(contact=contact, kind=EventKind.RESOLVED, agent=agent,
                                    at=NOW - timedelta(hours=i + 1))
        Review.objects.create(contact=contact, agent=agent, reviewer=world["reviewer"],
                              version=world["version"], score=Decimal("80"),
                              submitted_at=NOW - timedelta(hours=i + 1))
    Pool.objects.create(slug="p-more", name="More").brands.add(make_brand())
    large, html = _team_queries(client)
    assert large == small
    assert all(f"extra-{i}" in html for i in range(8))
