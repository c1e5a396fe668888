"""The chat websocket application, driven in-process as an ASGI server would: hello, resume,
messages both ways, bad frames answered with an error (and kept), unknown brands refused."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from roadie.connectors.chat.models import ChatSession
from roadie.connectors.chat.tasks import abandon_if_gone
from roadie.connectors.chat.ws import websocket_application
from roadie.desk.brands.models import Channel
from roadie.desk.contacts.models import Contact, Direction, Message, RawInbound

# async_to_sync from the test's thread brings the app's database calls back to this thread,
# inside the test's transaction.
pytestmark = pytest.mark.django_db


class Socket:
    """One websocket connection to the ASGI app."""

    def __init__(self, path: str) -> None:
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.outbox: asyncio.Queue = asyncio.Queue()
        scope = {"type": "websocket", "path": path, "headers": [(b"origin", b"https://shop.example")]}
        self.inbox.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.create_task(websocket_application(scope, self.inbox.get, self.outbox.put))

    async def accepted(self) -> str:
        return (await asyncio.wait_for(self.outbox.get(), 5))["type"]

    async def send(self, frame) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        await self.inbox.put({"type": "websocket.receive", "text": text})

    async def expect(self, kind: str) -> dict:
        while True:
            event = await asyncio.wait_for(self.outbox.get(), 5)
            frame = json.loads(event["text"])
            if frame["type"] == kind:
                return frame

    async def close(self) -> None:
        await self.inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, 5)


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """The app recycles stale connections around each call; the test's one must stay open."""
    monkeypatch.setattr("roadie.connectors.chat.ws.close_old_connections", lambda: None)


@pytest.fixture
def chat(make_brand):
    brand = make_brand(channels=("chat",))
    return Channel.objects.create(brand=brand, kind="chat", address=f"{brand.slug}-chat",
                                  config={"origins": ["https://shop.example"]})


def test_conversation_resumes_and_bad_frames_are_answered(chat):
    path = f"/chat/ws/{chat.brand.slug}"

    async def scenario():
        ws = Socket(path)
        assert await ws.accepted() == "websocket.accept"
        await ws.send({"type": "message", "body": "too early", "client_id": "a"})
        assert "hello first" in (await ws.expect("error"))["detail"]
        await ws.send({"type": "hello", "session": None})
        welcome = await ws.expect("welcome")
        welcome["session_pk"] = (await sync_to_async(ChatSession.objects.get)()).pk
        assert welcome["open"] is True and welcome["resumed"] is False
        await ws.send({"type": "message", "body": "Bonjour, ma commande ?", "client_id": "m1"})
        ack = await ws.expect("ack")
        await ws.send({"type": "message", "body": "Bonjour, ma commande ?", "client_id": "m1"})  # resent
        assert (await ws.expect("ack"))["id"] == ack["id"]
        await ws.send("{not json")
        assert "JSON" in (await ws.expect("error"))["detail"]
        await ws.send({"type": "message", "body": "   ", "client_id": "m2"})
        assert (await ws.expect("error"))["detail"] == "empty message"
        await ws.send({"type": "dance"})
        await ws.expect("error")
        await ws.close()
        first_left = (await sync_to_async(ChatSession.objects.get)()).left_at
        assert first_left is not None

        contact = await sync_to_async(Contact.objects.get)()
        await sync_to_async(Message.objects.create)(contact=contact, direction=Direction.NOTE, body="internal")
        await sync_to_async(Message.objects.create)(contact=contact, direction=Direction.OUTBOUND,
                                                    body="Elle part demain.")
        again = Socket(path)
        await again.accepted()
        await again.send({"type": "hello", "session": welcome["session"], "after": ack["id"]})
        assert (await again.expect("welcome"))["resumed"] is True
        reply = await again.expect("message")
        assert reply["from"] == "agent" and reply["body"] == "Elle part demain."
        await again.send({"type": "ping"})
        await again.expect("pong")  # the internal note never came
        # The visitor came back in time: the first departure abandons nothing.
        assert await sync_to_async(abandon_if_gone.func)(welcome["session_pk"], first_left.isoformat()) is False
        await again.close()

        refused = Socket("/chat/ws/no-such-brand")
        assert (await asyncio.wait_for(refused.outbox.get(), 5)) == {"type": "websocket.close", "code": 4404}

    async_to_sync(scenario)()
    contact = Contact.objects.get()
    assert contact.channel == "chat" and contact.messages.filter(direction="in").count() == 1
    # Every frame is stored raw before it is read, and says how it ended.
    frames = [(bytes(r.payload), r.status) for r in RawInbound.objects.order_by("pk")]
    assert [status for _, status in frames] == [
        "rejected", "parsed", "parsed", "duplicate", "rejected", "rejected", "rejected",  # 1st socket
        "parsed", "parsed"]  # the resumed one: hello, ping
    assert frames[4][0] == b"{not json"
    rejected = RawInbound.objects.filter(status="rejected").order_by("pk")
    errors = [r.error for r in rejected]
    assert errors[0] == "say hello first" and "not JSON" in errors[1] and errors[2] == "empty message"


def test_visitor_gone_for_good_abandons_the_waiting_chat(chat):
    from django_tasks_db.models import DBTaskResult

    async def scenario():
        ws = Socket(f"/chat/ws/{chat.brand.slug}")
        await ws.accepted()
        await ws.send({"type": "hello"})
        await ws.expect("welcome")
        await ws.send({"type": "message", "body": "Allô ?", "client_id": "x"})
        await ws.expect("ack")
        await ws.close()

    async_to_sync(scenario)()
    session = ChatSession.objects.get()
    task = DBTaskResult.objects.get(task_path__endswith="abandon_if_gone")
    assert task.run_after > session.left_at
    assert abandon_if_gone.func(*task.args_kwargs["args"]) is True
    assert Contact.objects.get().status == "abandoned"


def test_other_origins_are_refused(chat):
    async def scenario():
        inbox: asyncio.Queue = asyncio.Queue()
        sent = []
        inbox.put_nowait({"type": "websocket.connect"})

        async def send(event):
            sent.append(event)

        scope = {"type": "websocket", "path": f"/chat/ws/{chat.brand.slug}",
                 "headers": [(b"origin", b"https://evil.example")]}
        await websocket_application(scope, inbox.get, send)
        return sent

    accept, error, close = async_to_sync(scenario)()
    assert accept == {"type": "websocket.accept"} and close["code"] == 4403
    frame = json.loads(error["text"])
    assert frame["type"] == "error" and frame["fatal"] and "https://evil.example" in frame["detail"]
