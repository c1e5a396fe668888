"""Offers as an agent lives them: timeouts, declines, capacity, skills, presence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.contacts.models import Contact
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db


def offered_to(contact: Contact):
    offer = Offer.objects.filter(contact=contact, status="pending").first()
    return offer.agent if offer else None


def test_a_declined_offer_goes_to_someone_else(make_brand, make_agent, make_contact):
    brand = make_brand()
    a, b = make_agent(brands=[brand], presence="available"), make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    tick()
    first = offered_to(contact)
    actions.decline_offer(first.user, contact.offers.get().pk)
    tick()
    assert offered_to(contact) == ({a, b} - {first}).pop()


def test_an_offer_left_unanswered_times_out_and_goes_to_someone_else(make_brand, make_agent, make_contact, settings):
    brand = make_brand()
    make_agent(brands=[brand], presence="available")
    make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    now = timezone.now()
    tick(now=now)
    first = offered_to(contact)
    tick(now=now + timedelta(seconds=settings.ROADIE_OFFER_TIMEOUT - 1))
    assert offered_to(contact) == first  # still within the timeout
    later = now + timedelta(seconds=settings.ROADIE_OFFER_TIMEOUT + 1)
    tick(now=later)
    assert Offer.objects.get(contact=contact, agent=first).status == "expired"
    assert offered_to(contact) not in (None, first)
    # Accepting the lapsed offer is refused with a clear message.
    with pytest.raises(actions.ActionError, match="this offer is timed out"):
        actions.accept_offer(first.user, Offer.objects.get(contact=contact, agent=first).pk)


def test_the_only_qualified_agent_gets_a_contact_again_after_declining(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    tick()
    actions.decline_offer(agent.user, contact.offers.get().pk)
    tick()
    assert offered_to(contact) == agent


def test_capacity_is_shared_across_channels(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available", capacity=6)
    chats = [make_contact(brand=brand, channel="chat") for _ in range(4)]
    taken = []
    for _ in range(4):  # one offer at a time (ROADIE_MAX_PENDING_OFFERS = 1), each accepted
        tick()
        offer = Offer.objects.filter(agent=agent, status="pending").first()
        if offer is None:
            break
        actions.accept_offer(agent.user, offer.pk)
        taken.append(offer.contact)
    assert len(taken) == 3  # a chat costs 2 of 6 units: three chats fill the agent
    assert actions.agent_load(agent.pk) == 6
    call = make_contact(brand=brand, channel="voice")
    tick()
    assert offered_to(call) is None  # no room for a call (6 units) beside chats
    from roadie.desk.contacts.actions import resolve
    for chat in taken:
        resolve(agent.user, chat, wrap_up_code="solved")
    tick()
    waiting = [c for c in [*chats, call] if offered_to(c) == agent]
    assert waiting  # freed capacity is used again
    assert actions.agent_load(agent.pk) <= agent.capacity


def test_a_pending_offer_holds_its_capacity_and_an_agent_decides_one_at_a_time(
        make_brand, make_agent, make_contact, settings):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available", capacity=6)
    other = make_agent(brands=[brand], presence="available", capacity=6)
    chats = [make_contact(brand=brand, channel="chat") for _ in range(2)]
    tick()
    assert {offered_to(c) for c in chats} == {agent, other}  # one each, not two to one agent
    settings.ROADIE_MAX_PENDING_OFFERS = 3
    more = [make_contact(brand=brand, channel="chat") for _ in range(6)]
    tick()
    # three pending chats fill an agent (a pending offer holds its 2 units): 2 left waiting
    assert sum(offered_to(c) is not None for c in more) == 4
    assert actions.agent_load(agent.pk) == actions.agent_load(other.pk) == 6


def test_a_decliner_gets_the_contact_again_only_after_the_cool_down(
        make_brand, make_agent, make_contact, settings):
    settings.ROADIE_DECLINE_COOLDOWN = 60
    brand = make_brand()
    make_agent(brands=[brand], presence="available")
    make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    now = timezone.now()
    tick(now=now)
    first = offered_to(contact)
    actions.decline_offer(first.user, contact.offers.get().pk, reason="busy")
    tick(now=now)
    second = offered_to(contact)
    assert second not in (None, first)
    actions.decline_offer(second.user, Offer.objects.get(contact=contact, status="pending").pk)
    # both declined within the cool-down: the best of them anyway, rather than nobody
    tick(now=now)
    assert offered_to(contact) in (first, second)


def test_repeated_no_answers_put_the_agent_on_a_break(make_brand, make_agent, make_contact, settings):
    settings.ROADIE_AWAY_AFTER_NO_ANSWERS = 2
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    now = timezone.now()
    for i in range(2):
        contact = make_contact(brand=brand)
        tick(now=now)
        assert offered_to(contact) == agent
        now += timedelta(seconds=settings.ROADIE_OFFER_TIMEOUT + 1)
        actions.expire_offers(now)
        agent.refresh_from_db()
        assert agent.presence == ("available" if i == 0 else "break")
        Contact.objects.filter(pk=contact.pk).update(status="resolved")


def test_sign_language_video_reaches_only_a_certified_signer(make_brand, make_agent, make_contact):
    brand = make_brand()
    speaker = make_agent(brands=[brand], presence="available")
    video = make_contact(brand=brand, channel="video")
    tick()
    assert offered_to(video) is None
    signer = make_agent(brands=[brand], presence="available", sign_language=True)
    tick()
    assert offered_to(video) == signer
    assert not Offer.objects.filter(agent=speaker).exists()


def test_language_and_brand_certification_are_required(make_brand, make_agent, make_contact):
    ours, other = make_brand(), make_brand()
    french_only = make_agent(brands=[ours], languages=["fr"], presence="available")
    make_agent(brands=[other], languages=["en"], presence="available")
    english = make_contact(brand=ours, language="en")
    tick()
    assert offered_to(english) is None
    bilingual = make_agent(brands=[ours], languages=["fr", "en"], presence="available")
    tick()
    assert offered_to(english) == bilingual
    assert not Offer.objects.filter(agent=french_only).exists()


def test_offline_or_absent_agents_are_never_offered_and_leaving_requeues(make_brand, make_agent, make_contact, settings):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="offline")
    contact = make_contact(brand=brand)
    tick()
    assert offered_to(contact) is None
    actions.set_presence(agent, "available")
    tick()
    actions.accept_offer(agent.user, contact.offers.get().pk)
    actions.set_presence(agent, "offline")
    contact.refresh_from_db()
    assert contact.status == "queued" and contact.agent is None
    assert contact.offers.get().status == "released"
    # An agent whose page stopped answering is set offline by the dispatcher.
    actions.set_presence(agent, "available")
    later = timezone.now() + timedelta(seconds=settings.ROADIE_AGENT_STALE_SECONDS + 5)
    tick(now=later)
    agent.refresh_from_db()
    assert agent.presence == "offline"
    assert offered_to(contact) is None


def test_presence_changes_follow_the_transition_table(make_agent):
    agent = make_agent(presence="offline")
    with pytest.raises(actions.ActionError, match="cannot go from offline to on a break"):
        actions.set_presence(agent, "break")
    with pytest.raises(actions.ActionError, match="unknown presence"):
        actions.set_presence(agent, "asleep")


def test_a_contact_is_kept_in_arrival_order_across_a_decline(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available", capacity=6)
    first = make_contact(brand=brand, channel="voice")
    second = make_contact(brand=brand, channel="voice")
    tick()
    assert offered_to(first) == agent and offered_to(second) is None
    actions.decline_offer(agent.user, first.offers.get().pk)
    other = make_agent(brands=[brand], presence="available")
    tick()
    # The declined contact keeps its place: it goes first, to the other agent.
    assert offered_to(first) == other


def test_the_brands_regular_roadie_is_offered_first(make_brand, make_agent, make_contact):
    from roadie.desk.agents.models import Certification

    brand = make_brand()
    longest_idle = make_agent(brands=[brand], presence="available")
    regular = make_agent(brands=[brand], presence="available")
    Certification.objects.filter(agent=regular).update(regular=True)
    type(longest_idle).objects.filter(pk=longest_idle.pk).update(idle_since=timezone.now() - timedelta(hours=1))
    contact = make_contact(brand=brand)
    tick()
    assert offered_to(contact) == regular
    second = make_contact(brand=brand, channel="voice")
    tick()
    assert offered_to(second) == longest_idle  # the regular is busy with a chat: no room for a call
