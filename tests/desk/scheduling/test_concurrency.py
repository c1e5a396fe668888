"""The seat invariant under contention: many roadies racing for the last seats of a slot, each
in its own thread and database connection; the database decides who wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from sched_helpers import MONDAY, at

from roadie.desk.scheduling import actions
from roadie.desk.scheduling.models import Booking, BookingStatus, SlotSeats

CLIENTS = 24
SEATS = 3

# In-process threads need a server database: SQLite's in-memory test database is one shared
# cache whose table locks fail at once instead of waiting. On SQLite the race runs across
# processes on a file database (test_race_processes.py).
pytestmark = pytest.mark.skipif(connection.vendor == "sqlite",
                                reason="threads on the in-memory SQLite test database")


def _race(fn, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_four_roadies_racing_for_three_seats_exactly_three_win(make_pool, make_plan,
                                                                      make_agent):
    pool = make_pool()
    plan = make_plan(pool=pool, slots=[(0, 9, 17, SEATS)])
    slot = plan.slots.get()
    agents = [make_agent(brands=pool.brands.all()) for _ in range(CLIENTS)]
    now = at(MONDAY, -72)
    results = _race(lambda i: actions.book(agent=agents[i], slot_id=slot.pk, now=now), CLIENTS)
    won = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, actions.BookingRefused)]
    others = [r for r in results if not isinstance(r, (Booking, actions.BookingRefused))]
    assert others == []
    assert len(won) == SEATS
    assert {r.code for r in refused} == {"full"} and len(refused) == CLIENTS - SEATS
    assert Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED).count() == SEATS
    assert SlotSeats.objects.get(slot=slot).booked == SEATS
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db(transaction=True)
def test_one_roadie_booking_two_overlapping_slots_at_once_gets_one(make_pool, make_plan,
                                                                   make_agent):
    pool = make_pool()
    plan = make_plan(pool=pool, slots=[(0, 9, 13, 5), (0, 11, 15, 5)])
    a, b = plan.slots.order_by("starts_at")
    agent = make_agent(brands=pool.brands.all())
    now = at(MONDAY, -72)
    results = _race(lambda i: actions.book(agent=agent, slot_id=(a, b)[i % 2].pk, now=now), 8)
    won = [r for r in results if isinstance(r, Booking)]
    assert len(won) == 1
    assert {r.code for r in results if isinstance(r, actions.BookingRefused)} == {"overlap"}
