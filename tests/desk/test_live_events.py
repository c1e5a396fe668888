"""Live events reach exactly the people who may see them, and what a page shows after an
event is what a fresh load shows."""

from __future__ import annotations

import re

import pytest

from roadie.desk.live.lib import events_after, latest_id, topics_for
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import tick

pytestmark = pytest.mark.django_db


def test_each_user_hears_only_what_they_may_see(make_brand, make_agent, make_user, make_contact):
    ours, theirs = make_brand(), make_brand()
    agent = make_agent(brands=[ours], presence="available")
    bystander = make_agent(brands=[ours], presence="offline")
    brand_user = make_user(role="brand", brand=ours)
    supervisor = make_user(role="supervisor")
    start = latest_id()
    mine = make_contact(brand=ours)
    other = make_contact(brand=theirs)
    tick()
    actions.accept_offer(agent.user, mine.offers.get().pk)

    def heard(user):
        return [(e.kind, e.payload.get("contact")) for e in events_after(start, topics_for(user))]

    assert ("offer.new", mine.pk) in heard(agent.user)
    assert all(contact != other.pk for _, contact in heard(agent.user))
    assert heard(bystander.user) == []
    assert {c for _, c in heard(brand_user)} == {mine.pk}
    assert {c for _, c in heard(supervisor)} >= {mine.pk, other.pk}


def test_offer_banner_after_events_equals_a_fresh_load(make_brand, make_agent, make_contact, client):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    client.force_login(agent.user)
    before = client.get("/desk/offers/banner").content.decode()
    contact = make_contact(brand=brand, channel="chat")
    tick()
    events = events_after(0, topics_for(agent.user))
    assert events[-1].kind == "offer.new"
    # The page re-fetches its offer banner on the event: the banner now holds the offer...
    panel = client.get("/desk/offers/banner").content.decode()
    assert panel != before and f'data-offer="{contact.offers.get().pk}"' in panel
    # ...exactly as the full page would on a fresh load (CSRF tokens are masked anew each time).
    page = client.get("/desk/").content.decode()
    assert without_csrf(panel).strip() in without_csrf(page)


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_desk_shows_the_teams_numbers_beside_the_agents_own(make_brand, make_agent, make_contact, client):
    from roadie.desk.contacts.actions import resolve

    brand = make_brand()
    me, colleague = (make_agent(brands=[brand], presence="available") for _ in range(2))
    for _ in range(3):
        contact = make_contact(brand=brand)
        tick()
        offer = contact.offers.get()
        handler = offer.agent
        actions.accept_offer(handler.user, offer.pk)
        resolve(handler.user, contact, wrap_up_code="solved")
    client.force_login(me.user)
    panel = client.get("/desk/panel").content.decode()
    mine = me.contacts.filter(status="resolved").count()
    assert re.search(r"data-today-team>3<", panel)
    assert re.search(rf"data-today-mine>{mine}<", panel)


def test_old_live_events_are_pruned(make_brand, make_contact):
    from datetime import timedelta

    from django.utils import timezone

    from roadie.desk.live.models import LiveEvent
    from roadie.desk.routing.dispatcher import prune_live_events

    make_contact(brand=make_brand())
    LiveEvent.objects.update(at=timezone.now() - timedelta(days=2))
    make_contact(brand=make_brand())
    fresh = LiveEvent.objects.filter(at__gt=timezone.now() - timedelta(hours=1)).count()
    assert prune_live_events() > 0
    assert LiveEvent.objects.count() == fresh > 0


def test_live_hub_misses_nothing_written_before_it_started_or_committed_late(make_brand, make_contact):
    import asyncio

    from asgiref.sync import async_to_sync, sync_to_async

    from roadie.desk.live.hub import LiveHub
    from roadie.desk.live.models import LiveEvent

    start = latest_id()
    brand = make_brand()
    contact = make_contact(brand=brand)  # written before anyone follows, after `start`

    async def scenario():
        hub = LiveHub(poll_seconds=0.01)
        subscription = hub.subscribe(["board"], after=start)
        first = await asyncio.wait_for(subscription.queue.get(), timeout=5)
        # A row whose id was taken earlier but whose transaction commits later.
        top = await sync_to_async(latest_id)()
        await sync_to_async(LiveEvent.objects.create)(pk=top + 5, topic="board", kind="late.high")
        high = await asyncio.wait_for(subscription.queue.get(), timeout=5)
        await sync_to_async(LiveEvent.objects.create)(pk=top + 3, topic="board", kind="late.low")
        low = await asyncio.wait_for(subscription.queue.get(), timeout=5)
        hub.unsubscribe(subscription)
        return first, high, low

    first, high, low = async_to_sync(scenario)()
    assert first.payload["contact"] == contact.pk
    assert (high.kind, low.kind) == ("late.high", "late.low")
