"""WhatsApp Cloud API: the verification handshake, signed webhooks with the documented sample
payloads (text, media, statuses), bad input kept and refused, replies out with retries."""

from __future__ import annotations

import json
import logging

import pytest

from roadie.connectors.whatsapp.models import DeliveryStatus
from roadie.desk.contacts.models import Contact, Direction, Message, RawInbound

pytestmark = pytest.mark.django_db

PHONE_NUMBER_ID = "106540352242922"


def test_verification_handshake(client, whatsapp):
    url = f"/hooks/whatsapp/{whatsapp.address}"
    ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "let-me-in", "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    wrong = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403
    assert client.get("/hooks/whatsapp/nowhere", {"hub.mode": "subscribe"}).status_code == 403


def test_text_message_becomes_one_contact_even_delivered_twice(sample, post_signed, whatsapp):
    first = post_signed(sample("text"))
    again = post_signed(sample("text"))
    assert first.status_code == again.status_code == 200
    assert first.json()["new"] == 1 and again.json()["new"] == 0
    contact = Contact.objects.get(brand=whatsapp.brand, channel="whatsapp")
    assert contact.external_id == "16505551234"
    assert contact.customer.phone == "+16505551234" and contact.customer.name == "Sheena Nelson"
    [message] = contact.messages.all()
    assert message.body == "Does it come in another color?"
    assert message.external_id.startswith("wamid.")
    assert list(RawInbound.objects.filter(channel="whatsapp").values_list("status", flat=True).order_by("pk")) \
        == ["parsed", "duplicate"]


@pytest.mark.parametrize("name, expected", [
    ("image", ["[image: image/jpeg, media id 1003383421387256]", "Best succulent ever?"]),
    ("document", ["[document: invoice-march.pdf, media id 2006954816465120]", "Invoice for March"]),
])
def test_media_messages_show_their_kind_caption_and_media_id(sample, post_signed, name, expected):
    assert post_signed(sample(name)).status_code == 200
    body = Message.objects.get().body
    assert body.splitlines() == expected


def test_unsupported_message_becomes_a_flagged_contact(sample, post_signed):
    assert post_signed(sample("unsupported")).status_code == 200
    contact = Contact.objects.get()
    assert contact.flagged and "unsupported" in contact.flag_reason


@pytest.mark.parametrize("signature, reason", [
    (None, "missing X-Hub-Signature-256"),
    ("sha256=" + "0" * 64, "does not match"),
    ("sha1=abc", "does not match"),
])
def test_wrong_or_missing_signature_is_401_logged_and_kept_aside(sample, post_signed, caplog, signature, reason):
    with caplog.at_level(logging.WARNING, logger="roadie.connectors"):
        response = post_signed(sample("text"), signature=signature)
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    raw = RawInbound.objects.get()
    assert raw.status == "rejected" and reason in raw.error
    assert bytes(raw.payload) == sample("text")
    assert not Contact.objects.exists()
    assert any(reason in r.getMessage() for r in caplog.records)


def test_bad_input_is_a_clear_4xx_and_nothing_is_lost(sample, post_signed):
    garbage = b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages"'
    response = post_signed(garbage)
    assert response.status_code == 400 and "not JSON" in response.json()["detail"]
    shapeless = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [
        {"field": "messages", "value": {"metadata": {"phone_number_id": PHONE_NUMBER_ID},
                                        "messages": [{"type": "text"}]}}]}]}).encode()
    response = post_signed(shapeless)
    assert response.status_code == 400 and "from is missing" in response.json()["detail"]
    stranger = sample("text").replace(PHONE_NUMBER_ID.encode(), b"999")
    assert post_signed(stranger).status_code == 422
    assert post_signed(sample("text"), address="unknown-number").status_code == 404
    kept = list(RawInbound.objects.order_by("pk").values_list("status", flat=True))
    assert kept == ["failed", "failed", "rejected", "rejected"]
    assert not Contact.objects.exists()


def test_statuses_are_recorded_against_the_sent_reply(sample, post_signed, whatsapp, caplog):
    post_signed(sample("text"))
    contact = Contact.objects.get()
    sent = Message.objects.create(contact=contact, direction=Direction.OUTBOUND, body="Oui, en bleu.",
                                  external_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA")
    assert post_signed(sample("status_delivered")).json()["statuses"] == 1
    with caplog.at_level(logging.WARNING, logger="roadie.connectors.whatsapp"):
        post_signed(sample("status_failed"))
    post_signed(sample("status_delivered"))  # delivered twice: recorded once
    states = list(DeliveryStatus.objects.filter(message=sent).values_list("state", flat=True))
    assert states == ["delivered", "failed"]
    assert "131047" in DeliveryStatus.objects.get(state="failed").error
    assert any("could not deliver" in r.getMessage() for r in caplog.records)


def _reply(contact, make_agent, body="Oui, il existe en bleu."):
    from roadie.desk.contacts.actions import reply
    from roadie.desk.routing.actions import accept_offer, make_offer

    agent = make_agent(brands=[contact.brand], presence="available", languages=["fr", "en"])
    offer = make_offer(contact_id=contact.pk, agent_id=agent.pk)
    accept_offer(agent.user, offer.pk)
    contact.refresh_from_db()
    return reply(agent.user, contact, body=body)


def test_reply_goes_to_the_graph_api_in_the_documented_shape(sample, post_signed, graph, make_agent,
                                                             django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from roadie.desk.contacts.tasks import deliver_message

    post_signed(sample("text"))
    with django_capture_on_commit_callbacks(execute=True):
        message = _reply(Contact.objects.get(), make_agent)
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_message").count() == 1
    deliver_message.func(message.pk)
    [request] = graph.requests
    assert request["json"] == {"messaging_product": "whatsapp", "recipient_type": "individual",
                               "to": "16505551234", "type": "text",
                               "text": {"preview_url": False, "body": "Oui, il existe en bleu."}}
    assert request["path"] == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    message.refresh_from_db()
    assert message.delivered_at is not None and message.external_id == "wamid.sent-1"


def test_failed_reply_is_retried_later_with_backoff(sample, post_signed, graph, make_agent):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from roadie.desk.contacts.tasks import deliver_message

    post_signed(sample("text"))
    message = _reply(Contact.objects.get(), make_agent)
    graph.fail_next = 1
    deliver_message.func(message.pk)
    message.refresh_from_db()
    assert message.delivered_at is None
    retry = DBTaskResult.objects.get(task_path__endswith="deliver_message")
    assert retry.args_kwargs["args"] == [message.pk, 2]
    assert retry.run_after > timezone.now()
    deliver_message.func(message.pk, 2)
    message.refresh_from_db()
    assert message.delivered_at is not None
    assert len(graph.requests) == 2


def test_gives_up_after_the_last_attempt(sample, post_signed, graph, make_agent):
    from roadie.connectors.hooks import DeliveryError
    from roadie.desk.contacts.tasks import MAX_ATTEMPTS, deliver_message

    post_signed(sample("text"))
    message = _reply(Contact.objects.get(), make_agent)
    graph.fail_next = 1
    with pytest.raises(DeliveryError):
        deliver_message.func(message.pk, MAX_ATTEMPTS)
