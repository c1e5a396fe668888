"""The scheduling API as a roadie and a supervisor use it: refusals are 409 with the rule's
code and a message in the caller's language, and change nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from roadie.desk.scheduling.models import Booking, BookingStatus, Notice, SlotSeats


@pytest.fixture
def setup(make_pool, make_plan, make_agent, api_client, make_user):
    pool = make_pool()
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    plan = make_plan(pool=pool, first_day=monday, slots=[
        (0, 7, 15, 1), (0, 9, 17, 2), (1, 7, 11, 2, 17, 21), (2, 23, 25, 1)])
    slots = list(plan.slots.order_by("day", "starts_at"))
    me = make_agent(brands=pool.brands.all(), username="roadie-a")
    mate = make_agent(brands=pool.brands.all(), username="roadie-b")
    stranger = make_agent(username="roadie-c")
    return {"pool": pool, "plan": plan, "slots": slots, "me": me, "mate": mate,
            "stranger": stranger, "client": api_client, "make_user": make_user}


def post(client, url, payload=None):
    return client.post(url, data=json.dumps(payload) if payload is not None else None,
                       content_type="application/json")


def test_list_slots_with_seats_bonus_and_status(setup):
    c = setup["client"](setup["me"].user)
    first = setup["plan"].first_day
    r = c.get(f"/api/slots?pool={setup['pool'].slug}&from={first}&to={first + dt.timedelta(7)}")
    assert r.status_code == 200, r.content
    rows = r.json()
    assert [row["id"] for row in rows] == [s.pk for s in setup["slots"]]
    split = rows[2]
    assert split["second_start"] and split["hours"] == 8.0
    assert {row["status"] for row in rows} == {"open"}
    assert all(float(row["bonus"]) > 0 for row in rows)
    # a roadie certified for none of the pool's brands sees none of its slots
    other = setup["client"](setup["stranger"].user)
    assert other.get(f"/api/slots?from={first}&to={first + dt.timedelta(7)}").json() == []


def test_book_then_full_then_waitlist_then_release_seats_the_first_in_line(setup):
    me, mate = setup["client"](setup["me"].user), setup["client"](setup["mate"].user)
    one_seat = setup["slots"][0]
    r = post(me, f"/api/slots/{one_seat.pk}/book")
    assert r.status_code == 201, r.content
    booking = r.json()
    assert (booking["slot"], booking["status"]) == (one_seat.pk, "booked")
    assert float(booking["bonus"]) > 0
    r = post(mate, f"/api/slots/{one_seat.pk}/book")
    assert r.status_code == 409 and r.json()["code"] == "full"
    assert set(r.json()) == {"code", "message"}
    r = post(mate, f"/api/slots/{one_seat.pk}/waitlist")
    assert r.status_code == 201 and r.json()["position"] == 1
    r = post(me, f"/api/bookings/{booking['id']}/release")
    assert r.status_code == 200 and r.json()["status"] == "released"
    seated = Booking.objects.get(slot=one_seat, status=BookingStatus.BOOKED)
    assert seated.agent == setup["mate"]
    assert Notice.objects.filter(agent=setup["mate"], kind="waitlist_seat").count() == 1
    # the seat may be declined, without penalty
    r = post(mate, f"/api/bookings/{seated.pk}/decline")
    assert r.status_code == 200
    assert SlotSeats.objects.get(slot=one_seat).booked == 0


def test_refusals_name_their_rule_in_the_users_language_and_change_nothing(setup):
    me_user = setup["me"].user
    me_user.language = "fr"
    me_user.save()
    me = setup["client"](me_user)
    s = setup["slots"]
    assert post(me, f"/api/slots/{s[0].pk}/book").status_code == 201
    r = post(me, f"/api/slots/{s[1].pk}/book")
    assert r.status_code == 409
    assert r.json()["code"] == "overlap"
    assert "chevauche" in r.json()["message"]
    stranger = setup["client"](setup["stranger"].user)
    r = post(stranger, f"/api/slots/{s[1].pk}/book")
    assert (r.status_code, r.json()["code"]) == (409, "not_certified")
    assert list(SlotSeats.objects.filter(slot=s[1], booked__gt=0)) == []
    assert not Booking.objects.filter(slot=s[1]).exists()


def test_notice_then_late_release_counts_against_reliability(setup, make_plan):
    soon = make_plan(pool=setup["pool"], first_day=timezone.localdate(), slots=[(1, 9, 12, 2)])
    slot = soon.slots.get()
    if slot.starts_at - timezone.now() >= dt.timedelta(hours=48):
        pytest.skip("tomorrow's slot is beyond the notice window")
    me = setup["client"](setup["me"].user)
    booking = post(me, f"/api/slots/{slot.pk}/book").json()
    r = post(me, f"/api/bookings/{booking['id']}/release")
    assert (r.status_code, r.json()["code"]) == (409, "notice")
    r = post(me, f"/api/bookings/{booking['id']}/release", {"late": True})
    assert r.status_code == 200
    assert Booking.objects.get(pk=booking["id"]).late_release is True


def test_swap_to_the_board_and_take(setup):
    me, mate = setup["client"](setup["me"].user), setup["client"](setup["mate"].user)
    slot = setup["slots"][3]
    booking = post(me, f"/api/slots/{slot.pk}/book").json()
    r = post(me, f"/api/bookings/{booking['id']}/swap", {})
    assert r.status_code == 201 and r.json()["to"] is None
    assert [s["booking"] for s in mate.get("/api/swaps").json()] == [booking["id"]]
    r = post(mate, f"/api/bookings/{booking['id']}/take")
    assert r.status_code == 201, r.content
    assert r.json()["bonus"] == booking["bonus"]
    assert Booking.objects.get(pk=booking["id"]).status == BookingStatus.SWAPPED
    assert SlotSeats.objects.get(slot=slot).booked == 1


def test_swap_to_a_named_colleague_only_they_may_take(setup, make_agent):
    me, mate = setup["client"](setup["me"].user), setup["client"](setup["mate"].user)
    third = make_agent(brands=setup["pool"].brands.all())
    slot = setup["slots"][3]
    booking = post(me, f"/api/slots/{slot.pk}/book").json()
    assert post(me, f"/api/bookings/{booking['id']}/swap", {"to": "roadie-b"}).status_code == 201
    assert post(me, f"/api/bookings/{booking['id']}/swap", {"to": "nobody"}).status_code == 422
    assert post(me, f"/api/bookings/{booking['id']}/swap",
                {"to": "roadie-b"}).status_code == 201
    other = setup["client"](third.user)
    assert post(other, f"/api/bookings/{booking['id']}/take").status_code == 404
    assert post(mate, f"/api/bookings/{booking['id']}/take").status_code == 201


def test_my_schedule_has_hours_per_week_and_the_minimum_warning(setup):
    me = setup["client"](setup["me"].user)
    for s in (setup["slots"][0], setup["slots"][3]):
        assert post(me, f"/api/slots/{s.pk}/book").status_code == 201
    first = setup["plan"].first_day
    r = me.get(f"/api/me/schedule?from={first}&to={first + dt.timedelta(days=7)}")
    assert r.status_code == 200
    body = r.json()
    assert len(body["bookings"]) == 2
    (week,) = body["weeks"]
    assert (week["week_start"], float(week["hours"])) == (str(first), 10.0)
    assert week["max_hours"] == 48.0 and "sous le minimum du pool (15)" in week["warning"]
    assert post(me, f"/api/slots/{setup['slots'][2].pk}/book").status_code == 201
    (week,) = me.get(f"/api/me/schedule?from={first}").json()["weeks"]
    assert float(week["hours"]) == 18.0 and week["warning"] is None
    assert me.get("/api/me/schedule?from=2027-01-10&to=2027-01-01").status_code == 422


def test_coverage_for_supervisors_only(setup):
    me = setup["client"](setup["me"].user)
    post(me, f"/api/slots/{setup['slots'][1].pk}/book")
    first = setup["plan"].first_day
    assert me.get(f"/api/pools/{setup['pool'].slug}/coverage?date={first}").status_code == 403
    boss = setup["client"](setup["make_user"](role="supervisor"))
    r = boss.get(f"/api/pools/{setup['pool'].slug}/coverage?date={first}")
    assert r.status_code == 200
    rows = {row["start"][11:16]: row for row in r.json()}
    assert len(r.json()) == 36                            # 07:00 to 01:00
    assert (rows["07:00"]["required"], rows["07:00"]["booked"], rows["07:00"]["gap"]) == (1, 0, 1)
    assert (rows["10:00"]["required"], rows["10:00"]["booked"]) == (3, 1)
    assert rows["10:00"]["who"] == ["roadie-a"] and rows["10:00"]["on_shift"] is None


def test_a_supervisor_has_no_bookings(setup):
    boss = setup["client"](setup["make_user"](role="supervisor"))
    r = post(boss, f"/api/slots/{setup['slots'][0].pk}/book")
    assert r.status_code == 403
