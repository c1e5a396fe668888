"""The offer lifecycle under races: one lock order (Contact, then Offer, then Agent rows) for
accept, decline, expire, abandon, resolve and going offline, so people racing never deadlock;
an expired offer that is accepted really goes back to the queue."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from roadie.desk.agents.models import Agent
from roadie.desk.contacts import actions as contact_actions
from roadie.desk.contacts.models import Contact, ContactEvent, EventKind
from roadie.desk.routing import actions
from roadie.desk.routing.models import Offer


@pytest.mark.django_db
def test_accepting_an_expired_offer_puts_the_contact_back_in_the_queue(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    offer = actions.make_offer(contact_id=contact.pk, agent_id=agent.pk,
                               now=timezone.now() - timedelta(seconds=120))
    with pytest.raises(actions.ActionError, match="went back to the queue"):
        actions.accept_offer(agent.user, offer.pk)
    # What the message says is true: the expiry was committed.
    offer.refresh_from_db()
    contact.refresh_from_db()
    assert offer.status == "expired" and contact.status == "queued" and contact.agent is None
    assert contact.events.filter(kind=EventKind.EXPIRED).exists()
    with pytest.raises(actions.ActionError, match="this offer is timed out"):
        actions.accept_offer(agent.user, offer.pk)


@pytest.mark.django_db
def test_a_decline_keeps_its_reason(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    offer = actions.make_offer(contact_id=contact.pk, agent_id=agent.pk)
    actions.decline_offer(agent.user, offer.pk, reason="  I do not speak Basque  ")
    event = ContactEvent.objects.get(contact=contact, kind=EventKind.DECLINED)
    assert event.detail == {"offer": offer.pk, "reason": "I do not speak Basque"}
    with pytest.raises(actions.ActionError, match="declined"):
        actions.decline_offer(agent.user, offer.pk)


def _race(*steps) -> list[BaseException]:
    """Run the steps at once, each in its own thread and database connection."""
    barrier = threading.Barrier(len(steps))
    errors: list[BaseException] = []

    def run(step):
        try:
            barrier.wait()
            step()
        except (actions.ActionError, Offer.DoesNotExist):
            pass  # a clear refusal is a fine outcome of a race
        except BaseException as exc:  # a deadlock or anything else is not
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(s,)) for s in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def _consistent(contact: Contact, agent: Agent) -> None:
    contact.refresh_from_db()
    agent.refresh_from_db()
    active = list(Offer.objects.filter(contact=contact, status__in=["pending", "accepted"]))
    assert len(active) <= 1
    if contact.status == "active":
        assert active and active[0].status == "accepted" and contact.agent_id == active[0].agent_id
    elif contact.status == "offered":
        assert active and active[0].status == "pending"
    else:
        assert not active, (contact.status, active)
    if agent.presence == "offline":
        assert not Offer.objects.filter(agent=agent, status__in=["pending", "accepted"]).exists()


@pytest.mark.django_db(transaction=True)
def test_every_path_racing_on_one_offer_never_deadlocks(make_brand, make_agent, make_contact):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlock detection are PostgreSQL's (SQLite serialises writers)")
    brand = make_brand()
    outcomes = set()
    for round_ in range(16):
        agent = make_agent(brands=[brand], presence="available")
        contact = make_contact(brand=brand)
        offer = actions.make_offer(contact_id=contact.pk, agent_id=agent.pk)
        outcomes.add(_one_round(round_, contact=contact, agent=agent, offer=offer))
    assert outcomes & {"abandoned", "queued", "active", "resolved"}


def _one_round(round_: int, *, contact: Contact, agent: Agent, offer: Offer) -> str:
    later = timezone.now() + timedelta(seconds=3600)
    steps = [
        lambda: actions.accept_offer(agent.user, offer.pk),  # the agent accepts...
        lambda: contact_actions.abandon(contact),  # ...as the caller hangs up
        lambda: actions.set_presence(agent, "offline"),  # ...and the agent's page dies
    ]
    if round_ % 2:
        steps.append(lambda: actions.expire_offers(later))
    else:
        steps.append(lambda: actions.decline_offer(agent.user, offer.pk, reason="race"))
    errors = _race(*steps)
    assert not errors, errors
    _consistent(contact, agent)
    contact.refresh_from_db()
    outcome = contact.status
    if contact.status == "active":  # the agent got it in hand: resolving races going offline
        errors = _race(lambda: contact_actions.resolve(agent.user, contact, wrap_up_code="solved"),
                       lambda: actions.set_presence(agent, "offline"))
        assert not errors, errors
        _consistent(contact, agent)
    return outcome
