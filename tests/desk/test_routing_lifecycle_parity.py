"""One offer lifecycle: the core's methods and the desk's write paths end offers alike.

Random sequences of offers, accepts, declines, timeouts (the clock moved past the accept
timeout), completions, contacts set waiting on the customer, hang-ups and presence changes are
driven twice at once: through a routing core's
own methods (``reserve``, ``accept``, ``decline``, ``expire``, ``complete``,
``set_agent_state``) and through the desk's write paths on the real database (``make_offer``,
``accept_offer``, ``decline_offer``, ``resolve``, ``wait_on_customer``, ``abandon``,
``set_presence``, and the timeouts of either
dispatcher: the rebuild peer's ``expire_offers``, or the in-memory ``LiveCore``'s round). After
every step both hold the same: each contact's state, agent, place in its queue (priority,
arrival, deadline) and who it is set aside from; each agent's presence, load, idle time and run
of offers left unanswered (so who is put on a break, and when).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from roadie.desk.agents.models import PRESENCE_TRANSITIONS, Agent, Presence
from roadie.desk.contacts import actions as desk
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import build_router, contact_spec, recent_set_asides
from roadie.desk.routing.live import LiveCore
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer, OfferStatus
from roadie.engine.routing import AgentState, ContactState, RoutingError

pytestmark = pytest.mark.django_db

TIMEOUT = 20  # ROADIE_OFFER_TIMEOUT; the clock moves by STEP, never landing on a deadline
STEP = 7
_seq = itertools.count(1)


class Rollback(Exception):
    pass


def _pending(i: int):
    rows = list(Offer.objects.filter(status=OfferStatus.PENDING).select_related("agent__user").order_by("pk"))
    return rows[i % len(rows)] if rows else None


def _step(op, *, pure, agents, brand, now, t, mode, live) -> None:
    """Apply ``op`` to the core ``pure`` and, through the write paths, to the database."""
    kind, i, j = op
    if kind == "arrive":
        contact, _, _ = receive(Inbound(
            brand=brand, channel="chat", body="Bonjour", language="fr", received_at=now,
            customer=CustomerData(name="Client", email=f"cycle{next(_seq)}@example.org")))
        pure.add_contact(contact_spec(Contact.objects.select_related("brand").get(pk=contact.pk), _EPOCH[0]))
    elif kind == "offer":
        waiting = list(Contact.objects.filter(status=Status.QUEUED).order_by("pk").values_list("pk", flat=True))
        if not waiting:
            return
        contact_id, agent_id = waiting[i % len(waiting)], agents[j % len(agents)]
        try:
            pure.reserve(contact_id, agent_id, t)
            made = True
        except RoutingError:  # not available, or no room
            made = False
        assert (actions.make_offer(contact_id=contact_id, agent_id=agent_id, now=now) is not None) == made
    elif kind in ("accept", "decline"):
        offer = _pending(i)
        if offer is None:
            return
        if kind == "accept":
            actions.accept_offer(offer.agent.user, offer.pk)
            pure.accept(offer.contact_id, t)
        else:
            actions.decline_offer(offer.agent.user, offer.pk)
            pure.decline(offer.contact_id, t)
    elif kind == "complete":
        rows = list(Contact.objects.filter(status=Status.ACTIVE).select_related("agent__user").order_by("pk"))
        if rows:
            contact = rows[i % len(rows)]
            desk.resolve(contact.agent.user, contact, wrap_up_code="solved")
            pure.complete(contact.pk, t)
    elif kind == "wait":  # the agent sets it waiting on the customer: out of routing
        rows = list(Contact.objects.filter(status=Status.ACTIVE).select_related("agent__user").order_by("pk"))
        if rows:
            contact = rows[i % len(rows)]
            desk.wait_on_customer(contact.agent.user, contact)
            pure.complete(contact.pk, t)
    elif kind == "hang_up":  # the customer leaves before being answered
        rows = list(Contact.objects.filter(status__in=[Status.QUEUED, Status.OFFERED]).order_by("pk"))
        if rows:
            desk.abandon(rows[i % len(rows)])
            pure.remove_contact(rows[i % len(rows)].pk, t)
    elif kind == "presence":
        agent = Agent.objects.get(pk=agents[i % len(agents)])
        target = (Presence.AVAILABLE, Presence.BREAK, Presence.OFFLINE)[j % 3]
        if target in PRESENCE_TRANSITIONS[agent.presence]:
            actions.set_presence(agent, target, now=now)
            pure.set_agent_state(agent.pk, AgentState(target), t)
    elif kind == "clock":  # the clock moves on: offers past their deadline time out
        pure.expire(t)
        if mode == "rebuild":
            actions.expire_offers(now)
        # (the in-memory core's round, below, times out what its core says)
    if live is not None:
        live.prepare(now)


_EPOCH: list = [None]

_STATE_OF_ROW = {Status.QUEUED: ContactState.WAITING, Status.OFFERED: ContactState.RESERVED,
                 Status.ACTIVE: ContactState.IN_SERVICE}


def _missed_from_history(agent_id: int) -> int:
    """The run of unanswered offers the rebuild peer reads from the agent's offer history."""
    return actions.missed_in_a_row(agent_id, limit=2)


def _assert_same(pure, *, now, t, mode, live, ops) -> None:
    epoch = _EPOCH[0]
    offers = {o.contact_id: o for o in Offer.objects.filter(status__in=ACTIVE_OFFER_STATUSES)}
    aside = recent_set_asides(now=now)
    for row in Contact.objects.select_related("brand").order_by("pk"):
        state = _STATE_OF_ROW.get(row.status)
        held = offers.get(row.pk)
        assert pure.contact_state(row.pk) is state, (row.pk, row.status, ops)
        if state is None:
            continue
        assert pure.agent_of(row.pk) == (held.agent_id if held else None), (row.pk, ops)
        assert pure.contact(row.pk) == contact_spec(row, epoch), (row.pk, "its place", ops)
        if state is ContactState.WAITING:
            assert pure.excluded(row.pk, now=t) == set(aside.get(row.pk, ())), (row.pk, "set aside", ops)
    for agent in Agent.objects.order_by("pk"):
        rec = pure.agent(agent.pk)
        assert rec.state.value == agent.presence, (agent.pk, ops)
        assert rec.load == actions.agent_load(agent.pk), (agent.pk, ops)
        assert rec.idle_since == (agent.idle_since - epoch).total_seconds(), (agent.pk, "idle", ops)
        if mode == "rebuild":
            assert _missed_from_history(agent.pk) == rec.missed, (agent.pk, "missed", ops)
        elif agent.presence != Presence.OFFLINE:
            assert live.router.agent(agent.pk).missed == rec.missed, (agent.pk, "missed", ops)


ARRIVE, OFFER, WAIT = ("arrive", 0, 0), ("offer", 0, 0), [("clock", 0, 0)] * 3  # (3 steps: past the timeout)
OPS = st.tuples(
    st.sampled_from(["arrive", "arrive", "offer", "offer", "offer", "accept", "decline", "complete",
                     "wait", "hang_up", "presence", "clock", "clock"]),
    st.integers(0, 9), st.integers(0, 9))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["events", "rebuild"])
# No shrinking: each step reads the database several times, and a failure names its steps.
@hsettings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=5, max_size=30))
# a miss, then a decline (an answer: the run starts again), then a miss: no break
@example(ops=[ARRIVE, OFFER, *WAIT, OFFER, ("decline", 0, 0), OFFER, *WAIT, OFFER, *WAIT])
# a miss, leaving and coming back, a miss: two in a row, on a break (then the contact goes on)
@example(ops=[ARRIVE, OFFER, *WAIT, ("presence", 0, 2), ("presence", 0, 0), OFFER, *WAIT, OFFER, *WAIT])
# two misses: on a break, the count starts again; back, one more miss is only one
@example(ops=[ARRIVE, OFFER, *WAIT, OFFER, *WAIT, ("presence", 0, 0), OFFER, *WAIT, OFFER])
# two offers held, both missed at once: the second miss puts the agent away
@example(ops=[ARRIVE, ARRIVE, OFFER, ("offer", 1, 0), *WAIT, OFFER, *WAIT])
# a hang-up while offered, a call set waiting on the customer: each frees the agent
@example(ops=[ARRIVE, ARRIVE, OFFER, ("hang_up", 0, 0), OFFER, ("accept", 0, 0), ("wait", 0, 0)])
# one accepted, one missed, the accepted one resolved: idle again only then
@example(ops=[ARRIVE, ARRIVE, OFFER, ("accept", 0, 0), ("offer", 0, 0), *WAIT, ("complete", 0, 0), *WAIT])
def test_offers_end_alike_in_the_core_and_on_the_rows(mode, ops, make_brand, make_agent, settings):
    settings.ROADIE_DECLINE_COOLDOWN = 60
    settings.ROADIE_AWAY_AFTER_NO_ANSWERS = 2
    settings.ROADIE_OFFER_TIMEOUT = TIMEOUT
    settings.ROADIE_MAX_PENDING_OFFERS = 10
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6
    clock = [timezone.now().replace(microsecond=0)]
    try:
        with transaction.atomic(), mock.patch.object(timezone, "now", lambda: clock[0]):
            brand = make_brand()
            agents = [make_agent(brands=[brand], presence="available", capacity=4).pk for _ in range(2)]
            Agent.objects.update(idle_since=clock[0], last_seen_at=clock[0])
            live = LiveCore(reconcile_every=10**9) if mode == "events" else None
            if live is not None:
                live.prepare(clock[0])
            pure, epoch = build_router(clock[0], full=True, epoch=live.epoch if live else None)
            _EPOCH[0] = epoch
            for n, op in enumerate(ops):
                if op[0] == "clock":
                    clock[0] += timedelta(seconds=STEP)
                now = clock[0]
                t = (now - epoch).total_seconds()
                _step(op, pure=pure, agents=agents, brand=brand, now=now, t=t, mode=mode, live=live)
                _assert_same(pure, now=now, t=t, mode=mode, live=live, ops=ops[:n + 1])
                pure.check()
            if live is not None:
                assert live.divergences == 0
            raise Rollback
    except Rollback:
        pass


def test_a_timeout_refused_by_the_database_does_not_end_a_run_of_misses(make_brand, make_agent, make_contact,
                                                                        monkeypatch, settings):
    """One real miss; then the core times the next offer out, which would be the second miss in
    a row and put the agent away, but the customer hung up just before (the database refuses
    that timeout). The agent stays available with one miss, so the next real miss, the second
    in a row, puts them on a break."""
    settings.ROADIE_AWAY_AFTER_NO_ANSWERS = 2
    settings.ROADIE_AGENT_STALE_SECONDS = 10**6
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    live = LiveCore(reconcile_every=10**9)
    first = make_contact(brand=brand)
    now = timezone.now()
    assert live.round(now=now) == 1
    now = Offer.objects.get(contact=first).expires_at + timedelta(seconds=5)
    live.round(now=now)  # a real miss (the contact is offered to them again: nobody else)
    assert live.router.agent(agent.pk).missed == 1
    expire = actions.expire_offers_of

    def hang_up_first(pairs, *, now=None):
        desk.abandon(Contact.objects.get(pk=first.pk), reason="hung up")
        return expire(pairs, now=now)

    monkeypatch.setattr(actions, "expire_offers_of", hang_up_first)
    now = Offer.objects.get(contact=first, status="pending").expires_at + timedelta(seconds=5)
    live.round(now=now)
    monkeypatch.undo()
    assert Agent.objects.get(pk=agent.pk).presence == Presence.AVAILABLE
    assert live.router.agent(agent.pk).state is AgentState.AVAILABLE
    assert live.router.agent(agent.pk).missed == 1
    second = make_contact(brand=brand)
    assert live.round(now=now) == 1
    live.round(now=Offer.objects.get(contact=second).expires_at + timedelta(seconds=5))
    assert Agent.objects.get(pk=agent.pk).presence == Presence.BREAK  # two real misses in a row
    assert live.divergences == 0
