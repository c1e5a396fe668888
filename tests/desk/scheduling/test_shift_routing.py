"""Shift-aware routing: a roadie on a booked slot for the contact's pool is offered it first."""

from __future__ import annotations

import datetime as dt

import pytest
from sched_helpers import MONDAY, at

from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.models import Offer
from roadie.desk.scheduling import actions as scheduling

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("hour", "expected"), [(10, "booked"), (14, "idle_longest")])
def test_the_roadie_on_a_booked_slot_goes_first(hour, expected, make_pool, make_plan, make_agent,
                                                make_contact):
    pool = make_pool()
    brand = pool.brands.get()
    slot = make_plan(pool=pool, slots=[(0, 9, 13, 2)]).slots.get()  # Monday 9:00-13:00
    agents = {"idle_longest": make_agent(brands=[brand], presence="available"),
              "booked": make_agent(brands=[brand], presence="available")}
    scheduling.book(agent=agents["booked"], slot_id=slot.pk, now=at(MONDAY, 0) - dt.timedelta(days=3))
    for name, idle in (("idle_longest", 0), ("booked", 9)):
        type(agents[name]).objects.filter(pk=agents[name].pk).update(
            idle_since=at(MONDAY, idle), last_seen_at=at(MONDAY, 23))
    contact = make_contact(brand=brand)
    tick(now=at(MONDAY, hour))
    # within the slot the booked roadie first; outside it, the longest idle as usual
    assert Offer.objects.get(contact=contact).agent == agents[expected]
