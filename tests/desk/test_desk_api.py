"""The desk's contact actions through the REST API, twins of the contact page's and the
board's forms: the same write paths, the same people, bad input refused naming the field with
nothing written, and two supervisors acting on one contact at once (PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from roadie.desk.agents.models import Skill
from roadie.desk.contacts.models import Contact, ContactEvent, Direction, Escalation, Macro, Message
from roadie.desk.routing import actions as routing
from roadie.desk.routing.models import Offer


def send(client, method, url, body=None):
    return client.generic(method, url, data=json.dumps(body) if body is not None else "",
                          content_type="application/json")


def detail(answer) -> str:
    return json.dumps(answer.json()["detail"])


@pytest.fixture
def handled(handled_chat):
    """One brand that hides its customers' names, two agents, a chat contact one of them has."""
    return handled_chat(masked=("name",))


@pytest.mark.django_db
def test_a_supervisor_notes_tags_and_takes_over_and_the_agent_sees_it(handled, api_client):
    contact, agent = handled["contact"], handled["handler"]
    boss = api_client(handled["supervisor"])
    note = send(boss, "POST", f"/api/contacts/{contact.pk}/notes", {"body": "  Propose le remboursement. "})
    assert note.status_code == 201 and note.json()["direction"] == "note"
    tagged = send(boss, "PUT", f"/api/contacts/{contact.pk}/tags", {"tags": ["Facture", "urgent", "facture"]})
    assert tagged.status_code == 200 and tagged.json()["tags"] == ["facture", "urgent"]
    # The agent reads the note in the thread and the tags on the contact.
    seen = api_client(agent.user).get(f"/api/contacts/{contact.pk}").json()
    assert [(m["direction"], m["body"]) for m in seen["messages"]][-1] == ("note", "Propose le remboursement.")
    assert seen["tags"] == ["facture", "urgent"]
    taken = send(boss, "POST", f"/api/contacts/{contact.pk}/take-over", {"note": "Je prends."})
    assert taken.status_code == 200 and taken.json()["agent"] is None and taken.json()["status"] == "active"
    assert routing.agent_load(agent.pk) == 0
    assert send(boss, "POST", f"/api/contacts/{contact.pk}/replies", {"body": "Bonjour, ici le superviseur."}).status_code == 201
    assert send(boss, "POST", f"/api/contacts/{contact.pk}/resolve", {"wrap_up_code": "solved"}).json()["status"] == "resolved"
    # The agent may not take over; an agent it was never offered to does not see it at all.
    assert send(api_client(agent.user), "POST", f"/api/contacts/{contact.pk}/take-over", {}).status_code == 403
    assert send(api_client(handled["other"].user), "POST", f"/api/contacts/{contact.pk}/notes",
                {"body": "x"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "notes", {"body": "   "}, "body"),
    ("POST", "notes", {}, "body"),
    ("PUT", "tags", {"tags": [f"t{i}" for i in range(13)]}, "tags"),
    ("PUT", "tags", {"tags": "vip"}, "tags"),
    ("POST", "wait", {"until": "2020-01-01T09:00:00+01:00"}, "until"),
    ("POST", "wait", {"until": "demain"}, "until"),
    ("POST", "escalations", {"reason": " "}, "reason"),
    ("POST", "transfer", {}, "agent"),
    ("POST", "transfer", {"agent": 1, "pool": "billing"}, "agent"),
    ("POST", "transfer", {"agent": 999999}, "agent"),
    ("POST", "transfer", {"pool": "nobody-has-it"}, "pool"),
    ("POST", "transfer", {"pool": "a b"}, "pool"),
])
def test_bad_input_names_the_field_and_writes_nothing(handled, api_client, method, path, body, field):
    contact = handled["contact"]
    before = (Message.objects.count(), ContactEvent.objects.count(), Escalation.objects.count())
    answer = send(api_client(handled["handler"].user), method, f"/api/contacts/{contact.pk}/{path}", body)
    assert answer.status_code == 422, answer.content
    assert field in detail(answer)
    assert (Message.objects.count(), ContactEvent.objects.count(), Escalation.objects.count()) == before
    after = Contact.objects.get(pk=contact.pk)
    assert (after.status, after.agent_id, after.tags) == ("active", handled["handler"].pk, [])


@pytest.mark.django_db
def test_waiting_on_the_customer_with_a_snooze_then_taking_it_back(handled, api_client):
    contact, agent = handled["contact"], handled["handler"]
    client = api_client(agent.user)
    until = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    waiting = send(client, "POST", f"/api/contacts/{contact.pk}/wait", {"until": until.isoformat()})
    assert waiting.status_code == 200, waiting.content
    assert waiting.json()["status"] == "waiting" and waiting.json()["waiting_since"]
    assert Contact.objects.get(pk=contact.pk).snoozed_until == until
    assert routing.agent_load(agent.pk) == 0  # out of the agent's capacity
    resumed = send(client, "POST", f"/api/contacts/{contact.pk}/resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    assert resumed.json()["snoozed_until"] is None and routing.agent_load(agent.pk) == 2
    again = send(client, "POST", f"/api/contacts/{contact.pk}/resume")
    assert again.status_code == 409 and "not waiting" in detail(again)
    assert send(api_client(handled["supervisor"]), "POST", f"/api/contacts/{contact.pk}/resume").status_code == 403


@pytest.mark.django_db
def test_an_escalation_raised_and_answered_in_the_thread(handled, api_client, make_user):
    contact, agent = handled["contact"], handled["handler"]
    raised = send(api_client(agent.user), "POST", f"/api/contacts/{contact.pk}/escalations",
                  {"reason": "Le client veut un geste commercial."})
    assert raised.status_code == 201 and raised.json()["answered_at"] is None
    escalation_id = raised.json()["id"]
    # Only supervisors answer; QA reads contacts but does not act on them.
    assert send(api_client(agent.user), "POST", f"/api/escalations/{escalation_id}/answer",
                {"answer": "Moi-même"}).status_code == 403
    assert send(api_client(make_user(role="qa")), "POST", f"/api/escalations/{escalation_id}/answer",
                {"answer": "x"}).status_code == 403
    boss = api_client(handled["supervisor"])
    empty = send(boss, "POST", f"/api/escalations/{escalation_id}/answer", {"answer": "  "})
    assert empty.status_code == 422 and "answer" in detail(empty)
    assert not Escalation.objects.get(pk=escalation_id).answered_at
    answered = send(boss, "POST", f"/api/escalations/{escalation_id}/answer", {"answer": "Offre 10 euros."})
    assert answered.status_code == 200 and answered.json()["answer"] == "Offre 10 euros."
    second = send(api_client(make_user(role="admin")), "POST", f"/api/escalations/{escalation_id}/answer",
                  {"answer": "Non, 20."})
    assert second.status_code == 409 and "already answered" in detail(second)
    thread = api_client(agent.user).get(f"/api/contacts/{contact.pk}").json()["messages"]
    # The question and its answer, both in the thread (in the contact's language, French).
    assert [m["body"] for m in thread if m["direction"] == "note"] == [
        "Question posée à un superviseur : Le client veut un geste commercial.", "Offre 10 euros."]
    listed = api_client(agent.user).get(f"/api/contacts/{contact.pk}/escalations").json()
    assert [(e["reason"], e["answer"]) for e in listed] == [("Le client veut un geste commercial.", "Offre 10 euros.")]
    assert send(boss, "POST", "/api/escalations/999999/answer", {"answer": "x"}).status_code == 404


@pytest.mark.django_db
def test_transfer_to_a_colleague_then_to_a_pool(handled, api_client):
    contact, agent, other = handled["contact"], handled["handler"], handled["other"]
    Skill.objects.create(agent=other, name="billing")
    moved = send(api_client(agent.user), "POST", f"/api/contacts/{contact.pk}/transfer",
                 {"agent": other.pk, "note": "Pour toi, c'est la facture."})
    assert moved.status_code == 200 and moved.json()["agent"] == other.pk
    assert routing.agent_load(agent.pk) == 0 and routing.agent_load(other.pk) == 2
    # The first agent no longer has it; the new one hands it to the billing pool.
    assert send(api_client(agent.user), "POST", f"/api/contacts/{contact.pk}/transfer",
                {"pool": ""}).status_code == 409
    pooled = send(api_client(other.user), "POST", f"/api/contacts/{contact.pk}/transfer", {"pool": "billing"})
    assert pooled.status_code == 200 and pooled.json()["status"] == "queued" and pooled.json()["agent"] is None
    assert "area:billing" in Contact.objects.get(pk=contact.pk).extra_skills
    assert Message.objects.filter(contact=contact, direction=Direction.NOTE,
                                  body="Pour toi, c'est la facture.").exists()


@pytest.mark.django_db
def test_saved_replies_filled_for_the_contact_as_the_reader_may_see_it(handled, api_client):
    brand, contact = handled["brand"], handled["contact"]
    Macro.objects.create(brand=brand, title="Délai", body="Bonjour {customer_name}, ici {brand_name} (#{contact_id}).")
    Macro.objects.create(brand=brand, title="Delay", body="Hello", language="en")
    filled = api_client(handled["handler"].user).get(f"/api/contacts/{contact.pk}/macros").json()
    # The brand masks the name from agents: it is left empty, never filled in.
    assert filled == [{"id": filled[0]["id"], "title": "Délai",
                       "text": f"Bonjour , ici {brand.name} (#{contact.pk})."}]
    boss = api_client(handled["supervisor"]).get(f"/api/contacts/{contact.pk}/macros").json()
    assert boss[0]["text"].startswith("Bonjour Marie Client,")


@pytest.mark.django_db
def test_declining_an_offer_keeps_the_reason_the_desk_asks(make_brand, make_agent, make_contact, api_client):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    offer = routing.make_offer(contact_id=contact.pk, agent_id=agent.pk)
    client = api_client(agent.user)
    bad = send(client, "POST", f"/api/offers/{offer.pk}/decline", {"reason": "flemme"})
    assert bad.status_code == 422 and "reason" in detail(bad)
    assert Offer.objects.get(pk=offer.pk).status == "pending"
    declined = send(client, "POST", f"/api/offers/{offer.pk}/decline", {"reason": "skills"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert ContactEvent.objects.get(contact=contact, kind="declined").detail["reason"] == "skills"
    # Without a body, as before: declined with no reason.
    other = make_contact(brand=brand)
    offer = routing.make_offer(contact_id=other.pk, agent_id=agent.pk)
    assert send(client, "POST", f"/api/offers/{offer.pk}/decline").status_code == 200


def _race(*steps):
    barrier = threading.Barrier(len(steps))
    answers: list = [None] * len(steps)

    def run(i):
        try:
            barrier.wait()
            answers[i] = steps[i]()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(steps))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_taking_over_at_once_one_has_it(handled, api_client, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers race for real on PostgreSQL (SQLite serialises them)")
    contact, agent = handled["contact"], handled["handler"]
    bosses = [api_client(handled["supervisor"]), api_client(make_user(role="supervisor"))]
    answers = _race(*(lambda c=c: send(c, "POST", f"/api/contacts/{contact.pk}/take-over",
                                       {"note": "Je prends."}) for c in bosses))
    assert sorted(a.status_code for a in answers) == [200, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert "already in a supervisor's hands" in detail(refused)
    assert ContactEvent.objects.filter(contact=contact, kind="taken_over").count() == 1
    assert Message.objects.filter(contact=contact, body="Je prends.").count() == 1
    assert routing.agent_load(agent.pk) == 0
    assert not Offer.objects.filter(contact=contact, status__in=["pending", "accepted"]).exists()


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_reassigning_at_once_leave_one_agent_holding_it(handled, api_client, make_user,
                                                                        make_agent):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers race for real on PostgreSQL (SQLite serialises them)")
    contact, agent, other = handled["contact"], handled["handler"], handled["other"]
    third = make_agent(brands=[handled["brand"]], presence="available")
    bosses = [api_client(handled["supervisor"]), api_client(make_user(role="supervisor"))]
    answers = _race(*(lambda c=c, to=to: send(c, "POST", f"/api/contacts/{contact.pk}/transfer", {"agent": to.pk})
                      for c, to in zip(bosses, (other, third), strict=True)))
    assert [a.status_code for a in answers] == [200, 200]  # one after the other, both valid
    holder = Contact.objects.get(pk=contact.pk).agent_id
    assert holder in (other.pk, third.pk)
    active = list(Offer.objects.filter(contact=contact, status__in=["pending", "accepted"]))
    assert [o.agent_id for o in active] == [holder]
    loads = {a.pk: routing.agent_load(a.pk) for a in (agent, other, third)}
    assert loads == {agent.pk: 0, other.pk: 2 if holder == other.pk else 0, third.pk: 2 if holder == third.pk else 0}
