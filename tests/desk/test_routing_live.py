"""The in-memory routing core fed by events decides as a core rebuilt from the database.

Random sequences of what happens on the desk (contacts arriving, hanging up, being accepted,
declined, left to time out, resolved, waiting on the customer and answered, transferred;
agents coming, going on a break, leaving), each through the real write paths, with the clock
moved by hand: after each step the core kept in memory holds exactly what a core rebuilt from
the database holds, and routes the same contacts to the same agents. A change the events do
not carry is found by the reconciliation, counted, and repaired.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from roadie.desk.agents.models import PRESENCE_TRANSITIONS, Agent, Presence
from roadie.desk.contacts import actions as desk
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import Dispatcher, build_router
from roadie.desk.routing.live import LiveCore, differences, snapshot
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


class Rollback(Exception):
    pass


def _arrive(brand, channel: str, now):
    contact, _, _ = receive(Inbound(
        brand=brand, channel=channel, body="Bonjour", language="fr", received_at=now,
        customer=CustomerData(name="Client", email=f"live{next(_seq)}@example.org")))
    return contact


def _pick(queryset, i: int):
    rows = list(queryset.order_by("pk"))
    return rows[i % len(rows)] if rows else None


def _apply(op, *, brands, agents, now) -> None:
    kind, i, j = op
    if kind == "arrive":
        _arrive(brands[i % len(brands)], ("chat", "email", "voice")[j % 3], now)
    elif kind == "presence":
        agent = Agent.objects.get(pk=agents[i % len(agents)].pk)
        target = (Presence.AVAILABLE, Presence.BREAK, Presence.OFFLINE)[j % 3]
        if target in PRESENCE_TRANSITIONS[agent.presence]:  # (offline -> break is not a move)
            actions.set_presence(agent, target, now=now)
    elif kind in ("accept", "decline"):
        offer = _pick(Offer.objects.filter(status="pending").select_related("agent__user"), i)
        if offer is not None:
            try:
                if kind == "accept":
                    actions.accept_offer(offer.agent.user, offer.pk)
                else:
                    actions.decline_offer(offer.agent.user, offer.pk)
            except actions.ActionError:  # lapsed (expired at once) or not pending
                pass
    elif kind in ("resolve", "wait", "transfer"):
        contact = _pick(Contact.objects.filter(status=Status.ACTIVE).select_related("agent__user"), i)
        if contact is not None and contact.agent is not None:
            user = contact.agent.user
            if kind == "resolve":
                desk.resolve(user, contact, wrap_up_code="solved")
            elif kind == "wait":
                desk.wait_on_customer(user, contact)
            else:
                actions.transfer_to_pool(user, contact.pk)
    elif kind == "answer":  # the customer answers a contact waiting on them: back in the queue
        contact = _pick(Contact.objects.filter(status=Status.WAITING), i)
        if contact is not None:
            receive(Inbound(brand=contact.brand, channel=contact.channel, body="Voilà",
                            contact_id=contact.pk, received_at=now,
                            customer=CustomerData(name="Client", email=contact.customer.email)))
    elif kind == "hang_up":
        contact = _pick(Contact.objects.filter(status__in=[Status.QUEUED, Status.OFFERED]), i)
        if contact is not None:
            desk.abandon(contact)


OPS = st.tuples(
    st.sampled_from(["arrive", "arrive", "arrive", "presence", "accept", "accept", "decline",
                     "resolve", "wait", "answer", "hang_up", "transfer", "clock"]),
    st.integers(0, 9), st.integers(0, 40))


def _world(make_brand, make_agent):
    brands = [make_brand(), make_brand()]
    agents = [make_agent(brands=brands, presence="available", capacity=6) for _ in range(2)]
    agents.append(make_agent(brands=brands[:1], presence="available", capacity=3))
    agents.append(make_agent(brands=brands[1:], presence="break", capacity=6))
    # capacity per channel: one chat and one email at once; never a call
    Agent.objects.filter(pk=agents[0].pk).update(channel_limits={"chat": 1, "email": 1})
    Agent.objects.filter(pk=agents[3].pk).update(channel_limits={"voice": 0})
    return brands, agents


@pytest.mark.slow
# No shrinking: each step reads the database several times, and a failure names its steps.
@hsettings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=5, max_size=25))
def test_events_applied_in_order_decide_as_a_rebuild(ops, make_brand, make_agent, settings):
    settings.ROADIE_DECLINE_COOLDOWN = 60
    settings.ROADIE_AWAY_AFTER_NO_ANSWERS = 2
    settings.ROADIE_OFFER_TIMEOUT = 20
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6
    clock = [timezone.now().replace(microsecond=0)]
    try:
        with transaction.atomic(), mock.patch.object(timezone, "now", lambda: clock[0]):
            brands, agents = _world(make_brand, make_agent)
            Agent.objects.update(idle_since=clock[0], last_seen_at=clock[0])
            live = LiveCore(reconcile_every=10**9)
            for n, op in enumerate(ops):
                if op[0] == "clock":
                    clock[0] += timedelta(seconds=op[2])
                else:
                    _apply(op, brands=brands, agents=agents, now=clock[0])
                now = clock[0]
                live.prepare(now)
                fresh, epoch = build_router(now, full=True, epoch=live.epoch)
                t = live.t(now)
                assert differences(snapshot(live.router, t), snapshot(fresh, t)) == {}, ops[:n + 1]
                fresh.check()
                live.router.check()
                # the rebuild-every-round dispatcher's own core (in-service contacts in the load)
                peer, peer_epoch = build_router(now)
                expected = [(r.contact_id, r.agent_id) for r in peer.route((now - peer_epoch).total_seconds())]
                assert live.decide(now) == expected, ops[:n + 1]
            assert live.divergences == 0
            raise Rollback
    except Rollback:
        pass


def test_the_in_memory_core_offers_what_arrives_and_follows_accept_and_resolve(make_brand, make_agent):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    live = LiveCore(reconcile_every=10**9)
    now = timezone.now()
    assert live.round(now=now) == 0
    contact = _arrive(brand, "voice", now)
    assert live.round(now=now) == 1
    offer = Offer.objects.get(contact=contact)
    actions.accept_offer(agent.user, offer.pk)
    second = _arrive(brand, "voice", now)
    assert live.round(now=now) == 0  # the call fills the agent
    contact.refresh_from_db()
    desk.resolve(agent.user, contact, wrap_up_code="solved")
    assert live.round(now=now) == 1
    assert Offer.objects.get(contact=second, status="pending").agent == agent
    assert live.divergences == 0


def _one_agent_offered_a_chat(make_brand, make_agent, settings, *, away_after: int):
    """One available agent, offered one chat by a fresh in-memory core (offers time out after
    10 s; ``away_after`` misses in a row put the agent on a break)."""
    settings.ROADIE_AWAY_AFTER_NO_ANSWERS = away_after
    settings.ROADIE_OFFER_TIMEOUT = 10
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    now = timezone.now()
    Agent.objects.update(last_seen_at=now + timedelta(days=1))
    live = LiveCore(reconcile_every=10**9)
    _arrive(brand, "chat", now)
    live.round(now=now)
    return brand, agent, live, now


def test_the_core_puts_an_agent_who_misses_offers_on_a_break(make_brand, make_agent, settings):
    _, agent, live, now = _one_agent_offered_a_chat(make_brand, make_agent, settings, away_after=2)
    live.round(now=now + timedelta(seconds=11))  # first miss: offered again (nobody else)
    assert Offer.objects.filter(status="pending", agent=agent).count() == 1
    live.round(now=now + timedelta(seconds=22))  # second miss in a row: on a break
    agent.refresh_from_db()
    assert agent.presence == Presence.BREAK
    assert not Offer.objects.filter(status="pending").exists()
    assert list(Offer.objects.values_list("status", flat=True).order_by("pk")) == ["expired", "expired"]


def test_an_agent_who_leaves_as_the_core_puts_them_on_a_break_does_not_fail_the_round(
        make_brand, make_agent, settings, monkeypatch):
    """The core reads the agent available, the agent goes offline (end of shift), then the
    break is refused: that agent is left offline and the round carries on."""
    from roadie.desk.routing import actions as routing_actions

    brand, agent, live, now = _one_agent_offered_a_chat(make_brand, make_agent, settings, away_after=1)
    real = routing_actions.set_presence

    def leaves_first(who, presence, *, now=None):
        if presence == Presence.BREAK:
            real(who, Presence.OFFLINE, now=now)  # the agent logs off just before
        return real(who, presence, now=now)

    monkeypatch.setattr(routing_actions, "set_presence", leaves_first)
    live.round(now=now + timedelta(seconds=11))  # the miss: on a break, refused
    agent.refresh_from_db()
    assert agent.presence == Presence.OFFLINE
    later = _arrive(brand, "chat", now + timedelta(seconds=12))
    live.round(now=now + timedelta(seconds=13))  # the core follows: nobody to offer to
    assert not Offer.objects.filter(status="pending").exists()
    assert Contact.objects.get(pk=later.pk).status == Status.QUEUED


def test_a_missed_event_is_found_counted_and_repaired_by_reconciliation(make_brand, make_agent, client,
                                                                       monkeypatch):
    from roadie.desk.web import views_health

    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available", capacity=6)
    now = timezone.now()
    dispatcher = Dispatcher(holder="test:1", mode="events")
    from roadie.desk.routing.dispatcher import take_lease

    assert take_lease("test:1")
    dispatcher.round()
    dispatcher.core.reconcile_every = 10**9
    gone = _arrive(brand, "email", now)
    stays = _arrive(brand, "email", now)
    dispatcher.core.catch_up(now)
    # Two changes behind the events' back: a contact closed and an agent's capacity cut to 3.
    Contact.objects.filter(pk=gone.pk).update(status=Status.ABANDONED)
    Agent.objects.filter(pk=agent.pk).update(capacity=3)
    found = dispatcher.core.reconcile(timezone.now())
    assert len(found) == 2 and dispatcher.core.divergences == 2
    assert any(f"contact {gone.pk}" in f for f in found) and any(f"agent {agent.pk}" in f for f in found)
    dispatcher.core.reconcile_every = 0
    dispatcher.round()  # records the count in the lease
    assert dispatcher.core.divergences == 2  # repaired: the next reconciliation finds nothing
    assert Offer.objects.get(status="pending").contact_id == stays.pk
    # (a loaded machine may take longer than the renewal grace to read the migrations)
    monkeypatch.setattr(views_health, "renewal_grace", lambda: timedelta(hours=1))
    assert take_lease("test:1", seconds=3600)
    assert client.get("/healthz").json()["routing_divergences"] == 2


def test_an_offer_refused_by_the_database_is_undone_in_the_core(make_brand, make_agent):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    other = make_agent(brands=[brand], presence="available")
    live = LiveCore(reconcile_every=10**9)
    now = timezone.now()
    live.round(now=now)
    contact = _arrive(brand, "voice", now)
    live.catch_up(now)
    # Another writer took the first choice meanwhile, with no event the core has read yet.
    first = min(agent, other, key=lambda a: (a.idle_since, a.pk))
    Agent.objects.filter(pk=first.pk).update(presence=Presence.BREAK)
    assert live.decide(now) == []
    assert live.router.agent(first.pk).state.value == "break"
    assert live.decide(now) == [(contact.pk, ({agent.pk, other.pk} - {first.pk}).pop())]


def test_a_round_whose_preparation_outlasts_the_lease_renews_it_before_offering(make_brand, make_agent,
                                                                                monkeypatch):
    """At scale building or reconciling the core takes longer than the lease: the round renews
    it before deciding (its offers would all be refused otherwise), and gives the partition up
    when another dispatcher took the lease meanwhile."""
    from roadie.desk.routing.dispatcher import take_lease
    from roadie.desk.routing.models import Lease

    brand = make_brand()
    for _ in range(2):  # a second one free for the second contact
        make_agent(brands=[brand], presence="available")
    prepare = LiveCore.prepare
    taker: list[str] = []

    def slow_prepare(self, now):  # the lease runs out while the core is built
        prepare(self, now)
        Lease.objects.filter(name=self.lease).update(expires_at=timezone.now() - timedelta(seconds=1))
        if taker:
            assert take_lease(taker[0])

    monkeypatch.setattr(LiveCore, "prepare", slow_prepare)
    dispatcher = Dispatcher(holder="test:1", mode="events")
    assert take_lease("test:1")
    first = _arrive(brand, "chat", timezone.now())
    assert dispatcher.round() == 1
    assert Offer.objects.get(status="pending").contact_id == first.pk
    taker.append("other:2")
    _arrive(brand, "chat", timezone.now())
    assert dispatcher.round() == 0 and dispatcher.core is None  # given up: other:2 leads now
    assert Lease.objects.get(name="dispatcher").holder == "other:2"


def test_a_large_round_renews_the_lease_between_its_batches(make_brand, make_agent, monkeypatch):
    """A round of thousands of offers on a loaded machine outlasts the lease: its offers go in
    batches and the lease is renewed between two, or every later batch would be refused by
    fencing, round after round; if another dispatcher took the lease, the rest is not offered."""
    from roadie.desk.routing import live as live_module
    from roadie.desk.routing.dispatcher import take_lease
    from roadie.desk.routing.models import Lease

    monkeypatch.setattr(live_module, "OFFER_BATCH", 2)
    brand = make_brand()
    for _ in range(5):
        make_agent(brands=[brand], presence="available")
    make_offers = actions.make_offers
    taker: list[str] = []

    def slow_batch(decisions, **kwargs):  # each batch outlasts the lease
        made = make_offers(decisions, **kwargs)
        Lease.objects.filter(name="dispatcher").update(expires_at=timezone.now() - timedelta(seconds=1))
        if taker:
            assert take_lease(taker[0])
        return made

    monkeypatch.setattr(actions, "make_offers", slow_batch)
    dispatcher = Dispatcher(holder="test:1", mode="events")
    assert take_lease("test:1")
    for _ in range(3):
        _arrive(brand, "chat", timezone.now())
    assert dispatcher.round() == 3  # batches of 2 and 1, the lease renewed between them
    Offer.objects.update(status="declined")  # (the agents free again, the contacts done with)
    Contact.objects.update(status=Status.RESOLVED)
    assert take_lease("test:1")
    dispatcher.core.reconcile(timezone.now())
    taker.append("other:2")
    for _ in range(4):
        _arrive(brand, "chat", timezone.now())
    assert dispatcher.round() == 2  # other:2 took the lease after the first batch
    assert Offer.objects.filter(status="pending").count() == 2
    assert len(dispatcher.core.router.waiting_ids()) == 2  # the rest undone in the core
