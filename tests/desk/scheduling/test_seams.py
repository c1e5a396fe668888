"""The seams other parts read: who is on shift now, attended bookings, presence history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sched_helpers import MONDAY, at

from roadie.desk.agents.models import PresenceChange
from roadie.desk.routing.actions import set_presence
from roadie.desk.scheduling import actions, lib


def _booked(make_pool, make_plan, make_agent, slots):
    pool = make_pool()
    plan = make_plan(pool=pool, slots=slots)
    agent = make_agent(brands=pool.brands.all())
    bookings = [actions.book(agent=agent, slot_id=s.pk, now=at(MONDAY, -72))
                for s in plan.slots.order_by("starts_at")]
    return pool, agent, bookings


def test_on_shift_names_the_pools_of_a_booked_slot_covering_now(make_pool, make_plan,
                                                                make_agent):
    # a split day 7-11 and 17-21 on Monday, and 9-13 on Tuesday
    pool, agent, _ = _booked(make_pool, make_plan, make_agent,
                             [(0, 7, 11, 2, 17, 21), (1, 9, 13, 1)])
    assert lib.on_shift(at(MONDAY, 8)) == {agent.pk: frozenset({pool.pk})}
    assert lib.on_shift(at(MONDAY, 12)) == {}          # between the two parts
    assert lib.on_shift(at(MONDAY, 18)) == {agent.pk: frozenset({pool.pk})}
    assert lib.on_shift(at(MONDAY, 21)) == {}          # the end is exclusive
    assert lib.on_shift(at(MONDAY + dt.timedelta(days=1), 9)) == {agent.pk: frozenset({pool.pk})}


def test_a_released_booking_is_not_on_shift(make_pool, make_plan, make_agent):
    _, agent, (booking,) = _booked(make_pool, make_plan, make_agent, [(0, 9, 13, 1)])
    actions.release(agent=agent, booking_id=booking.pk, now=at(MONDAY, -72))
    assert lib.on_shift(at(MONDAY, 10)) == {}


def test_presence_changes_are_recorded_by_the_presence_write_path(make_agent):
    agent = make_agent()
    set_presence(agent, "available", now=at(MONDAY, 9))
    set_presence(agent, "break", now=at(MONDAY, 10))
    set_presence(agent, "break", now=at(MONDAY, 10.2))   # no change, no row
    set_presence(agent, "offline", now=at(MONDAY, 11))
    rows = list(PresenceChange.objects.filter(agent=agent).values_list("at", "presence"))
    assert rows == [(at(MONDAY, 9), "available"), (at(MONDAY, 10), "break"),
                    (at(MONDAY, 11), "offline")]


def test_attended_bookings_count_available_time_and_no_shows(make_pool, make_plan, make_agent):
    pool, agent, (mine,) = _booked(make_pool, make_plan, make_agent, [(0, 9, 13, 1)])
    other_pool, other, (theirs,) = _booked(make_pool, make_plan, make_agent, [(0, 9, 11, 1)])
    # agent: 9:05 to 10:00 available, a break, 10:30 to 12:00 available
    set_presence(agent, "available", now=at(MONDAY, 9 + 5 / 60))
    set_presence(agent, "break", now=at(MONDAY, 10))
    set_presence(agent, "available", now=at(MONDAY, 10.5))
    set_presence(agent, "offline", now=at(MONDAY, 12))
    # other: first available at 9:20, a no-show
    set_presence(other, "available", now=at(MONDAY, 9 + 20 / 60))
    rows = {r.booking_id: r for r in lib.attended_bookings(
        start=at(MONDAY, 0), end=at(MONDAY, 24), now=at(MONDAY, 14))}
    assert set(rows) == {mine.pk, theirs.pk}
    row = rows[mine.pk]
    assert (row.agent_id, row.pool_id, row.starts_at, row.ends_at) == (
        agent.pk, pool.pk, at(MONDAY, 9), at(MONDAY, 13))
    assert row.booked_hours == Decimal("4.00")
    assert row.attended_hours == Decimal("2.42")     # 55 min + 90 min
    assert row.no_show is False
    assert row.bonus == mine.bonus
    assert rows[theirs.pk].no_show is True
    assert rows[theirs.pk].attended_hours == Decimal("1.67")
    # a slot starting outside [start, end) is not listed
    assert lib.attended_bookings(start=at(MONDAY, 10), end=at(MONDAY, 24),
                                 now=at(MONDAY, 14)) == []


def test_no_show_is_not_decided_before_ten_minutes_past_the_start(make_pool, make_plan,
                                                                  make_agent):
    _, _, (booking,) = _booked(make_pool, make_plan, make_agent, [(0, 9, 13, 1)])
    (row,) = lib.attended_bookings(start=at(MONDAY, 0), end=at(MONDAY, 24),
                                   now=at(MONDAY, 9 + 5 / 60))
    assert row.no_show is False
    (row,) = lib.attended_bookings(start=at(MONDAY, 0), end=at(MONDAY, 24),
                                   now=at(MONDAY, 9 + 11 / 60))
    assert row.no_show is True
