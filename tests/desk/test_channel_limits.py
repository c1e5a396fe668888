"""Capacity per channel, end to end: an agent holds at most so many contacts of each channel
at once (set from the API and the console, validated), the live core and the rebuild
dispatcher do not offer past it, the database refuses an offer past it whoever makes it (under
the agent's row lock, so two dispatchers racing cannot give a second chat), the board shows it."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from roadie.desk.accounts.models import ApiToken, User
from roadie.desk.agents import actions as onboarding
from roadie.desk.agents.models import Agent
from roadie.desk.contacts import actions as desk
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import Offer

_seq = itertools.count()


def _arrive(brand, channel: str, now=None):
    contact, _, _ = receive(Inbound(
        brand=brand, channel=channel, body="Bonjour", language="fr", received_at=now or timezone.now(),
        customer=CustomerData(name="Client", email=f"limits{next(_seq)}@example.org")))
    return contact


def _send(client, method, url, body):
    return client.generic(method, url, data=json.dumps(body), content_type="application/json")


def _limited(make_agent, brand, limits, *, capacity=12, presence="available"):
    agent = make_agent(brands=[brand], presence=presence, capacity=capacity)
    Agent.objects.filter(pk=agent.pk).update(channel_limits=limits)
    agent.refresh_from_db()
    return agent


# ---------------------------------------------------------------------- API and console
@pytest.mark.django_db
def test_api_sets_changes_and_removes_channel_limits(make_user, make_brand):
    make_brand(slug="b1")
    boss = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(make_user(role='admin'), scope='admin')}")
    made = _send(boss, "POST", "/api/agents", {
        "username": "noe", "capacity": 12, "channel_limits": {"chat": 3, "email": 2, "voice": 1},
        "certifications": [{"brand": "b1"}]})
    assert made.status_code == 201, made.content
    assert made.json()["channel_limits"] == {"email": 2, "chat": 3, "voice": 1}
    agent = Agent.objects.get(user__username="noe")
    assert agent.channel_limits == {"email": 2, "chat": 3, "voice": 1}
    changed = _send(boss, "PATCH", f"/api/agents/{agent.pk}", {"channel_limits": {"chat": 0}})
    assert changed.status_code == 200 and changed.json()["channel_limits"] == {"chat": 0}
    untouched = _send(boss, "PATCH", f"/api/agents/{agent.pk}", {"capacity": 10})
    assert untouched.json()["channel_limits"] == {"chat": 0}  # not given: kept
    cleared = _send(boss, "PATCH", f"/api/agents/{agent.pk}", {"channel_limits": {}})
    assert cleared.json()["channel_limits"] == {}
    assert "channel_limits" in boss.get("/api/openapi.json").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("limits", "reason"), [
    ({"fax": 1}, "'fax' is not a channel"),
    ({"chat": -1}, "chat: between 0"),
    ({"chat": 99}, "chat: between 0"),
    ({"email": "two"}, "email"),
])
def test_bad_channel_limits_are_422_naming_the_field_and_nothing_is_written(make_user, make_brand, make_agent,
                                                                          limits, reason):
    brand = make_brand(slug="b1")
    boss = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(make_user(role='admin'), scope='admin')}")
    refused = _send(boss, "POST", "/api/agents", {"username": "noe", "channel_limits": limits})
    assert refused.status_code == 422
    detail = json.dumps(refused.json()["detail"])
    assert "channel_limits" in detail and reason.replace("'", "") in detail.replace("'", "").replace('\\"', "")
    assert not User.objects.filter(username="noe").exists()
    agent = _limited(make_agent, brand, {"chat": 2})
    patched = _send(boss, "PATCH", f"/api/agents/{agent.pk}", {"channel_limits": limits, "capacity": 9})
    assert patched.status_code == 422 and "channel_limits" in json.dumps(patched.json()["detail"])
    agent.refresh_from_db()
    assert agent.channel_limits == {"chat": 2} and agent.capacity == 12


@pytest.mark.django_db
def test_console_agent_form_sets_limits_and_shows_a_bad_one(client, make_user, make_brand, make_agent):
    brand = make_brand(slug="b1")
    client.force_login(make_user(role="admin"))
    agent = _limited(make_agent, brand, {})
    page = client.get(f"/console/agents/{agent.pk}/").content.decode()
    assert 'id="a-limit-chat" name="limit-chat"' in page and "Most contacts at once per channel" in page
    form = {"languages": "fr", "capacity": "12", "brands": ["b1"], "is_active": "on", "skills": ""}
    bad = client.post(f"/console/agents/{agent.pk}/", {**form, "limit-chat": "-2", "limit-email": "1"})
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "chat: between 0" in text and 'aria-describedby="a-limits-help a-limits-err"' in text
    assert 'value="-2"' in text  # what was typed, shown beside the error
    agent.refresh_from_db()
    assert agent.channel_limits == {}
    saved = client.post(f"/console/agents/{agent.pk}/", {**form, "limit-chat": "3", "limit-voice": "0"})
    assert saved.status_code == 302
    agent.refresh_from_db()
    assert agent.channel_limits == {"chat": 3, "voice": 0}
    listing = client.get("/console/agents/").content.decode()
    assert "Web chat ≤ 3" in listing and "Phone ≤ 0" in listing


# ---------------------------------------------------------------------- routing
@pytest.mark.django_db
def test_the_database_refuses_an_offer_past_the_chat_limit_but_not_an_email(make_brand, make_agent):
    brand = make_brand()
    agent = _limited(make_agent, brand, {"chat": 1, "email": 1})
    first, second, mail = _arrive(brand, "chat"), _arrive(brand, "chat"), _arrive(brand, "email")
    actions.accept_offer(agent.user, actions.make_offer(contact_id=first.pk, agent_id=agent.pk).pk)
    assert actions.make_offer(contact_id=second.pk, agent_id=agent.pk) is None  # 2 + 2 units fit: the limit says no
    assert actions.make_offer(contact_id=mail.pk, agent_id=agent.pk) is not None
    other = _limited(make_agent, brand, {"chat": 0})
    assert actions.make_offer(contact_id=second.pk, agent_id=other.pk) is None  # 0: never chat


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["events", "rebuild"])
def test_dispatchers_offer_email_to_an_agent_at_their_chat_limit(make_brand, make_agent, mode):
    brand = make_brand()
    agent = _limited(make_agent, brand, {"chat": 1})
    now = timezone.now()
    chats = [_arrive(brand, "chat", now) for _ in range(2)]
    mail = _arrive(brand, "email", now)
    if mode == "events":
        live = LiveCore(reconcile_every=10**9)
        live.round(now=now)
        rounds = live.round
    else:
        rounds = tick  # the rebuild-every-round dispatcher
        tick(now=now)
    offer = Offer.objects.get(agent=agent, status="pending")  # one pending offer at a time
    assert offer.contact == chats[0]
    actions.accept_offer(agent.user, offer.pk)
    rounds(now=now)
    # the second chat waits although 10 of 12 units are free: the email is offered
    mail_offer = Offer.objects.get(agent=agent, status="pending")
    assert mail_offer.contact == mail
    actions.accept_offer(agent.user, mail_offer.pk)
    rounds(now=now)
    assert not Offer.objects.filter(agent=agent, status="pending").exists()
    chats[0].refresh_from_db()
    desk.resolve(agent.user, chats[0], wrap_up_code="solved")
    rounds(now=now)
    assert Offer.objects.get(contact=chats[1], status="pending").agent == agent
    if mode == "events":
        assert live.reconcile(now) == [] and live.divergences == 0


@pytest.mark.django_db
def test_a_limit_changed_is_read_by_the_live_core(make_brand, make_agent, make_user):
    brand = make_brand()
    agent = _limited(make_agent, brand, {"chat": 0})
    live = LiveCore(reconcile_every=10**9)
    now = timezone.now()
    live.round(now=now)
    chat, other = _arrive(brand, "chat", now), _arrive(brand, "chat", now)
    live.round(now=now)
    assert not Offer.objects.filter(agent=agent).exists()
    # through the write path (the console's and the API's): the next round follows it
    onboarding.update_agent(make_user(role="admin"), agent, channel_limits={"chat": 1})
    live.round(now=now)
    offer = Offer.objects.get(agent=agent)
    assert offer.contact == chat
    actions.accept_offer(agent.user, offer.pk)
    live.round(now=now)
    assert not Offer.objects.filter(contact=other).exists()  # one chat at once
    # behind the write path's back: found and repaired at the reconciliation
    Agent.objects.filter(pk=agent.pk).update(channel_limits={"chat": 2})
    assert live.reconcile(now)
    live.round(now=now)
    assert Offer.objects.get(contact=other).agent == agent


@pytest.mark.django_db
def test_the_board_shows_contacts_held_against_each_limit(client, make_user, make_brand, make_agent):
    brand = make_brand()
    agent = _limited(make_agent, brand, {"chat": 2, "email": 1})
    actions.make_offer(contact_id=_arrive(brand, "chat").pk, agent_id=agent.pk)
    client.force_login(make_user(role="supervisor"))
    panel = client.get("/board/panel").content.decode()
    assert "Web chat 1/2" in panel and "Email 0/1" in panel


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_never_give_a_second_chat_past_the_limit(make_brand, make_agent, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: two transactions at once are PostgreSQL's (SQLite serialises writers)")
    settings.ROADIE_MAX_PENDING_OFFERS = 4  # so that only the chat limit stands in the way
    brand = make_brand()
    made = []
    for _ in range(8):
        agent = _limited(make_agent, brand, {"chat": 1})  # 12 units: the budget alone would allow 6
        chats = [_arrive(brand, "chat") for _ in range(2)]
        barrier = threading.Barrier(2)
        results, errors = [], []

        def offer(contact_id, agent_id=agent.pk, barrier=barrier, results=results, errors=errors):
            try:
                barrier.wait()
                results.append(actions.make_offer(contact_id=contact_id, agent_id=agent_id))
            except BaseException as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=offer, args=(c.pk,)) for c in chats]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        made.append(sum(r is not None for r in results))
        assert Offer.objects.filter(agent=agent, status="pending").count() == 1
    assert made == [1] * 8
