"""Supervisors set each pool's booking rules, bonus budget and login rule, and each plan's
booking window, from a page; the rules then decide bookings, the budget prices bonuses and
the window opens booking. Bad input names the field and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from sched_helpers import MONDAY, at

from roadie.desk.scheduling import actions, lib
from roadie.desk.scheduling.models import PlanWindow, PoolRules

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_pool, make_plan, make_agent, make_user, client):
    pool = make_pool()
    plan = make_plan(pool=pool, slots=[(0, 7, 15, 2), (1, 7, 15, 2), (2, 9, 17, 1)])
    client.force_login(make_user(role="supervisor"))
    return {"pool": pool, "plan": plan, "slots": list(plan.slots.order_by("starts_at")),
            "agent": make_agent(brands=pool.brands.all()), "client": client}


def _rules(pool, **fields):
    body = {"form": f"pool-{pool.pk}", "max_day_hours": "", "max_week_hours": "", "min_week_hours": "",
            "rest_hours": "", "notice_hours": "", "swap_close_hours": "", "budget_per_point": "",
            "login_outside_slots": "1", **fields}
    return {k: v for k, v in body.items() if v is not None}


def test_pool_rules_from_the_page_decide_the_next_booking(setup):
    client, pool = setup["client"], setup["pool"]
    page = client.get("/schedule/settings/").content.decode()
    assert "Booking settings" in page and 'placeholder="10.0"' in page
    r = client.post("/schedule/settings/", _rules(pool, max_week_hours="12", budget_per_point="2.5",
                                                  login_outside_slots=None))
    assert r.status_code == 302
    rules = PoolRules.objects.get(pool=pool)
    assert (rules.max_week_hours, rules.budget_per_point, rules.max_day_hours) == (
        Decimal("12.0"), Decimal("2.50"), None)
    assert rules.login_outside_slots is False
    assert lib.rules_for_pool_id(pool.pk).max_week_hours == 12
    first, second, _ = setup["slots"]
    actions.book(agent=setup["agent"], slot_id=first.pk)
    with pytest.raises(actions.BookingRefused) as refused:
        actions.book(agent=setup["agent"], slot_id=second.pk)   # 8 + 8 > 12
    assert refused.value.code == "max_week_hours"
    # blank again: back to the default
    client.post("/schedule/settings/", _rules(pool))
    assert lib.rules_for_pool_id(pool.pk).max_week_hours == 48


@pytest.mark.parametrize(("fields", "named"), [
    ({"max_day_hours": "30"}, "max_day_hours"),
    ({"rest_hours": "-1"}, "rest_hours"),
    ({"budget_per_point": "lots"}, "budget_per_point"),
    ({"min_week_hours": "50"}, "min_week_hours"),
])
def test_bad_pool_rules_name_the_field_and_write_nothing(setup, fields, named):
    r = setup["client"].post("/schedule/settings/", _rules(setup["pool"], **fields))
    assert r.status_code == 422 and named in r.content.decode()
    assert not PoolRules.objects.exists()


def test_the_budget_prices_the_bonus(setup):
    slot = setup["slots"][2]
    from roadie.desk.scheduling import pricing

    before = pricing.plan_bonuses(setup["plan"])[slot.pk]   # default budget 0.50 € a point
    setup["client"].post("/schedule/settings/", _rules(setup["pool"], budget_per_point="5"))
    after = pricing.plan_bonuses(setup["plan"])[slot.pk]
    assert before > 0
    assert abs(after - before * 10) <= Decimal("0.10")  # ten times the budget, to rounding


def test_a_booking_window_with_early_access_from_the_page(setup):
    client, plan, agent = setup["client"], setup["plan"], setup["agent"]
    opens = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    early = opens - dt.timedelta(days=1)
    r = client.post("/schedule/settings/", {
        "form": f"plan-{plan.pk}", "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "early_opens_at": early.strftime("%Y-%m-%dT%H:%M"), "early_min_reliability": "0.9"})
    assert r.status_code == 302
    window = PlanWindow.objects.get(plan=plan)
    assert window.opens_at == opens and window.early_opens_at == early
    assert window.early_min_reliability == Decimal("0.900")
    with pytest.raises(actions.BookingRefused) as refused:
        actions.book(agent=agent, slot_id=setup["slots"][0].pk)
    assert refused.value.code == "closed"
    # at the opening, everyone books
    booked = actions.book(agent=agent, slot_id=setup["slots"][0].pk, now=opens + dt.timedelta(minutes=1))
    assert booked.status == "booked"
    assert at(MONDAY, 7) > opens  # the slot is still ahead then


@pytest.mark.parametrize(("fields", "named"), [
    ({"early_min_reliability": "2"}, "early_min_reliability"),
    ({"opens_at": "tomorrow"}, "opens_at"),
    ({"opens_at": "2027-01-02T10:00", "early_opens_at": "2027-01-03T10:00"}, "early_opens_at"),
])
def test_bad_windows_name_the_field_and_write_nothing(setup, fields, named):
    body = {"form": f"plan-{setup['plan'].pk}", "opens_at": "", "early_opens_at": "",
            "early_min_reliability": "0.95", **fields}
    r = setup["client"].post("/schedule/settings/", body)
    assert r.status_code == 422 and named in r.content.decode()
    assert not PlanWindow.objects.exists()


def test_only_supervisors_open_the_settings(client, make_user, make_agent, make_brand):
    for user in (make_user(role="qa"), make_user(role="finance"), make_agent(brands=[make_brand()]).user):
        client.force_login(user)
        assert client.get("/schedule/settings/").status_code == 403
