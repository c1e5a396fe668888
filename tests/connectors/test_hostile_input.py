"""Bad input that crashed (500) or was lost, each answered now: lone surrogates, year 9999
and year 0001 dates, huge offsets, 1e999, unknown statuses, payloads of the wrong shape,
payloads to unknown addresses (not stored whole), and a payload that cannot be filed (kept,
failed, replayed by ``roadie raw-replay``)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from hostile import channels, post_signed, post_whatsapp, social_payload, wa_payload, wa_text
from roadie.connectors.chat.ws import websocket_application
from roadie.desk.contacts.models import Contact, ContactEvent, Message, RawInbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks(make_brand):
    brand = make_brand(channels=("whatsapp", "social", "voice", "video", "chat"))
    return channels(brand)


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    monkeypatch.setattr("roadie.connectors.chat.ws.close_old_connections", lambda: None)


def no_raw_left_stored():
    assert not RawInbound.objects.filter(status="stored").exists()


def test_whatsapp_lone_surrogate_is_filed_with_a_replacement_character(client, hooks):
    response = post_whatsapp(client, hooks["whatsapp"], wa_payload(messages=[wa_text("\ud800x")]))
    assert response.status_code == 200, response.content
    assert Message.objects.get().body == "\ufffdx"
    no_raw_left_stored()


def test_whatsapp_provider_time_does_not_decide_the_queue(client, hooks, make_contact):
    waiting = make_contact(brand=hooks["whatsapp"].brand, channel="whatsapp")
    response = post_whatsapp(client, hooks["whatsapp"], wa_payload(messages=[wa_text("hi", timestamp="0")]))
    assert response.status_code == 200
    late = Contact.objects.exclude(pk=waiting.pk).get()
    assert late.arrived_at > waiting.arrived_at  # not ahead of who was waiting
    arrived = ContactEvent.objects.get(contact=late, kind="arrived")
    assert arrived.detail["provider_at"].startswith("1970-01-01")


def test_whatsapp_unknown_status_does_not_lose_the_messages(client, hooks):
    status = {"id": "wamid.out", "status": "deleted", "timestamp": "1749416383", "recipient_id": "1"}
    response = post_whatsapp(client, hooks["whatsapp"],
                             wa_payload(messages=[wa_text("still here")], statuses=[status]))
    assert response.status_code == 200, response.content
    assert Message.objects.get().body == "still here"


@pytest.mark.parametrize("message", [
    {"from": "1", "id": "w", "timestamp": "1", "type": "interactive", "interactive": "x"},
    {"from": "1", "id": "w", "timestamp": "1", "type": "contacts", "contacts": [{"name": "x"}]},
    {"from": "1", "id": "w", "timestamp": 1e300, "type": "text", "text": {"body": "x"}},
    {"from": "1" * 500, "id": "w", "timestamp": "1", "type": "text", "text": {"body": "x"}},
    "not an object",
])
def test_whatsapp_payload_of_a_wrong_shape_is_a_visible_failure(client, hooks, message):
    response = post_whatsapp(client, hooks["whatsapp"], wa_payload(messages=[message]))
    assert response.status_code in (200, 400), response.content
    raw = RawInbound.objects.get()
    assert raw.status in ("parsed", "failed") and (raw.status == "parsed" or raw.error)


def test_whatsapp_entry_of_a_wrong_shape_is_a_400(client, hooks):
    response = post_whatsapp(client, hooks["whatsapp"], {"object": "whatsapp_business_account",
                                                         "entry": ["x", {"changes": [7]}]})
    assert response.status_code == 400
    assert RawInbound.objects.get().status == "failed"


@pytest.mark.parametrize("sent_at", ["9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00",
                                     "0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+14:00"])
def test_social_dates_far_away_are_information_only(client, hooks, sent_at):
    url = f"/hooks/social/{hooks['social'].address}"
    response = post_signed(client, url, social_payload(sent_at=sent_at, text="\ud800x",
                                                       author={"id": "1", "name": "M\udfffe"}))
    assert response.status_code == 201, response.content
    contact = Contact.objects.get()
    assert abs(contact.arrived_at - timezone.now()) < timedelta(minutes=1)
    assert contact.customer.name == "M\ufffde"
    no_raw_left_stored()


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00"])
def test_voice_event_in_year_9999_or_0001(client, hooks, at):
    url = f"/hooks/voice/{hooks['voice'].address}"
    response = post_signed(client, url, {"event": "offered", "call_id": "c-1", "at": at})
    assert response.status_code == 200, response.content
    response = post_signed(client, url, {"event": "ended", "call_id": "c-1", "at": at})
    assert response.status_code == 200, response.content
    no_raw_left_stored()


def test_late_voice_answered_event_is_recorded_not_a_500(client, hooks, make_agent, settings):
    agent = make_agent(brands=[hooks["voice"].brand], presence="available")
    url = f"/hooks/voice/{hooks['voice'].address}"
    offered = timezone.now() - timedelta(minutes=10)
    assert post_signed(client, url, {"event": "offered", "call_id": "c-9",
                                     "at": offered.isoformat()}).status_code == 200
    settings.ROADIE_OFFER_TIMEOUT = 0.0  # any offer made now has already lapsed
    response = post_signed(client, url, {"event": "answered", "call_id": "c-9",
                                         "agent": agent.user.username})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "answered"


def test_video_form_name_with_a_lone_surrogate(client, hooks):
    slug = hooks["video"].brand.slug
    response = client.post(f"/video/{slug}/request", data=json.dumps({"name": "\ud800x"}, ensure_ascii=True),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert Contact.objects.get().customer.name == "\ufffdx"


def test_chat_hello_with_a_surrogate_and_after_1e999_keeps_the_socket(hooks):
    slug = hooks["chat"].brand.slug

    async def scenario():
        inbox, outbox = asyncio.Queue(), asyncio.Queue()
        inbox.put_nowait({"type": "websocket.connect"})
        task = asyncio.create_task(websocket_application(
            {"type": "websocket", "path": f"/chat/ws/{slug}", "headers": []}, inbox.get, outbox.put))
        frames = []
        for text in ('{"type": "hello", "name": "\\ud800x", "after": 1e999}',
                     '{"type": "hello", "session": "nope", "after": NaN}',
                     '{"type": "message", "body": "ok \\udc00", "client_id": "1"}'):
            await inbox.put({"type": "websocket.receive", "text": text})
        while len([f for f in frames if f.get("type") in ("welcome", "ack", "error")]) < 3:
            event = await asyncio.wait_for(outbox.get(), 5)
            if event["type"] == "websocket.send":
                frames.append(json.loads(event["text"]))
        await inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, 5)
        return frames

    frames = async_to_sync(scenario)()
    kinds = [f["type"] for f in frames if f["type"] in ("welcome", "ack", "error")]
    assert kinds == ["welcome", "error", "ack"]
    assert Message.objects.get().body == "ok \ufffd"


@pytest.mark.parametrize("url", ["/api/contacts?offset=9223372036854775808",
                                 "/api/contacts?offset=9223372036854775807",
                                 "/api/kb/articles?offset=9223372036854775808",
                                 "/api/contacts?offset=-1"])
def test_huge_offsets_are_a_422(api_client, make_user, url):
    response = api_client(make_user(role="admin")).get(url)
    assert response.status_code == 422 and "offset" in response.content.decode()


def test_unknown_address_or_bad_signature_never_stores_the_whole_body(client, hooks):
    big = b'{"x": "' + b"a" * 1_900_000 + b'"}'
    for _ in range(3):
        assert post_whatsapp(client, hooks["whatsapp"], big, address="nope-1").status_code == 404
        assert post_whatsapp(client, hooks["whatsapp"], big, signed=False).status_code == 401
        assert post_signed(client, f"/hooks/social/{hooks['social'].address}", big,
                           signed=False).status_code == 401
    stored = sum(len(bytes(r.payload)) for r in RawInbound.objects.all())
    assert RawInbound.objects.count() == 9 and stored <= 9 * 1024
    assert {r.status for r in RawInbound.objects.all()} == {"rejected"}
    assert all(r.meta["size"] == len(big) and r.meta["truncated"] for r in RawInbound.objects.all())


def test_refused_payloads_expire_accepted_ones_are_kept(client, hooks, settings):
    from roadie.desk.contacts.retention import prune_rejected

    settings.ROADIE_RAW_REJECTED_DAYS = 3
    post_whatsapp(client, hooks["whatsapp"], wa_payload(), address="nope")
    post_whatsapp(client, hooks["whatsapp"], wa_payload(messages=[wa_text("hi")]))
    assert prune_rejected() == 0
    RawInbound.objects.update(received_at=timezone.now() - timedelta(days=4))
    assert prune_rejected() == 1
    assert list(RawInbound.objects.values_list("status", flat=True)) == ["parsed"]


def test_a_payload_that_cannot_be_filed_is_kept_failed_and_replayed(client, hooks, monkeypatch, capsys):
    from roadie.cli import main
    from roadie.connectors.whatsapp import views

    real = views.receive
    monkeypatch.setattr(views, "receive", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full")))
    response = post_whatsapp(client, hooks["whatsapp"], wa_payload(messages=[wa_text("keep me")]))
    assert response.status_code == 500
    raw = RawInbound.objects.get()
    assert raw.status == "failed" and "disk full" in raw.error and not Message.objects.exists()
    monkeypatch.setattr(views, "receive", real)
    assert main(["raw-replay", "--list"]) == 0
    assert f"#{raw.pk}" in capsys.readouterr().out
    assert main(["raw-replay"]) == 0
    raw.refresh_from_db()
    assert raw.status == "parsed" and Message.objects.get().body == "keep me"
    assert main(["raw-replay"]) == 0 and RawInbound.objects.count() == 1  # nothing left, no copy
