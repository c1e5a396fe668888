"""The call panel's API twins: hold, resume, end and transfer of a call on the line, told to
the provider (the local server of ``conftest.provider``, signed JSON commands) before they are
recorded; the panel's access rules; a provider's refusal is 409 with its reason."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from roadie.connectors.voice.models import Call
from roadie.desk.contacts.models import ContactEvent, Status
from roadie.desk.routing.actions import accept_offer, make_offer

pytestmark = pytest.mark.django_db


def post(client, contact_id: int, step: str, body: dict | None = None):
    return client.post(f"/api/contacts/{contact_id}/call/{step}", data=json.dumps(body or {}),
                       content_type="application/json")


@pytest.fixture
def on_call(call_event, line, make_agent, api_client):
    """A call taken by agent amina; her API client."""
    agent = make_agent(brands=[line.brand], presence="available", username="amina")
    call_event({"event": "offered", "call_id": "a-1", "from": "+33612345678"})
    call = Call.objects.get(call_id="a-1")
    accept_offer(agent.user, make_offer(contact_id=call.contact_id, agent_id=agent.pk).pk)
    return call, agent, api_client(agent.user)


def test_hold_resume_and_end_over_the_api(on_call, provider):
    call, agent, amina = on_call
    answer = post(amina, call.contact_id, "hold")
    assert answer.status_code == 200, answer.content
    assert answer.json()["on_hold"] is True and answer.json()["holds"] == 1
    assert post(amina, call.contact_id, "hold").json() == {"detail": "the caller is already on hold"}

    answer = post(amina, call.contact_id, "resume")
    assert answer.status_code == 200 and answer.json()["on_hold"] is False
    answer = post(amina, call.contact_id, "end")
    assert answer.status_code == 200
    out = answer.json()
    assert out["state"] == "ended" and out["ended_at"] and out["talk_seconds"] is not None
    assert out["contact_status"] == Status.ACTIVE and out["agent"] == agent.pk  # wrap-up follows
    assert [(c["command"], c["call_id"], c["signed"]) for c in provider.commands] == [
        ("hold", "a-1", True), ("resume", "a-1", True), ("end", "a-1", True)]

    answer = post(amina, call.contact_id, "hold")
    assert answer.status_code == 409 and answer.json()["detail"] == "the call is not on the line"
    assert len(provider.commands) == 3


def test_a_provider_refusal_is_409_with_its_reason_and_records_nothing(on_call, provider):
    call, _, amina = on_call
    provider.status, provider.reason = 503, json.dumps({"reason": "caller already transferred"}).encode()
    answer = post(amina, call.contact_id, "hold")
    assert answer.status_code == 409
    assert answer.json()["detail"] == ("the phone provider refused to hold the call "
                                       "(HTTP 503: caller already transferred)")
    provider.status, provider.reason = 409, b"  line\n busy  "
    answer = post(amina, call.contact_id, "end")
    assert answer.json()["detail"] == "the phone provider refused to end the call (HTTP 409: line busy)"
    call = Call.objects.select_related("contact").get(pk=call.pk)
    assert call.held_at is None and call.holds == 0 and call.ended_at is None
    assert call.contact.status == Status.ACTIVE


def test_transfer_to_a_colleague_then_to_the_queue(on_call, provider, make_agent, line, api_client):
    call, _, amina = on_call
    bruno = make_agent(brands=[line.brand], presence="available", username="bruno")
    answer = post(amina, call.contact_id, "transfer", {"agent": bruno.pk, "note": "Facture."})
    assert answer.status_code == 200, answer.content
    assert answer.json()["agent"] == bruno.pk and answer.json()["contact_status"] == Status.ACTIVE
    assert provider.commands[-1] == {"command": "transfer", "call_id": "a-1", "to": {"agent": "bruno"},
                                     "signed": True}
    # amina no longer has it: her next step is refused, and nothing reaches the provider.
    answer = post(amina, call.contact_id, "hold")
    assert answer.status_code == 409 and answer.json()["detail"] == "only the agent on this call may do this"
    assert len(provider.commands) == 1

    answer = post(api_client(bruno.user), call.contact_id, "transfer", {"queue": True})
    assert answer.status_code == 200
    assert answer.json()["contact_status"] == Status.QUEUED and answer.json()["agent"] is None
    assert provider.commands[-1]["to"] == {"queue": line.brand.slug}


@pytest.mark.parametrize("body, field", [
    ({}, "agent"), ({"queue": False}, "agent"), ({"agent": 1, "queue": True}, "agent"),
    ({"agent": 999_999}, "agent: no agent 999999"), ({"agent": "bruno"}, "agent"),
    ({"queue": True, "note": 5}, "note"),
])
def test_bad_transfer_input_is_422_naming_the_field_and_sends_nothing(on_call, provider, body, field):
    call, agent, amina = on_call
    answer = post(amina, call.contact_id, "transfer", body)
    assert answer.status_code == 422, answer.content
    assert field in json.dumps(answer.json()["detail"])
    call.contact.refresh_from_db()
    assert call.contact.agent == agent and call.contact.status == Status.ACTIVE
    assert not provider.commands
    assert not ContactEvent.objects.filter(contact=call.contact, kind__in=("transferred", "reassigned")).exists()


def test_the_panels_access_rules(on_call, provider, make_agent, make_user, make_contact, line, api_client):
    call, _, amina = on_call
    other = make_agent(brands=[line.brand], presence="available")
    assert post(api_client(other.user), call.contact_id, "hold").status_code == 404
    for role in ("finance", "qa"):
        answer = post(api_client(make_user(role=role)), call.contact_id, "hold")
        assert answer.status_code == 403 and answer.json()["detail"] == "agents and supervisors only"
    assert post(Client(), call.contact_id, "hold").status_code == 401
    assert not provider.commands

    supervisor = api_client(make_user(role="supervisor"))
    assert post(supervisor, call.contact_id, "hold").json()["on_hold"] is True
    assert post(supervisor, call.contact_id, "resume").status_code == 200
    assert [c["command"] for c in provider.commands] == ["hold", "resume"]

    chat = make_contact(brand=line.brand, body="Bonjour")
    answer = post(supervisor, chat.pk, "hold")
    assert answer.status_code == 409 and answer.json()["detail"] == f"contact #{chat.pk} is not a call"

