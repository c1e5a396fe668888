"""A roadie promoted to supervisor keeps their agent profile and works the desk: they set their
own presence, are offered contacts in the cascade's last tier (``supervisors``) only, accept
them through the API, and follow their own offers live beside the board. A supervisor with no
agent profile still has no desk."""

from __future__ import annotations

from datetime import timedelta

import pytest

from roadie.desk.accounts.access import agent_of, home_pages
from roadie.desk.brands.models import Pool
from roadie.desk.live.actions import BOARD, agent_topic
from roadie.desk.live.lib import topics_for
from roadie.desk.routing import actions
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db


def _promoted(make_agent, brand):
    """A roadie whose account became a supervisor's: the agent profile stays."""
    agent = make_agent(brands=[brand])
    agent.user.role = "supervisor"
    agent.user.save(update_fields=["role"])
    return agent


def test_a_promoted_supervisor_goes_available_and_takes_a_contact_in_the_last_tier(
        make_brand, make_agent, make_contact, api_client, settings):
    settings.ROADIE_SUPERVISORS_AFTER = 300
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6  # the clock jumps minutes: nobody stops answering
    brand = make_brand()
    Pool.objects.create(slug="own", name="Own").brands.add(brand)
    supervisor = _promoted(make_agent, brand)
    client = api_client(supervisor.user)
    answer = client.post("/api/agents/me/presence", {"presence": "available"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["presence"] == "available"
    team = make_agent(brands=[brand], presence="offline")
    contact = make_contact(brand=brand)
    core = LiveCore(reconcile_every=10**9)
    # nobody of the team is on shift: the supervisors tier is asked at once
    assert core.round(now=contact.arrived_at + timedelta(seconds=1)) == 1
    offers = client.get("/api/agents/me/offers").json()
    assert [o["contact"]["id"] for o in offers] == [contact.pk]
    accepted = client.post(f"/api/offers/{offers[0]['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    assert Offer.objects.get(contact=contact).status == "accepted"

    # the team back on shift: the next contact goes to them, not to the supervisor (who has
    # room for more)
    actions.set_presence(team, "available")
    second = make_contact(brand=brand)
    core = LiveCore(reconcile_every=10**9)
    assert core.round(now=second.arrived_at + timedelta(seconds=1)) == 1
    assert Offer.objects.get(contact=second).agent_id == team.pk


def test_a_promoted_supervisor_follows_the_board_and_their_own_offers(make_brand, make_agent, make_user):
    brand = make_brand()
    supervisor = _promoted(make_agent, brand)
    user = type(supervisor.user).objects.get(pk=supervisor.user.pk)
    assert agent_of(user) == supervisor
    topics = topics_for(user)
    assert BOARD in topics and agent_topic(supervisor.pk) in topics
    assert home_pages(user)[0] == "board"  # they supervise first; the desk is one click away


def test_a_supervisor_without_an_agent_profile_has_no_desk(make_user, api_client):
    user = make_user(role="supervisor")
    assert agent_of(user) is None
    assert topics_for(user) == [BOARD]
    answer = api_client(user).post("/api/agents/me/presence", {"presence": "available"},
                                   content_type="application/json")
    assert answer.status_code == 403


def test_an_admin_with_an_agent_profile_has_no_desk(make_brand, make_agent, api_client):
    agent = make_agent(brands=[make_brand()])
    agent.user.role = "admin"
    agent.user.save(update_fields=["role"])
    assert agent_of(agent.user) is None
    answer = api_client(agent.user).post("/api/agents/me/presence", {"presence": "available"},
                                         content_type="application/json")
    assert answer.status_code == 403
