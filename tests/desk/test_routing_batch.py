"""A round's offers persisted in one transaction (``actions.make_offers``): each decision is
checked under the locks as if it were alone, counting the offers made before it in the batch;
the database still refuses a double offer, an agent over capacity or over the pending limit,
and an offer from a dispatcher that lost its lease; several dispatchers racing with batches on
the same contacts and agents never break those rules (PostgreSQL, threads)."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.db.models import Count, Sum
from django.utils import timezone

from roadie.desk.contacts.models import Contact, ContactEvent, EventKind
from roadie.desk.live.models import LiveEvent
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import take_lease
from roadie.desk.routing.models import Offer


@pytest.mark.django_db
def test_a_batch_makes_each_offer_it_can_and_refuses_the_rest(make_brand, make_agent, make_contact, settings):
    settings.ROADIE_MAX_PENDING_OFFERS = 2
    brand, other_brand = make_brand(), make_brand()
    small = make_agent(brands=[brand], presence="available", capacity=4)  # two chats (2 units each)
    wide = make_agent(brands=[brand], presence="available", capacity=6)
    away = make_agent(brands=[brand], presence="break")
    call = make_contact(brand=brand, channel="voice")
    chats = [make_contact(brand=brand) for _ in range(5)]
    foreign = make_contact(brand=other_brand)
    already = make_contact(brand=brand)
    assert actions.make_offer(contact_id=already.pk, agent_id=wide.pk) is not None
    decisions = [
        (chats[0].pk, small.pk),   # made
        (chats[1].pk, small.pk),   # made: small now holds 4 units, its capacity
        (chats[2].pk, small.pk),   # refused: over capacity
        (chats[0].pk, wide.pk),    # refused: offered earlier in this very batch
        (already.pk, small.pk),    # refused: not waiting any more
        (foreign.pk, wide.pk),     # refused: not certified for that brand
        (call.pk, away.pk),        # refused: on a break
        (chats[3].pk, wide.pk),    # made: wide now holds 2 pending offers, 4 units
        (chats[4].pk, wide.pk),    # refused: the pending-offer limit (6 units would fit)
    ]
    made = actions.make_offers(decisions)
    assert [o is not None for o in made] == [True, True, False, False, False, False, False, True, False]
    assert {(o.contact_id, o.agent_id) for o in made if o} == {
        (chats[0].pk, small.pk), (chats[1].pk, small.pk), (chats[3].pk, wide.pk)}
    for contact in (chats[0], chats[1], chats[3]):
        contact.refresh_from_db()
        assert contact.status == "offered"
        event = ContactEvent.objects.get(contact=contact, kind=EventKind.OFFERED)
        assert event.detail["offer"] == Offer.objects.get(contact=contact, status="pending").pk
        assert LiveEvent.objects.filter(kind="offer.new", payload__contact=contact.pk).count() == 3
    for contact in (chats[2], chats[4], call, foreign):
        contact.refresh_from_db()
        assert contact.status == "queued"
        assert not Offer.objects.filter(contact=contact).exists()


@pytest.mark.django_db
def test_a_batch_from_a_dispatcher_that_lost_its_lease_writes_nothing(make_brand, make_agent, make_contact):
    brand = make_brand()
    agents = [make_agent(brands=[brand], presence="available") for _ in range(3)]
    contacts = [make_contact(brand=brand) for _ in range(3)]
    now = timezone.now()
    assert take_lease("old:1", now=now - timedelta(seconds=60), seconds=10)
    assert take_lease("new:2", now=now)
    decisions = [(c.pk, a.pk) for c, a in zip(contacts, agents, strict=True)]
    assert actions.make_offers(decisions, holder="old:1") == [None, None, None]
    assert not Offer.objects.exists()
    assert not ContactEvent.objects.filter(kind=EventKind.OFFERED).exists()
    assert all(o is not None for o in actions.make_offers(decisions, holder="new:2"))


@pytest.mark.django_db
def test_a_double_offer_caught_by_the_unique_index_only_costs_that_decision(make_brand, make_agent, make_contact):
    """A contact left waiting beside an active offer (a row changed behind the write paths'
    back) makes the insert fail: the batch is tried one decision at a time, and only that
    contact is refused."""
    brand = make_brand()
    a, b = make_agent(brands=[brand], presence="available"), make_agent(brands=[brand], presence="available")
    stuck, fine = make_contact(brand=brand), make_contact(brand=brand)
    actions.make_offer(contact_id=stuck.pk, agent_id=a.pk)
    Contact.objects.filter(pk=stuck.pk).update(status="queued")
    made = actions.make_offers([(stuck.pk, b.pk), (fine.pk, b.pk)])
    assert made[0] is None and made[1] is not None
    assert Offer.objects.filter(contact=stuck, status="pending").count() == 1


@pytest.mark.django_db
def test_a_rounds_timeouts_are_persisted_in_one_batch(make_brand, make_agent, make_contact):
    """Each lapsed offer is expired and its contact queued again; one the agent accepted
    meanwhile, one not due yet and one already ended are left as they are."""
    brand = make_brand()
    agents = [make_agent(brands=[brand], presence="available") for _ in range(4)]
    contacts = [make_contact(brand=brand) for _ in range(4)]
    now = timezone.now()
    offers = [actions.make_offer(contact_id=c.pk, agent_id=a.pk, now=now - timedelta(seconds=60),
                                 timeout_seconds=120 if i == 1 else 30)
              for i, (c, a) in enumerate(zip(contacts, agents, strict=True))]
    actions.accept_offer(agents[1].user, offers[1].pk)  # answered before the round persisted
    Offer.objects.filter(pk=offers[2].pk).update(expires_at=now + timedelta(seconds=30))  # not due
    pairs = [(c.pk, a.pk) for c, a in zip(contacts, agents, strict=True)]
    assert actions.expire_offers_of([pairs[0], pairs[1], pairs[2], pairs[3], pairs[3]], now=now) == [
        True, False, False, True, False]  # (the same pair twice: the second finds nothing)
    assert [Offer.objects.get(pk=o.pk).status for o in offers] == ["expired", "accepted", "pending", "expired"]
    assert [Contact.objects.get(pk=c.pk).status for c in contacts] == ["queued", "active", "offered", "queued"]
    assert ContactEvent.objects.filter(kind=EventKind.EXPIRED).count() == 2
    assert actions.expire_offers_of([], now=now) == []


def _timed_out(make_brand, make_agent, make_contact, n: int, *, now):
    brand = make_brand()
    pairs = []
    for i in range(n):
        agent = make_agent(brands=[brand], presence="available")
        contact = make_contact(brand=brand, channel="email" if i % 2 else "chat")
        actions.make_offer(contact_id=contact.pk, agent_id=agent.pk, now=now - timedelta(seconds=60),
                           timeout_seconds=30)
        pairs.append((contact.pk, agent.pk))
    return brand, pairs


def _written(pairs, *, since: int, offer_end):
    """What a timeout leaves, contact by contact: the row, the offer, the history and the live
    events (topic, kind, payload)."""
    out = []
    for contact_id, agent_id in pairs:
        contact = Contact.objects.get(pk=contact_id)
        offer = Offer.objects.get(contact_id=contact_id, agent_id=agent_id)
        events = [(e.kind, e.agent_id == agent_id, e.detail == {"offer": offer.pk})
                  for e in ContactEvent.objects.filter(contact_id=contact_id, pk__gt=since).order_by("pk")]
        out.append((contact.status, contact.agent_id, [a == agent_id for a in contact.declined_by],
                    contact.queue_since == contact.arrived_at, offer.status, offer.ended_at == offer_end, events))
    live = sorted((e.topic.split(":")[0], e.kind, e.payload["status"]) for e in LiveEvent.objects.filter(
        kind="offer.expired", payload__contact__in=[c for c, _ in pairs]))
    return out, live


@pytest.mark.django_db
def test_a_batch_of_timeouts_writes_what_one_timeout_at_a_time_writes(make_brand, make_agent, make_contact,
                                                                      django_assert_max_num_queries):
    """The round's timeouts, set-based, leave each contact, offer, history and live event as the
    one-offer-at-a-time path (``expire_offers``, through ``_end_offer``) does, in a number of
    statements that does not grow with the batch."""
    now = timezone.now()
    _, one_by_one = _timed_out(make_brand, make_agent, make_contact, 3, now=now)
    _, batch = _timed_out(make_brand, make_agent, make_contact, 3, now=now)
    _, big = _timed_out(make_brand, make_agent, make_contact, 12, now=now)
    since = ContactEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    Contact.objects.filter(pk=batch[1][0]).update(declined_by=[batch[1][1]])  # already there: not twice
    Contact.objects.filter(pk=one_by_one[1][0]).update(declined_by=[one_by_one[1][1]])
    assert actions.expire_offers(now=now) == 18  # every offer of the three sets, one at a time
    written_one, live_one = _written(one_by_one, since=since, offer_end=now)
    Offer.objects.filter(contact_id__in=[c for c, _ in batch + big]).update(status="pending", ended_at=None)
    Contact.objects.filter(pk__in=[c for c, _ in batch + big]).update(status="offered")
    for contact_id, agent_id in batch + big:
        Contact.objects.filter(pk=contact_id).update(agent_id=agent_id)
        Contact.objects.filter(pk=contact_id).exclude(pk=batch[1][0]).update(declined_by=[])
    ContactEvent.objects.filter(pk__gt=since, contact_id__in=[c for c, _ in batch + big]).delete()
    LiveEvent.objects.filter(kind="offer.expired", payload__contact__in=[c for c, _ in batch + big]).delete()
    # (11 on PostgreSQL: its NOTIFY, and one update of the agents left with no contact, idle again)
    with django_assert_max_num_queries(11):
        assert actions.expire_offers_of(batch, now=now) == [True] * 3
    assert _written(batch, since=since, offer_end=now) == (written_one, live_one)
    assert written_one[0] == ("queued", None, [True], True, "expired", True, [("expired", True, True)])
    assert written_one[1][2] == [True]  # not twice
    with django_assert_max_num_queries(11):
        assert actions.expire_offers_of(big, now=now) == [True] * 12


@pytest.mark.django_db(transaction=True)
def test_dispatchers_racing_with_batches_never_double_offer_nor_overfill(make_brand, make_agent, make_contact,
                                                                       settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite serialises writers)")
    settings.ROADIE_MAX_PENDING_OFFERS = 3
    brand = make_brand()
    agents = [make_agent(brands=[brand], presence="available", capacity=3) for _ in range(4)]
    contacts = [make_contact(brand=brand, channel=random.Random(i).choice(["chat", "email", "chat"]))
                for i in range(30)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def dispatcher(seed: int) -> None:
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(5):
                mine = rng.sample(contacts, 12)
                actions.make_offers([(c.pk, rng.choice(agents).pk) for c in mine])
        except BaseException as exc:  # a deadlock or anything else
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatcher, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    active = Offer.objects.filter(status__in=["pending", "accepted"])
    per_contact = active.values("contact_id").annotate(n=Count("pk"))
    assert max((r["n"] for r in per_contact), default=0) == 1
    for row in active.values("agent_id").annotate(units=Sum("cost"), n=Count("pk")):
        assert row["units"] <= 3 and row["n"] <= 3, row
    offered = set(active.values_list("contact_id", flat=True))
    assert offered == set(Contact.objects.filter(status="offered").values_list("pk", flat=True))
    assert ContactEvent.objects.filter(kind=EventKind.OFFERED).count() == len(offered)
    assert offered  # the race made offers, it did not only refuse them
