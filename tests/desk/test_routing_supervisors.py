"""The supervisors tier live: a supervisor (a user whose role supervises, with an agent profile
certified for the brand) is in the ``supervisors`` pool only, so a pooled brand's contact
reaches them ``ROADIE_SUPERVISORS_AFTER`` after its cascade's last tier, not with the brand's
team; at once when nobody of the team is on shift. The in-memory core (the default dispatcher)
and the rebuild peer; the simulator's side is in ``tests/engine/test_routing_pools.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.agents.models import Agent, Certification
from roadie.desk.brands.models import Pool
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db


def _supervisor(make_user, brand, *, idle_since) -> Agent:
    agent = Agent.objects.create(user=make_user(role="supervisor"), languages=["fr"], presence="available",
                                 idle_since=idle_since)
    Certification.objects.create(agent=agent, brand=brand)
    return agent


def _round(mode: str):
    return LiveCore(reconcile_every=10**9).round if mode == "events" else tick


@pytest.mark.parametrize("mode", ["events", "rebuild"])
def test_a_supervisor_joins_after_the_team(mode, make_brand, make_agent, make_user,
                                                             make_contact, settings):
    settings.ROADIE_SUPERVISORS_AFTER = 300
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6  # the clock jumps minutes: nobody stops answering
    brand = make_brand()
    Pool.objects.create(slug="own", name="Own").brands.add(brand)
    now = timezone.now()
    # the supervisor has been idle longest: the first certified agent by the policy, were they
    # in the brand's pool
    supervisor = _supervisor(make_user, brand, idle_since=now - timedelta(hours=5))
    team = make_agent(brands=[brand], presence="available")
    Agent.objects.update(last_seen_at=now + timedelta(days=1))
    first = make_contact(brand=brand)
    route = _round(mode)
    assert route(now=now + timedelta(seconds=1)) == 1
    offer = Offer.objects.get(contact=first)
    assert offer.agent_id == team.pk  # the team, not the supervisor
    actions.accept_offer(team.user, offer.pk)
    # the team's one agent on a break (on shift, not free): a second contact waits for the
    # supervisors, 300 s after it arrived
    actions.set_presence(team, "break")
    second = make_contact(brand=brand)
    arrived = second.arrived_at
    route = _round(mode)  # a core built now: the team's presence as the database has it
    assert route(now=arrived + timedelta(seconds=295)) == 0
    assert route(now=arrived + timedelta(seconds=305)) == 1
    assert Offer.objects.get(contact=second).agent_id == supervisor.pk


@pytest.mark.parametrize("mode", ["events", "rebuild"])
def test_a_supervisor_is_asked_at_once_when_nobody_of_the_team_is_on_shift(mode, make_brand, make_agent,
                                                                            make_user, make_contact, settings):
    settings.ROADIE_SUPERVISORS_AFTER = 300
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6  # the clock jumps minutes: nobody stops answering
    brand = make_brand()
    Pool.objects.create(slug="own", name="Own").brands.add(brand)
    now = timezone.now()
    make_agent(brands=[brand], presence="offline")
    supervisor = _supervisor(make_user, brand, idle_since=now)
    Agent.objects.update(last_seen_at=now + timedelta(days=1))
    contact = make_contact(brand=brand)
    assert _round(mode)(now=contact.arrived_at + timedelta(seconds=1)) == 1
    assert Offer.objects.get(contact=contact).agent_id == supervisor.pk
