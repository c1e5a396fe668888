"""Fuzzing every webhook and the chat websocket (hypothesis): signed payloads whose fields are
replaced by lone surrogates, NULs, huge and tiny numbers, year 0001 and 9999 dates, wrong
types. Whatever comes, the answer is never a 5xx and no payload is left ``stored`` (each is
parsed, failed with a reason, or rejected)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import channels, post_signed, post_whatsapp, social_payload, wa_payload, wa_text
from roadie.connectors.chat.ws import websocket_application
from roadie.desk.contacts.models import RawInbound

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=20, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

nasty_text = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=()), max_size=30),  # surrogates included
    st.sampled_from(["\ud800x", "\udfff", "\x00", "a" * 5000, "", " ", "9999-12-31T23:59:59+00:00",
                     "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "Mon, 1 Jan 0001 00:00:00 +0000",
                     "1e999", "NaN", "-1", "0", "99999999999999999999"]),
)
scalars = st.one_of(
    st.none(), st.booleans(), nasty_text,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 2**63, 2**63 - 1, -(2**63), 1e300, -1e300, 5e-324, 0.5]),
    st.floats(allow_nan=False, allow_infinity=False),
)
nasty = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(nasty_text, inner, max_size=3)), max_leaves=6)


def mutate(base: dict, keys: list[str]):
    """``base`` with some of its fields (dotted paths) replaced by hostile values."""
    return st.fixed_dictionaries({k: st.one_of(st.just(None), nasty) for k in keys}).map(
        lambda repl: _apply(base, {k: v for k, v in repl.items() if v is not None}))


def _apply(base: dict, replacements: dict) -> dict:
    data = json.loads(json.dumps(base))
    # Deepest first, so that replacing a parent afterwards stays possible.
    for path, value in sorted(replacements.items(), key=lambda kv: -kv[0].count(".")):
        node = data
        *parents, last = path.split(".")
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


@pytest.fixture
def hooks(make_brand):
    return channels(make_brand(channels=("whatsapp", "social", "voice", "video", "chat")))


def check(response) -> None:
    assert response.status_code < 500, response.content[:300]
    assert not RawInbound.objects.filter(status="stored").exists()


WA_KEYS = ["object", "entry.0.changes.0.value.metadata.phone_number_id",
           "entry.0.changes.0.value.contacts.0.profile", "entry.0.changes.0.value.messages.0.from",
           "entry.0.changes.0.value.messages.0.id", "entry.0.changes.0.value.messages.0.timestamp",
           "entry.0.changes.0.value.messages.0.type", "entry.0.changes.0.value.messages.0.text",
           "entry.0.changes.0.value.messages.0.text.body", "entry.0.changes.0.value.statuses",
           "entry.0.changes.0.value.messages", "entry.0.changes.0"]


@FUZZ
@given(data=st.data())
def test_fuzz_whatsapp(hooks, data):
    base = wa_payload(messages=[wa_text("bonjour")], statuses=[])
    payload = data.draw(mutate(base, WA_KEYS))
    check(post_whatsapp(Client(), hooks["whatsapp"], payload))


@FUZZ
@given(data=st.data())
def test_fuzz_social(hooks, data):
    payload = data.draw(mutate(social_payload(), ["network", "conversation_id", "message_id", "author",
                                                  "author.id", "author.name", "text", "sent_at"]))
    check(post_signed(Client(), f"/hooks/social/{hooks['social'].address}", payload))


@FUZZ
@given(data=st.data())
def test_fuzz_voice(hooks, data):
    base = {"event": "offered", "call_id": "c-1", "from": "+33612345678", "to": "+33170000099",
            "agent": "", "language": "fr", "at": "2026-11-23T10:15:00+00:00"}
    payload = data.draw(mutate(base, list(base)))
    check(post_signed(Client(), f"/hooks/voice/{hooks['voice'].address}", payload))


@FUZZ
@given(data=st.data())
def test_fuzz_video_request(hooks, data):
    payload = data.draw(mutate({"name": "Paul", "email": "p@example.org", "subject": "x"},
                               ["name", "email", "subject"]))
    body = json.dumps(payload, ensure_ascii=True)
    check(Client().post(f"/video/{hooks['video'].brand.slug}/request", data=body,
                        content_type="application/json"))


@FUZZ
@given(name=nasty, email=nasty, message=nasty)
def test_fuzz_chat_offline_form(hooks, name, email, message):
    form = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in
            {"name": name, "email": email, "message": message}.items()}
    form = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in form.items()}
    check(Client().post(f"/chat/{hooks['chat'].brand.slug}/offline", form))


@pytest.fixture
def keep_test_connection(monkeypatch):
    monkeypatch.setattr("roadie.connectors.chat.ws.close_old_connections", lambda: None)


@FUZZ
@given(hello=mutate({"type": "hello", "session": None, "after": 0, "name": "Ana", "email": "a@b.fr",
                     "identity": None}, ["session", "after", "name", "email", "identity"]),
       message=mutate({"type": "message", "body": "Bonjour", "client_id": "c1"},
                      ["type", "body", "client_id"]))
def test_fuzz_chat_websocket(hooks, keep_test_connection, hello, message):
    slug = hooks["chat"].brand.slug

    async def scenario():
        inbox, outbox = asyncio.Queue(), asyncio.Queue()
        inbox.put_nowait({"type": "websocket.connect"})
        task = asyncio.create_task(websocket_application(
            {"type": "websocket", "path": f"/chat/ws/{slug}", "headers": []}, inbox.get, outbox.put))
        for frame in (hello, message, {"type": "ping"}):
            await inbox.put({"type": "websocket.receive", "text": json.dumps(frame, ensure_ascii=True)})
        while True:  # the socket answers the ping after whatever came before: it is still up
            event = await asyncio.wait_for(outbox.get(), 5)
            assert event["type"] != "websocket.close"
            if event["type"] == "websocket.send" and json.loads(event["text"])["type"] == "pong":
                break
        await inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, 5)

    async_to_sync(scenario)()
    assert not RawInbound.objects.filter(status="stored").exists()
