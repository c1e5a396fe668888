"""The call panel on the agent's contact page: the caller (masked as the brand requires), the
time on the line, hold / resume, transfer, end, then the wrap-up. Each step is told to the
provider (a local HTTP server standing for roadie's generic telephony cloud: signed JSON
commands, docs/channels.md) before it is recorded; a refusal records nothing."""

from __future__ import annotations

import pytest

from roadie.connectors.voice.models import Call
from roadie.desk.contacts.models import Status
from roadie.desk.routing.actions import accept_offer, make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_call(call_event, line, make_agent, client):
    """A call taken by agent amina, her contact page open."""
    agent = make_agent(brands=[line.brand], presence="available", username="amina")
    call_event({"event": "offered", "call_id": "p-1", "from": "+33612345678"})
    call = Call.objects.get(call_id="p-1")
    accept_offer(agent.user, make_offer(contact_id=call.contact_id, agent_id=agent.pk).pk)
    client.force_login(agent.user)
    return call, agent


def page(client, call) -> str:
    return client.get(f"/desk/contacts/{call.contact_id}/").content.decode()


def post(client, call, step: str, data: dict | None = None) -> str:
    response = client.post(f"/calls/{call.contact_id}/{step}", data or {}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_the_whole_call_from_the_panel(on_call, provider, client, call_event):
    call, agent = on_call
    html = page(client, call)
    assert 'data-call-state="on-line"' in html and "+33612345678" in html
    assert "data-on-line" in html and 'id="reply-body"' not in html  # no text reply for a call
    assert ">Hold</button>" in html and ">End call</button>" in html

    html = post(client, call, "hold")
    assert "The caller is on hold." in html and 'data-call-state="held"' in html and ">Resume</button>" in html
    call.refresh_from_db()
    assert call.held_at is not None and call.holds == 1
    html = post(client, call, "resume")
    assert 'data-call-state="on-line"' in html
    call.refresh_from_db()
    assert call.held_at is None and call.hold_seconds >= 0

    html = post(client, call, "end")
    assert "Call ended: choose the wrap-up code." in html and "data-wrap-up" in html and ">Hold</button>" not in html
    call.refresh_from_db()
    assert call.state == "ended" and call.talk_seconds is not None and call.ended_at is not None
    assert [(c["command"], c["call_id"], c["signed"]) for c in provider.commands] == [
        ("hold", "p-1", True), ("resume", "p-1", True), ("end", "p-1", True)]
    # The provider's own "ended" afterwards changes nothing.
    ended_at = call.ended_at
    call_event({"event": "ended", "call_id": "p-1"})
    call.refresh_from_db()
    assert call.ended_at == ended_at

    code = call.contact.brand.wrap_up_codes.values_list("code", flat=True).first() or "done"
    client.post(f"/desk/contacts/{call.contact_id}/resolve", {"wrap_up_code": code})
    call = Call.objects.select_related("contact").get(pk=call.pk)
    assert call.contact.status == Status.RESOLVED and call.wrap_seconds is not None


def test_a_provider_refusal_records_nothing(on_call, provider, client):
    call, _ = on_call
    provider.status = 503
    html = post(client, call, "hold")
    assert "the phone provider refused to hold the call (HTTP 503)" in html
    call.refresh_from_db()
    assert call.held_at is None and call.holds == 0
    post(client, call, "end")
    call = Call.objects.select_related("contact").get(pk=call.pk)
    assert call.ended_at is None and call.contact.status == Status.ACTIVE


def test_transfer_to_a_colleague_and_to_the_queue(on_call, provider, client, make_agent, line):
    call, _ = on_call
    bruno = make_agent(brands=[line.brand], presence="available", username="bruno")
    html = page(client, call)
    assert f'<option value="{bruno.pk}">' in html and '<option value="queue">' in html
    response = client.post(f"/calls/{call.contact_id}/transfer", {"to": str(bruno.pk)})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    call.contact.refresh_from_db()
    assert call.contact.agent == bruno
    assert provider.commands[-1] == {"command": "transfer", "call_id": "p-1", "to": {"agent": "bruno"}, "signed": True}

    client.force_login(bruno.user)
    client.post(f"/calls/{call.contact_id}/transfer", {"to": "queue"})
    call.contact.refresh_from_db()
    assert call.contact.status == Status.QUEUED and call.contact.agent is None
    assert provider.commands[-1]["to"] == {"queue": line.brand.slug}


def test_a_refused_transfer_leaves_the_call_where_it_was(on_call, provider, client, make_agent, line):
    call, agent = on_call
    bruno = make_agent(brands=[line.brand], presence="available", username="bruno")
    provider.status = 500
    html = post(client, call, "transfer", {"to": str(bruno.pk)})
    assert "refused to transfer" in html
    call.contact.refresh_from_db()
    assert call.contact.agent == agent and call.contact.status == Status.ACTIVE


def test_without_a_provider_to_tell_the_steps_are_recorded(on_call, client):
    call, _ = on_call
    post(client, call, "hold")
    call.refresh_from_db()
    assert call.held_at is not None


def test_the_caller_is_masked_as_the_brand_requires(on_call, client, line):
    call, _ = on_call
    type(line.brand).objects.filter(pk=line.brand.pk).update(masked_fields=["phone"])
    html = page(client, call)
    assert "12345678" not in html and "hidden by the brand" in html


def test_only_the_agent_on_the_call_controls_it(on_call, provider, make_agent, line, client):
    call, _ = on_call
    other = make_agent(brands=[line.brand], presence="available")
    client.force_login(other.user)
    response = client.post(f"/calls/{call.contact_id}/hold")
    assert response.status_code == 404  # not a contact they may see
    assert not provider.commands


def test_twilio_calls_show_the_panel_without_buttons(client, line, make_agent):
    from roadie.connectors.voice.twilio import signature

    agent = make_agent(brands=[line.brand], presence="available")
    form = {"CallSid": "CA1", "CallStatus": "ringing", "From": "+33600000001", "To": line.address}
    url = f"http://testserver/hooks/voice/{line.address}/twilio"
    client.post(f"/hooks/voice/{line.address}/twilio", form,
                HTTP_X_TWILIO_SIGNATURE=signature("twilio-token", url, list(form.items())))
    call = Call.objects.get(call_id="CA1")
    accept_offer(agent.user, make_offer(contact_id=call.contact_id, agent_id=agent.pk).pk)
    client.force_login(agent.user)
    html = page(client, call)
    assert 'data-call-state="on-line"' in html and ">Hold</button>" not in html and ">End call</button>" not in html
