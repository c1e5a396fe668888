"""The booking settings through the REST API, the twin of ``/schedule/settings/`` and of the
coverage page's fixed bonus: the same write paths decide the next booking; bad input is 422
naming the field with nothing written; only supervisors and the administrator."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from roadie.desk.scheduling import actions
from roadie.desk.scheduling.models import PlanWindow, PoolRules, SlotSeats

pytestmark = pytest.mark.django_db


def put(client, url, payload):
    return client.put(url, data=json.dumps(payload), content_type="application/json")


@pytest.fixture
def setup(make_pool, make_plan, make_agent, make_user, api_client):
    pool = make_pool(slug="north")
    plan = make_plan(pool=pool, slots=[(0, 7, 15, 2), (1, 7, 15, 2)])
    return {"pool": pool, "plan": plan, "slots": list(plan.slots.order_by("starts_at")),
            "agent": make_agent(brands=pool.brands.all()),
            "boss": api_client(make_user(role="supervisor")), "api_client": api_client,
            "make_user": make_user}


def test_pool_rules_from_the_api_decide_the_next_booking(setup):
    boss, pool = setup["boss"], setup["pool"]
    got = boss.get("/api/pools/north/booking-rules").json()
    assert got["max_week_hours"] is None and got["defaults"]["max_week_hours"] == "48.0"
    assert got["login_outside_slots"] is True
    r = put(boss, "/api/pools/north/booking-rules", {"max_week_hours": "12", "budget_per_point": 2.5,
                                                      "login_outside_slots": False})
    assert r.status_code == 200, r.content
    assert (r.json()["max_week_hours"], r.json()["budget_per_point"], r.json()["max_day_hours"]) == (
        "12.0", "2.50", None)
    rules = PoolRules.objects.get(pool=pool)
    assert rules.login_outside_slots is False and rules.max_week_hours == Decimal("12.0")
    first, second = setup["slots"]
    actions.book(agent=setup["agent"], slot_id=first.pk)
    with pytest.raises(actions.BookingRefused) as refused:
        actions.book(agent=setup["agent"], slot_id=second.pk)   # 8 + 8 > 12
    assert refused.value.code == "max_week_hours"
    # Absent fields go back to the default, as a blank field of the page does.
    assert put(boss, "/api/pools/north/booking-rules", {}).json()["max_week_hours"] is None
    assert PoolRules.objects.get(pool=pool).login_outside_slots is True


@pytest.mark.parametrize(("body", "named"), [
    ({"max_day_hours": 30}, "max_day_hours"),
    ({"rest_hours": -1}, "rest_hours"),
    ({"budget_per_point": "lots"}, "budget_per_point"),
    ({"min_week_hours": 50}, "min_week_hours"),
    ({"max_day_hours": 12, "max_week_hours": 10}, "max_day_hours"),
])
def test_bad_pool_rules_name_the_field_and_write_nothing(setup, body, named):
    r = put(setup["boss"], "/api/pools/north/booking-rules", body)
    assert r.status_code == 422 and named in json.dumps(r.json()["detail"])
    assert not PoolRules.objects.exists()


def test_a_booking_window_from_the_api_closes_booking_until_it_opens(setup):
    plan, agent = setup["plan"], setup["agent"]
    opens = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    early = opens - dt.timedelta(days=1)
    r = put(setup["boss"], f"/api/plans/{plan.pk}/booking-window", {
        "opens_at": opens.isoformat(), "early_opens_at": early.isoformat(), "early_min_reliability": "0.9"})
    assert r.status_code == 200, r.content
    assert r.json()["pool"] == "north" and r.json()["early_min_reliability"] == "0.900"
    window = PlanWindow.objects.get(plan=plan)
    assert (window.opens_at, window.early_opens_at) == (opens, early)
    with pytest.raises(actions.BookingRefused) as refused:
        actions.book(agent=agent, slot_id=setup["slots"][0].pk)
    assert refused.value.code == "closed"
    assert actions.book(agent=agent, slot_id=setup["slots"][0].pk,
                        now=opens + dt.timedelta(minutes=1)).status == "booked"
    assert setup["boss"].get(f"/api/plans/{plan.pk}/booking-window").json()["opens_at"] is not None


@pytest.mark.parametrize(("body", "named"), [
    ({"early_min_reliability": 2}, "early_min_reliability"),
    ({"opens_at": "tomorrow"}, "opens_at"),
    ({"opens_at": "2027-01-02T10:00:00"}, "opens_at"),   # no time zone
    ({"opens_at": "2027-01-02T10:00:00+01:00", "early_opens_at": "2027-01-03T10:00:00+01:00"},
     "early_opens_at"),
])
def test_bad_windows_name_the_field_and_write_nothing(setup, body, named):
    r = put(setup["boss"], f"/api/plans/{setup['plan'].pk}/booking-window", body)
    assert r.status_code == 422 and named in json.dumps(r.json()["detail"])
    assert not PlanWindow.objects.exists()


def test_a_fixed_bonus_from_the_api(setup):
    slot = setup["slots"][0]
    r = put(setup["boss"], f"/api/slots/{slot.pk}/bonus", {"amount": "12.5"})
    assert r.status_code == 200 and r.json() == {"slot": slot.pk, "fixed_bonus": "12.50"}
    assert SlotSeats.objects.get(slot=slot).fixed_bonus == Decimal("12.50")
    for amount, status in (("-3", 422), ("NaN", 422), ("1000000", 422), ("lots", 422)):
        assert put(setup["boss"], f"/api/slots/{slot.pk}/bonus", {"amount": amount}).status_code == status
    assert SlotSeats.objects.get(slot=slot).fixed_bonus == Decimal("12.50")
    assert put(setup["boss"], "/api/slots/0/bonus", {"amount": "1"}).status_code == 404


def test_only_supervisors_and_the_administrator(setup, make_brand):
    make_user, api_client = setup["make_user"], setup["api_client"]
    admin = api_client(make_user(role="admin"))
    assert put(admin, "/api/pools/north/booking-rules", {"rest_hours": 12}).status_code == 200
    for user in (make_user(role="qa"), make_user(role="finance"), setup["agent"].user,
                 make_user(role="brand_admin", brand=make_brand())):
        c = api_client(user)
        assert c.get("/api/pools/north/booking-rules").status_code == 403
        assert put(c, "/api/pools/north/booking-rules", {"rest_hours": 1}).status_code == 403
        assert put(c, f"/api/plans/{setup['plan'].pk}/booking-window", {}).status_code == 403
        assert put(c, f"/api/slots/{setup['slots'][0].pk}/bonus", {"amount": "1"}).status_code == 403
    assert PoolRules.objects.get().rest_hours == Decimal("12.0")
    assert not PlanWindow.objects.exists()
