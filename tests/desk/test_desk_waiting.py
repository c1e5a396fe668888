"""Waiting on the customer, after it starts: the agent resumes a waiting contact before the
customer replies, and a snooze ends on time in the worker (controlled clock), back to the
agent who snoozed it or to the queue, with a live event."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from roadie.desk.contacts import actions as contacts
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.models import Contact, ContactEvent, Status
from roadie.desk.live.lib import events_after, latest_id, topics_for
from roadie.desk.routing import actions as routing
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.models import Offer, OfferStatus


def _handled(make_brand, make_agent, make_contact, *, capacity: int = 6):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available", capacity=capacity)
    contact = make_contact(brand=brand, channel="email", body="Ma commande n'est pas arrivée.")
    tick()
    routing.accept_offer(agent.user, contact.offers.get().pk)
    return Contact.objects.get(pk=contact.pk), agent


@pytest.fixture
def handled(db, make_brand, make_agent, make_contact):
    return _handled(make_brand, make_agent, make_contact)


def test_the_agent_resumes_a_waiting_contact_before_the_reply(handled, client):
    contact, agent = handled
    contacts.wait_on_customer(agent.user, contact, until=timezone.now() + timedelta(hours=4))
    assert routing.agent_load(agent.pk) == 0
    client.force_login(agent.user)
    page = client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    assert "Resume now" in page and "Comes back to you on" in page
    response = client.post(f"/desk/contacts/{contact.pk}/resume")
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == Status.ACTIVE and contact.agent == agent
    assert contact.waiting_since is None and contact.snoozed_until is None
    assert routing.agent_load(agent.pk) == 3  # an email counts in capacity again
    assert ContactEvent.objects.filter(contact=contact, kind="resumed", agent=agent).count() == 1
    assert "Resume now" not in client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    with pytest.raises(ActionError, match="not waiting"):
        routing.resume_waiting(agent.user, contact.pk)


def test_only_the_agent_who_set_it_waiting_resumes_it(handled, make_agent, make_user):
    contact, agent = handled
    contacts.wait_on_customer(agent.user, contact)
    colleague = make_agent(brands=[contact.brand], presence="available")
    for user in (colleague.user, make_user(role="supervisor")):
        with pytest.raises(ActionError, match="only the agent who set it waiting"):
            routing.resume_waiting(user, contact.pk)
    contact.refresh_from_db()
    assert contact.status == Status.WAITING


def test_resume_needs_free_capacity_and_changes_nothing_without(db, make_brand, make_agent,
                                                                make_contact):
    contact, agent = _handled(make_brand, make_agent, make_contact, capacity=3)
    contacts.wait_on_customer(agent.user, contact)
    other = make_contact(brand=contact.brand, channel="email", body="Autre question")
    tick()
    routing.accept_offer(agent.user, other.offers.get().pk)  # the capacity is used again
    with pytest.raises(ActionError, match="no free capacity"):
        routing.resume_waiting(agent.user, contact.pk)
    contact.refresh_from_db()
    assert contact.status == Status.WAITING and contact.waiting_since is not None
    assert not Offer.objects.filter(contact=contact, status=OfferStatus.ACCEPTED).exists()
    routing.set_presence(agent, "offline")
    with pytest.raises(ActionError):
        routing.resume_waiting(agent.user, contact.pk)


def test_a_snooze_ends_with_an_offer_to_the_same_agent_and_a_live_event(handled):
    contact, agent = handled
    until = timezone.now() + timedelta(hours=1)
    contacts.wait_on_customer(agent.user, contact, until=until)
    start = latest_id()
    assert routing.wake_snoozed(contact.pk, now=until - timedelta(seconds=1)) is None  # not yet
    assert routing.wake_snoozed(contact.pk, expected_until=until.isoformat(), now=until) == "offered"
    contact.refresh_from_db()
    assert contact.status == Status.OFFERED and contact.snoozed_until is None
    assert contact.queued_at == until and contact.arrived_at < until and contact.deadline_at > until
    offer = Offer.objects.get(contact=contact, status=OfferStatus.PENDING)
    assert offer.agent == agent
    woken = ContactEvent.objects.get(contact=contact, kind="woken")
    assert woken.detail == {"snoozed_until": until.isoformat(), "offered_to": agent.pk}
    heard = [e.kind for e in events_after(start, topics_for(agent.user))]
    assert "contact.woken" in heard and "offer.new" in heard


def test_a_snooze_ends_in_the_queue_when_the_agent_cannot_take_it(handled):
    contact, agent = handled
    until = timezone.now() + timedelta(minutes=30)
    contacts.wait_on_customer(agent.user, contact, until=until)
    routing.set_presence(agent, "offline")
    assert routing.wake_snoozed(contact.pk, now=until + timedelta(minutes=1)) == "queued"
    contact.refresh_from_db()
    assert contact.status == Status.QUEUED and contact.agent is None
    assert not Offer.objects.filter(contact=contact, status=OfferStatus.PENDING).exists()


def test_a_stale_wake_up_leaves_a_snoozed_again_or_answered_contact_alone(handled):
    contact, agent = handled
    first = timezone.now() + timedelta(hours=1)
    contacts.wait_on_customer(agent.user, contact, until=first)
    later = timezone.now() + timedelta(hours=3)
    contacts.wait_on_customer(agent.user, contact, until=later)  # snoozed again
    assert routing.wake_snoozed(contact.pk, expected_until=first.isoformat(),
                                now=first + timedelta(seconds=1)) is None
    contacts.receive(contacts.Inbound(brand=contact.brand, channel=contact.channel, body="Reçu, merci",
                                      contact_id=contact.pk))
    assert routing.wake_snoozed(contact.pk, expected_until=later.isoformat(), now=later) is None
    assert not ContactEvent.objects.filter(contact=contact, kind="woken").exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_wakes_a_snoozed_contact_at_its_time(make_brand, make_agent, make_contact):
    """The real worker (django-tasks database backend, batch mode), with the clock moved."""
    from django_tasks_db.models import DBTaskResult

    contact, agent = _handled(make_brand, make_agent, make_contact)
    overdue, _ = _handled(make_brand, make_agent, make_contact)
    until = timezone.now() + timedelta(hours=1)
    contacts.wait_on_customer(agent.user, contact, until=until)
    task = DBTaskResult.objects.get(task_path__endswith="wake_snoozed")
    assert task.run_after == until and task.args_kwargs["args"] == [contact.pk, until.isoformat()]
    # A snooze whose own task was lost: woken by the next one that runs.
    Contact.objects.filter(pk=overdue.pk).update(status=Status.WAITING, waiting_since=timezone.now(),
                                                 snoozed_until=until - timedelta(minutes=30))
    Offer.objects.filter(contact=overdue).update(status=OfferStatus.COMPLETED)

    with mock.patch("django.utils.timezone.now", return_value=until - timedelta(minutes=1)):
        call_command("db_worker", batch=True, interval=0, startup_delay=False)
    assert Contact.objects.get(pk=contact.pk).status == Status.WAITING
    assert Contact.objects.get(pk=overdue.pk).status == Status.WAITING

    with mock.patch("django.utils.timezone.now", return_value=until + timedelta(seconds=2)):
        call_command("db_worker", batch=True, interval=0, startup_delay=False)
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.return_value == "offered"
    assert Contact.objects.get(pk=contact.pk).status == Status.OFFERED
    assert Offer.objects.get(contact=contact, status=OfferStatus.PENDING).agent == agent
    assert Contact.objects.get(pk=overdue.pk).status in (Status.OFFERED, Status.QUEUED)
