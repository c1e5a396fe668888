"""The decline cool-down in the default dispatcher (the routing core kept in memory, fed by events).

`test_routing_actions.py` checks the rule with the rebuild dispatcher (`dispatcher.tick`); the
in-memory core (`LiveCore`, what `roadie dispatch` runs by default) must apply the same rule from
the `declined` event it reads: the decliner is not offered the contact again during
`ROADIE_DECLINE_COOLDOWN` while someone else qualified is available, is offered it when nobody
else is, and is a candidate like any other once the cool-down is over.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.agents.models import Agent
from roadie.desk.routing import actions
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db

COOLDOWN = 60


def _declined_by_the_longest_idle(make_brand, make_agent, make_contact, settings, *, others: int):
    """A contact offered to the roadie idle the longest, who declines it; ``others`` more
    roadies of the brand are available, idle for less time even than the decliner once their
    decline has made them idle again (the lifecycle's rule: idle from their last contact)."""
    settings.ROADIE_DECLINE_COOLDOWN = COOLDOWN
    brand = make_brand()
    now = timezone.now()
    first = make_agent(brands=[brand], presence="available")
    rest = [make_agent(brands=[brand], presence="available") for _ in range(others)]
    Agent.objects.update(last_seen_at=now + timedelta(days=1))
    Agent.objects.filter(pk=first.pk).update(idle_since=now - timedelta(hours=1))
    Agent.objects.exclude(pk=first.pk).update(idle_since=now + timedelta(seconds=30))
    contact = make_contact(brand=brand)
    core = LiveCore(reconcile_every=10**9)
    assert core.round(now=now) == 1
    offer = Offer.objects.get(contact=contact)
    assert offer.agent_id == first.pk
    actions.decline_offer(first.user, offer.pk, reason="not now")
    return core, now, contact, first, rest


@pytest.mark.parametrize(("after", "expected"), [(COOLDOWN // 2, "other"), (COOLDOWN + 30, "decliner")])
def test_the_decliner_is_set_aside_for_the_cool_down_only(after, expected, make_brand, make_agent,
                                                           make_contact, settings):
    core, now, contact, first, (other,) = _declined_by_the_longest_idle(
        make_brand, make_agent, make_contact, settings, others=1)
    assert core.round(now=now + timedelta(seconds=after)) == 1
    agent = Offer.objects.get(contact=contact, status="pending").agent_id
    # in the cool-down the other roadie, though idle for less time; after it, the longest idle again
    assert agent == {"other": other.pk, "decliner": first.pk}[expected]


def test_in_the_cool_down_the_decliner_is_offered_it_when_nobody_else_qualifies(
        make_brand, make_agent, make_contact, settings):
    core, now, contact, first, _ = _declined_by_the_longest_idle(
        make_brand, make_agent, make_contact, settings, others=0)
    assert core.round(now=now + timedelta(seconds=1)) == 1
    assert Offer.objects.get(contact=contact, status="pending").agent_id == first.pk
