"""Property tests: random sequences of book, release, swap, take and waiting-list actions by a
few roadies over a week of overlapping slots (tight pool limits, several clocks). After every
step no slot has more bookings than seats (and the seat counter agrees), no roadie's bookings
overlap or break the day, week or rest limits, and every refusal names a rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sched_helpers import MONDAY, PARIS, at

from roadie.desk.scheduling import actions, lib
from roadie.desk.scheduling.models import Booking, BookingStatus, PoolRules, SlotSeats, Swap
from roadie.engine.scheduling import CODES, schedule_ok

SHAPES = [(7, 15), (9, 17), (13, 21), (17, 25), (23, 25), (7, 11, 17, 21), (11, 14)]
CLOCKS = [-72, -30, 8.5]          # hours from Monday 00:00
ROADIES = 4

step = st.one_of(
    st.tuples(st.just("book"), st.integers(0, ROADIES - 1), st.integers(0, 40)),
    st.tuples(st.just("release"), st.integers(0, ROADIES - 1), st.integers(0, 9),
              st.booleans()),
    st.tuples(st.just("swap"), st.integers(0, ROADIES - 1), st.integers(0, 9),
              st.one_of(st.none(), st.integers(0, ROADIES - 1))),
    st.tuples(st.just("take"), st.integers(0, ROADIES - 1), st.integers(0, 9)),
    st.tuples(st.just("wait"), st.integers(0, ROADIES - 1), st.integers(0, 40)),
    st.tuples(st.just("decline"), st.integers(0, ROADIES - 1), st.integers(0, 9)),
)


@pytest.fixture
def world(make_pool, make_plan, make_agent, make_brand):
    pool = make_pool()
    PoolRules.objects.create(pool=pool, max_day_hours=9, max_week_hours=20, rest_hours=11)
    specs = [(d, *shape[:2], 1 + (d + i) % 2, *shape[2:])
             for d in range(6) for i, shape in enumerate(SHAPES)]
    specs = [(s[0], s[1], s[2], s[3], s[4], s[5]) if len(s) == 6 else s[:4] for s in specs]
    plan = make_plan(pool=pool, slots=specs)
    agents = [make_agent(brands=pool.brands.all()) for _ in range(ROADIES - 1)]
    agents.append(make_agent(brands=[make_brand()]))   # certified elsewhere only
    return {"slots": list(plan.slots.order_by("starts_at", "pk")), "agents": agents,
            "rules": lib.rules_for_pool_id(pool.pk)}


def _live(agent) -> list[Booking]:
    return list(Booking.objects.filter(agent=agent, status=BookingStatus.BOOKED)
                .order_by("pk"))


def _apply(world, action, now):
    kind, who, n, *rest = action
    agent = world["agents"][who]
    slots = world["slots"]
    mine = _live(agent)
    if kind == "book":
        return actions.book(agent=agent, slot_id=slots[n % len(slots)].pk, now=now)
    if kind == "wait":
        return actions.join_waitlist(agent=agent, slot_id=slots[n % len(slots)].pk, now=now)
    if kind == "take":
        open_swaps = list(Swap.objects.filter(status="open").order_by("pk"))
        if not open_swaps:
            return None
        return actions.take_swap(agent=agent, booking_id=open_swaps[n % len(open_swaps)]
                                 .booking_id, now=now)
    if not mine:
        return None
    booking = mine[n % len(mine)]
    if kind == "release":
        return actions.release(agent=agent, booking_id=booking.pk, late=rest[0], now=now)
    if kind == "decline":
        return actions.decline_seat(agent=agent, booking_id=booking.pk, now=now)
    to = world["agents"][rest[0]] if rest[0] is not None else None
    return actions.offer_swap(agent=agent, booking_id=booking.pk, to=to, now=now)


def _check(world) -> None:
    for slot in world["slots"]:
        live = Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED).count()
        counter = SlotSeats.objects.filter(slot=slot).values_list("booked", flat=True).first()
        assert live <= slot.roadies
        assert live == (counter or 0)
    for agent in world["agents"]:
        assert schedule_ok(lib.held_slots(agent), world["rules"])


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(step, st.sampled_from(CLOCKS)), min_size=1, max_size=25))
def test_random_action_sequences_keep_every_invariant(world, steps):
    refusals = []
    with transaction.atomic():
        for action, clock in steps:
            try:
                _apply(world, action, at(MONDAY, clock))
            except actions.BookingRefused as exc:
                refusals.append(exc.code)
            except actions.NotFound:
                pass
            _check(world)
        transaction.set_rollback(True)
    assert set(refusals) <= set(CODES) | {"open"}


def test_every_rule_is_reachable_by_the_fixture(world):
    """The world of the property test can produce each refusal (so the test above is not
    vacuous)."""
    a, b, stranger = world["agents"][0], world["agents"][1], world["agents"][3]
    slots = {(s.day, s.starts_at.astimezone(PARIS).hour, s.second_starts_at is not None): s
             for s in world["slots"]}
    early = at(MONDAY, -72)
    seen = set()

    def attempt(fn):
        try:
            fn()
        except actions.BookingRefused as exc:
            seen.add(exc.code)

    mon = MONDAY
    one_seat = next(s for s in world["slots"] if s.roadies == 1 and s.day == mon)
    actions.book(agent=a, slot_id=one_seat.pk, now=early)
    attempt(lambda: actions.book(agent=b, slot_id=one_seat.pk, now=early))               # full
    attempt(lambda: actions.book(agent=stranger, slot_id=one_seat.pk, now=early))  # certified
    attempt(lambda: actions.book(agent=a, slot_id=slots[(mon, 9, False)].pk, now=early))
    attempt(lambda: actions.book(agent=a, slot_id=slots[(mon, 23, False)].pk, now=early))
    tue = mon + dt.timedelta(days=1)
    actions.book(agent=b, slot_id=slots[(mon, 17, False)].pk, now=early)
    attempt(lambda: actions.book(agent=b, slot_id=slots[(tue, 7, False)].pk, now=early))  # rest
    attempt(lambda: actions.book(agent=a, slot_id=slots[(tue, 7, False)].pk,
                                 now=at(MONDAY, 40)))                                  # closed
    booking = _live(a)[0]
    attempt(lambda: actions.release(agent=a, booking_id=booking.pk, now=at(MONDAY, -30)))
    for day in range(1, 2):
        d = mon + dt.timedelta(days=day)
        actions.book(agent=a, slot_id=slots[(d, 9, False)].pk, now=early)
    attempt(lambda: actions.book(agent=a, slot_id=slots[(mon + dt.timedelta(days=3), 13,
                                                           False)].pk, now=early))
    assert {"full", "not_certified", "overlap", "max_day_hours", "rest", "closed",
            "notice", "max_week_hours"} <= seen, seen
