"""The chat websocket stores every frame raw before reading it (hello, message, survey, ping,
unreadable or unknown ones), and each says how it ended; an oversize frame keeps its first
bytes; a flood past the frame limit is answered and not stored."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync

from roadie.connectors.chat.ws import MAX_FRAME, websocket_application
from roadie.desk.brands.models import Channel
from roadie.desk.contacts.models import RawInbound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    monkeypatch.setattr("roadie.connectors.chat.ws.close_old_connections", lambda: None)


@pytest.fixture
def chat(make_brand):
    brand = make_brand(channels=("chat",))
    return Channel.objects.create(brand=brand, kind="chat", address=f"{brand.slug}-chat")


def _talk(path: str, frames: list[str]) -> list[dict]:
    async def scenario():
        inbox: asyncio.Queue = asyncio.Queue()
        answers: list[dict] = []
        inbox.put_nowait({"type": "websocket.connect"})

        async def send(event):
            if event["type"] == "websocket.send":
                answers.append(json.loads(event["text"]))
            if event["type"] == "websocket.accept":
                for text in frames:
                    await inbox.put({"type": "websocket.receive", "text": text})
                await inbox.put({"type": "websocket.disconnect", "code": 1000})

        scope = {"type": "websocket", "path": path, "client": ("203.0.113.9", 5000), "headers": []}
        await asyncio.wait_for(websocket_application(scope, inbox.get, send), 20)
        return answers

    return async_to_sync(scenario)()


def test_every_frame_is_stored_before_it_is_read(chat):
    frames = ['{"type": "hello", "name": "L\\u00e9a"}', '{"type": "ping"}', "[1]", '{"type": 5}',
              '{"type": "message", "body": "Bonjour", "client_id": "c1"}',
              '{"type": "survey", "rating": 5}', "x" * (MAX_FRAME + 10)]
    answers = _talk(f"/chat/ws/{chat.brand.slug}", frames)
    assert [a["type"] for a in answers if a["type"] in ("error", "ack", "pong")] == [
        "pong", "error", "error", "ack", "error", "error"]
    rows = list(RawInbound.objects.order_by("pk"))
    assert len(rows) == len(frames)  # one row per frame, the message's included (not two)
    assert [r.status for r in rows] == ["parsed", "parsed", "rejected", "rejected", "parsed", "rejected",
                                        "rejected"]
    assert [bytes(r.payload) for r in rows[:6]] == [f.encode() for f in frames[:6]]
    assert rows[4].contact_id is not None  # the message frame, with its contact
    assert "no survey" in rows[5].error
    oversize = rows[6]
    assert len(bytes(oversize.payload)) == 1024 and oversize.meta["size"] == MAX_FRAME + 10
    assert oversize.meta["truncated"] is True and "larger" in oversize.error
    assert all(r.source == "chat-ws" and r.brand_id == chat.brand_id for r in rows)


def test_a_flood_of_frames_is_answered_and_not_stored(chat, settings):
    settings.ROADIE_RATE_LIMITS = {"chat-frame": {"address": [5, 60]}}
    answers = _talk(f"/chat/ws/{chat.brand.slug}", ['{"type": "ping"}'] * 12)
    assert sum(a["type"] == "pong" for a in answers) == 5
    assert sum(a["type"] == "error" and "too many frames" in a["detail"] for a in answers) == 7
    assert RawInbound.objects.count() == 5
