"""A published plan replaced by a new one: the old plan's bookings still to come are
cancelled (seat freed, swap withdrawn, waiting list closed), each roadie gets a notice and a
live event, bookings already under way stay. A pool that forbids logging in outside a slot
keeps its roadies from going available until their booked slot starts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from roadie.desk.live.models import LiveEvent
from roadie.desk.planning.actions import publish_plan
from roadie.desk.planning.models import PlanStatus
from roadie.desk.scheduling import actions
from roadie.desk.scheduling.models import (
    Booking,
    BookingStatus,
    Notice,
    PoolRules,
    SlotSeats,
    Swap,
    WaitlistEntry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(make_pool, make_plan, make_agent, make_user):
    """This week's published plan: a slot under way now and two to come (one with one seat)."""
    now = timezone.now()
    pool = make_pool()
    started = now.astimezone(timezone.get_default_timezone()) - dt.timedelta(hours=1)
    hour = started.hour + started.minute / 60
    # the week starts on the day the slot under way started (yesterday just after midnight)
    plan = make_plan(pool=pool, first_day=started.date(), slots=[
        (0, hour, hour + 3, 2),   # under way
        (3, 9, 17, 2),
        (4, 9, 13, 1),
    ])
    slots = list(plan.slots.order_by("starts_at"))
    roadies = [make_agent(brands=pool.brands.all()) for _ in range(3)]
    return {"pool": pool, "plan": plan, "slots": slots, "roadies": roadies,
            "planner": make_user(role="supervisor"), "now": now}


def _replacement(make_plan, week):
    return make_plan(pool=week["pool"], first_day=week["plan"].first_day, published=False,
                     slots=[(3, 9, 17, 2)])


def test_publishing_a_new_plan_cancels_the_old_plans_bookings_to_come(week, make_plan):
    a, b, c = week["roadies"]
    under_way, later, small = week["slots"]
    Booking.objects.create(agent=a, slot=under_way)  # booked before it started
    kept = Booking.objects.get(agent=a, slot=under_way)
    ahead = actions.book(agent=a, slot_id=later.pk)
    swapped = actions.book(agent=b, slot_id=small.pk)
    actions.offer_swap(agent=b, booking_id=swapped.pk)
    actions.join_waitlist(agent=c, slot_id=small.pk)
    LiveEvent.objects.all().delete()

    new = _replacement(make_plan, week)
    publish_plan(user=week["planner"], plan=new)

    week["plan"].refresh_from_db()
    assert week["plan"].status == PlanStatus.SUPERSEDED
    for booking in (ahead, swapped):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED and booking.released_at is not None
    kept.refresh_from_db()
    assert kept.status == BookingStatus.BOOKED  # under way: worked, and paid
    assert SlotSeats.objects.get(slot=later).booked == 0
    assert SlotSeats.objects.get(slot=small).booked == 0
    assert not Swap.objects.filter(booking=swapped, status="open").exists()
    wait = WaitlistEntry.objects.get(agent=c, slot=small)
    assert (wait.status, wait.skipped_code) == ("skipped", "superseded")
    assert set(Notice.objects.filter(kind="booking_cancelled").values_list("agent_id", "booking_id")) == {
        (a.pk, ahead.pk), (b.pk, swapped.pk)}
    events = set(LiveEvent.objects.filter(kind="scheduling.cancelled").values_list("topic", flat=True))
    assert {f"agent:{a.pk}", f"agent:{b.pk}", "board"} <= events and f"agent:{c.pk}" not in events
    # the new plan's slots are free to book
    fresh = new.slots.get()
    assert actions.book(agent=a, slot_id=fresh.pk).status == BookingStatus.BOOKED


def test_the_notice_reaches_my_schedule_in_french(week, make_plan, client):
    a = week["roadies"][0]
    actions.book(agent=a, slot_id=week["slots"][1].pk)
    publish_plan(user=week["planner"], plan=_replacement(make_plan, week))
    a.user.language = "fr"
    a.user.save()
    client.force_login(a.user)
    page = client.get("/schedule/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Le planning a changé : cette réservation est annulée" in page


def test_publishing_the_first_plan_of_a_week_cancels_nothing(make_pool, make_plan, make_agent, make_user):
    pool = make_pool()
    other = make_plan(pool=pool, slots=[(1, 9, 17, 2)])
    agent = make_agent(brands=pool.brands.all())
    booking = actions.book(agent=agent, slot_id=other.slots.get().pk)
    nxt = make_plan(pool=pool, first_day=other.first_day + dt.timedelta(days=7), published=False,
                    slots=[(1, 9, 17, 2)])
    publish_plan(user=make_user(role="supervisor"), plan=nxt)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and not Notice.objects.exists()


# --- logging in outside a booked slot ------------------------------------------------------------

def _available(api, agent):
    return api(agent.user).post("/api/agents/me/presence", {"presence": "available"},
                                content_type="application/json")


def test_a_pool_that_forbids_it_keeps_roadies_offline_outside_their_slots(week, api_client):
    a, b, _ = week["roadies"]
    PoolRules.objects.create(pool=week["pool"], login_outside_slots=False)
    a.user.language = "fr"
    a.user.save()
    r = _available(api_client, a)
    assert r.status_code == 409
    assert "créneau" in r.json()["detail"]
    a.refresh_from_db()
    assert a.presence == "offline"
    # on a booked slot of that pool (under way now), the same roadie may go available
    Booking.objects.create(agent=b, slot=week["slots"][0])
    assert _available(api_client, b).status_code == 200
    b.refresh_from_db()
    assert b.presence == "available"


def test_logging_in_outside_slots_is_allowed_by_default_and_by_any_pool_that_allows_it(
        week, api_client, make_pool):
    a = week["roadies"][0]
    assert _available(api_client, a).status_code == 200  # no PoolRules: the default allows
    api_client(a.user).post("/api/agents/me/presence", {"presence": "offline"},
                            content_type="application/json")
    PoolRules.objects.create(pool=week["pool"], login_outside_slots=False)
    other = make_pool(brands=list(week["pool"].brands.all()))  # a second pool, default rules
    assert _available(api_client, a).status_code == 200
    PoolRules.objects.create(pool=other, login_outside_slots=False)
    api_client(a.user).post("/api/agents/me/presence", {"presence": "offline"},
                            content_type="application/json")
    assert _available(api_client, a).status_code == 409


def test_the_desk_page_says_why_in_english(week, client):
    a = week["roadies"][0]
    PoolRules.objects.create(pool=week["pool"], login_outside_slots=False)
    a.user.language = "en"
    a.user.save()
    client.force_login(a.user)
    page = client.post("/desk/presence", {"presence": "available"}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "only during a slot you have booked" in page
