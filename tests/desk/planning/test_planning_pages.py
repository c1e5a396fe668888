"""The supervisor's planning page: next week's forecast, requirement and slots; publishing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from roadie.desk.planning.lib import next_monday
from roadie.desk.planning.models import PlanStatus, SlotPlan


@pytest.fixture
def pool_with_history(db, make_brand):
    from roadie.desk.brands.models import Channel, Pool
    from roadie.desk.contacts.models import Contact, Customer

    brand = make_brand(slug="maison-alba", channels=("voice", "email"))
    Channel.objects.create(brand=brand, kind="voice", address="+33100000000")
    pool = Pool.objects.create(slug="alba", name="Alba")
    pool.brands.add(brand)
    customer = Customer.objects.create(brand=brand, name="Marie")
    rng = np.random.default_rng(5)
    first = next_monday(timezone.localdate()) - dt.timedelta(weeks=3)
    zone = timezone.get_current_timezone()
    contacts = []
    for d in range(21):
        day = first + dt.timedelta(days=d)
        if day.weekday() == 6:
            continue
        for hour in range(8, 20):
            for channel, rate in (("voice", 6), ("email", 3)):
                for _ in range(int(rng.poisson(rate * (1.5 if 9 <= hour <= 11 else 1.0)))):
                    at = dt.datetime.combine(day, dt.time(hour, int(rng.integers(0, 60))), zone)
                    contacts.append(Contact(brand=brand, channel=channel, customer=customer,
                                            arrived_at=at, deadline_at=at, status="resolved"))
    Contact.objects.bulk_create(contacts)
    return pool


def test_operator_proposes_sees_and_publishes_slots(client, make_user, pool_with_history):
    supervisor = make_user(role="supervisor")
    client.force_login(supervisor)
    page = client.get("/planning/")
    assert page.status_code == 200 and b"Alba" in page.content
    response = client.post("/planning/pools/alba/propose")
    assert response.status_code == 302
    plan = SlotPlan.objects.get(pool=pool_with_history)
    assert plan.status == PlanStatus.PROPOSED
    assert plan.first_day == next_monday(timezone.localdate())
    assert plan.slots.exists() and plan.uncovered_hours == 0
    assert set(plan.forecast_contacts) == {"maison-alba/voice", "maison-alba/email"}
    assert not plan.slots.filter(day__week_day=1).exists()  # no Sunday: not open
    page = client.get("/planning/pools/alba/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "Publish these slots" in body
    assert body.count("<tr>") >= plan.slots.count()
    assert client.post(f"/planning/plans/{plan.pk}/publish").status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.published_by == supervisor
    # proposing again supersedes nothing published until that one is published in turn
    client.post("/planning/pools/alba/propose")
    newer = SlotPlan.objects.filter(pool=pool_with_history).first()
    assert newer.pk != plan.pk and newer.status == PlanStatus.PROPOSED
    client.post(f"/planning/plans/{newer.pk}/publish")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED
    response = client.post(f"/planning/plans/{plan.pk}/publish", follow=True)
    assert "can no longer be published" in response.content.decode()


def test_pool_without_history_gets_a_message(client, make_user, db):
    from roadie.desk.brands.models import Pool

    Pool.objects.create(slug="empty", name="Empty")
    client.force_login(make_user(role="supervisor"))
    response = client.post("/planning/pools/empty/propose", follow=True)
    assert "nothing to forecast from" in response.content.decode()
    assert not SlotPlan.objects.exists()


def test_planning_is_for_operator_staff_only(client, make_user, make_brand):
    client.force_login(make_user(role="agent"))
    assert client.get("/planning/").status_code == 403
    client.force_login(make_user(role="brand", brand=make_brand()))
    assert client.get("/planning/").status_code == 403
    client.logout()
    assert client.get("/planning/").status_code == 302


def test_less_than_a_week_of_contacts_is_explained(client, make_user, make_brand):
    from roadie.desk.brands.models import Pool
    from roadie.desk.contacts.models import Contact, Customer

    brand = make_brand(slug="nouvelle", channels=("voice",))
    pool = Pool.objects.create(slug="nouvelle", name="Nouvelle")
    pool.brands.add(brand)
    customer = Customer.objects.create(brand=brand, name="Paul")
    at = timezone.now() - dt.timedelta(days=1)
    Contact.objects.create(brand=brand, channel="voice", customer=customer, arrived_at=at,
                           deadline_at=at)
    client.force_login(make_user(role="supervisor"))
    response = client.post("/planning/pools/nouvelle/propose", follow=True)
    assert "at least one week of history" in response.content.decode()
