"""A reply the Cloud API refuses for good (its documented error codes: 131047 outside the
24-hour window, 131026 undeliverable...) is not sent again; throttling and server errors
are. The final failure is on the message, in the contact's history, on the agent's
conversation and in the API. The stand-in Graph API answers in the documented error shape:
{"error": {"message", "type", "code", "error_data": {"messaging_product", "details"},
"fbtrace_id"}}."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from roadie.connectors.hooks import DeliveryError
from roadie.connectors.whatsapp.send import is_permanent
from roadie.desk.contacts.models import Contact, ContactEvent
from roadie.desk.contacts.tasks import MAX_ATTEMPTS, deliver_message

pytestmark = pytest.mark.django_db


def _graph_error(code: int, title: str, details: str) -> dict:
    return {"error": {"message": f"({code}) {title}", "type": "OAuthException", "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": details},
                      "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}}


def _reply(contact, make_agent, body="Votre colis part demain."):
    from roadie.desk.contacts.actions import reply
    from roadie.desk.routing.actions import accept_offer, make_offer

    agent = make_agent(brands=[contact.brand], presence="available", languages=["fr", "en"])
    accept_offer(agent.user, make_offer(contact_id=contact.pk, agent_id=agent.pk).pk)
    contact.refresh_from_db()
    return agent, reply(agent.user, contact, body=body)


def test_documented_codes_are_sorted_into_permanent_and_retried():
    assert all(is_permanent(c) for c in (131047, 131026, 131051, 100, 190, 0, 250, 132001, 133010))
    assert not any(is_permanent(c) for c in (130429, 131048, 131056, 131000, 131016, 2, 4, 80007, 999999, None))


def test_a_permanent_refusal_is_not_retried_and_shows_to_the_agent(sample, post_signed, graph, make_agent,
                                                                   client, api_client):
    post_signed(sample("text"))
    agent, message = _reply(Contact.objects.get(), make_agent)
    graph.answers.append((400, _graph_error(
        131047, "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number.")))
    DBTaskResult.objects.all().delete()
    deliver_message.func(message.pk)
    assert len(graph.requests) == 1
    assert not DBTaskResult.objects.filter(task_path__endswith="deliver_message").exists()  # no retry
    message.refresh_from_db()
    assert message.delivered_at is None and message.failed_at is not None
    assert "131047" in message.delivery_error and "24 hours" in message.delivery_error
    event = ContactEvent.objects.get(contact=message.contact, kind="not_delivered")
    assert event.detail["permanent"] is True and event.detail["attempts"] == 1

    client.force_login(agent.user)
    page = client.get(f"/desk/contacts/{message.contact_id}/").content.decode()
    assert f'data-not-delivered="{message.pk}"' in page and "24 hours" in page
    detail = api_client(agent.user).get(f"/api/contacts/{message.contact_id}").json()
    [out] = [m for m in detail["messages"] if m["id"] == message.pk]
    assert out["delivery"] == "failed" and "131047" in out["delivery_error"]


def test_throttling_is_retried_then_delivered(sample, post_signed, graph, make_agent):
    post_signed(sample("text"))
    _agent, message = _reply(Contact.objects.get(), make_agent)
    graph.answers.append((400, _graph_error(130429, "Rate limit hit", "Cloud API message throughput has been reached.")))
    DBTaskResult.objects.all().delete()
    deliver_message.func(message.pk)
    retry = DBTaskResult.objects.get(task_path__endswith="deliver_message")
    assert retry.args_kwargs["args"] == [message.pk, 2]
    message.refresh_from_db()
    assert message.failed_at is None
    deliver_message.func(message.pk, 2)
    message.refresh_from_db()
    assert message.delivered_at is not None and message.failed_at is None


def test_the_last_failed_attempt_is_a_visible_final_failure(sample, post_signed, graph, make_agent):
    post_signed(sample("text"))
    _agent, message = _reply(Contact.objects.get(), make_agent)
    graph.fail_next = 1
    with pytest.raises(DeliveryError):
        deliver_message.func(message.pk, MAX_ATTEMPTS)
    message.refresh_from_db()
    assert message.failed_at is not None and "temporarily unavailable" in message.delivery_error
    event = ContactEvent.objects.get(contact=message.contact, kind="not_delivered")
    assert event.detail == {"message": message.pk, "permanent": False, "attempts": MAX_ATTEMPTS,
                            "reason": message.delivery_error[:300]}
