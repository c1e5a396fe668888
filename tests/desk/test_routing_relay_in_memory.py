"""The weekend relay in the default dispatcher: asked at once when nobody of the brand's team is
on shift, only after the pool's overflow delay when the team is on shift but cannot take it.

The engine's test (`tests/engine/test_routing_pools.py`) and the simulator's
(`tests/engine/test_sim.py`) check the rule in the core; `test_routing_twin.py` checks the
overflow delay live; this checks "nobody on shift" live, with the in-memory core (`LiveCore`)
built from `brands.Pool` and the agents' presence.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Pool
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("team", "relay_at_once"), [("offline", True), ("break", False)])
def test_the_relay_is_asked_at_once_only_when_the_team_is_off_shift(team, relay_at_once, make_brand,
                                                                     make_agent, make_contact):
    brand = make_brand()
    relay = Pool.objects.create(slug="relay", name="Relay")
    own = Pool.objects.create(slug="own", name="Own", overflow_to=relay, overflow_after_seconds=600)
    own.brands.add(brand)
    make_agent(brands=[brand], presence=team)  # the brand's own team: off shift, or on a break
    backup = make_agent(brands=[brand], presence="available")
    now = timezone.now()
    Agent.objects.update(last_seen_at=now + timedelta(days=1))
    Agent.objects.filter(pk=backup.pk).update(is_backup=True)
    contact = make_contact(brand=brand)
    core = LiveCore(reconcile_every=10**9)
    assert core.round(now=now + timedelta(seconds=5)) == (1 if relay_at_once else 0)
    if not relay_at_once:  # the team is on shift: the relay joins after the pool's delay
        assert core.round(now=now + timedelta(seconds=590)) == 0
        assert core.round(now=now + timedelta(seconds=610)) == 1
    assert Offer.objects.get(contact=contact).agent_id == backup.pk
