"""Shift-aware routing in the default dispatcher (the routing core kept in memory, fed by events).

`test_shift_routing.py` checks the preference with the rebuild dispatcher (`dispatcher.tick`);
these check the same rule in `LiveCore`, which `roadie dispatch` runs by default: a roadie on a
booked slot for the contact's pool is offered it first, including when the slot starts while
the core is already running (the bookings are read again every few seconds, not only at build).
"""

from __future__ import annotations

import pytest
from sched_helpers import MONDAY, at

from roadie.desk.routing import live
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer
from roadie.desk.scheduling import actions as scheduling

pytestmark = pytest.mark.django_db


def _two_roadies(make_pool, make_plan, make_agent):
    """A pool with a Monday 9:00-13:00 slot; one roadie booked on it, who has been idle for
    less time than the other (so longest-idle alone would pick the other)."""
    pool = make_pool()
    brand = pool.brands.get()
    slot = make_plan(pool=pool, slots=[(0, 9, 13, 2)]).slots.get()
    agents = {"idle_longest": make_agent(brands=[brand], presence="available"),
              "booked": make_agent(brands=[brand], presence="available")}
    scheduling.book(agent=agents["booked"], slot_id=slot.pk, now=at(MONDAY, -72))  # 3 days ahead
    for name, idle in (("idle_longest", 0), ("booked", 8)):
        type(agents[name]).objects.filter(pk=agents[name].pk).update(
            idle_since=at(MONDAY, idle), last_seen_at=at(MONDAY, 23))
    return brand, agents


@pytest.mark.parametrize(("hour", "expected"), [(10, "booked"), (14, "idle_longest")])
def test_the_in_memory_core_offers_the_roadie_on_a_booked_slot_first(
        hour, expected, make_pool, make_plan, make_agent, make_contact):
    brand, agents = _two_roadies(make_pool, make_plan, make_agent)
    contact = make_contact(brand=brand)
    assert LiveCore(reconcile_every=10**9).round(now=at(MONDAY, hour)) == 1
    # within the slot the booked roadie first; after it, the longest idle as usual
    assert Offer.objects.get(contact=contact).agent == agents[expected]


def test_a_slot_starting_while_the_core_runs_puts_its_roadie_first(
        make_pool, make_plan, make_agent, make_contact, monkeypatch):
    brand, agents = _two_roadies(make_pool, make_plan, make_agent)
    core = LiveCore(reconcile_every=10**9)
    assert core.round(now=at(MONDAY, 8.5)) == 0  # built before the slot: nobody booked now
    assert core.booked == {}
    monkeypatch.setattr(live, "HOUSEKEEPING_SECONDS", 0.0)  # the periodic look is due at once
    contact = make_contact(brand=brand)
    assert core.round(now=at(MONDAY, 10)) == 1
    assert Offer.objects.get(contact=contact).agent == agents["booked"]
