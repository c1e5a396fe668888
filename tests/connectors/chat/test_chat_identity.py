"""The chat widget asks who the visitor is, as the brand chooses (before the first message or
during the chat): what they type is stored unverified, on the conversation's own customer,
never on the brand's existing customer with that address."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from roadie.connectors.chat.models import ChatSession
from roadie.connectors.chat.ws import websocket_application
from roadie.desk.brands.models import Channel
from roadie.desk.contacts.models import Contact, ContactEvent, Customer

pytestmark = pytest.mark.django_db


class Socket:
    def __init__(self, path: str) -> None:
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.outbox: asyncio.Queue = asyncio.Queue()
        scope = {"type": "websocket", "path": path, "headers": [(b"origin", b"https://shop.example")]}
        self.inbox.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.create_task(websocket_application(scope, self.inbox.get, self.outbox.put))

    async def send(self, frame) -> None:
        await self.inbox.put({"type": "websocket.receive", "text": json.dumps(frame)})

    async def expect(self, *kinds: str) -> dict:
        while True:
            event = await asyncio.wait_for(self.outbox.get(), 5)
            if event["type"] != "websocket.send":
                continue
            frame = json.loads(event["text"])
            if frame["type"] in kinds:
                return frame

    async def close(self) -> None:
        await self.inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, 5)


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    monkeypatch.setattr("roadie.connectors.chat.ws.close_old_connections", lambda: None)


def chat(make_brand, prompt: str | None) -> Channel:
    brand = make_brand(channels=("chat",))
    config = {"origins": ["https://shop.example"]}
    if prompt is not None:
        config["identity_prompt"] = prompt
    return Channel.objects.create(brand=brand, kind="chat", address=f"{brand.slug}-chat", config=config)


def test_before_the_first_message_the_visitor_gives_name_and_email(make_brand):
    channel = chat(make_brand, "before")
    existing = Customer.objects.create(brand=channel.brand, name="Claire Vraie", email="claire@example.org",
                                       address="12 rue Secrète")

    async def scenario():
        ws = Socket(f"/chat/ws/{channel.brand.slug}")
        await ws.send({"type": "hello"})
        welcome = await ws.expect("welcome")
        assert (welcome["ask"], welcome["known"]) == ("before", False)
        await ws.send({"type": "message", "body": "Bonjour", "client_id": "m0"})
        assert "name and email before the first message" in (await ws.expect("error"))["detail"]
        for bad, field in (({"name": "", "email": "a@b.fr"}, "name"),
                           ({"name": "Claire", "email": "pas-une-adresse"}, "email"),
                           ({"name": ["x"], "email": "a@b.fr"}, "strings")):
            await ws.send({"type": "identify", **bad})
            assert field in (await ws.expect("error"))["detail"]
        await ws.send({"type": "identify", "name": "Claire", "email": "claire@example.org"})
        assert (await ws.expect("identified", "error"))["type"] == "identified"
        await ws.send({"type": "message", "body": "Ma commande ?", "client_id": "m1"})
        await ws.expect("ack")
        await ws.close()
        again = Socket(f"/chat/ws/{channel.brand.slug}")
        session = await sync_to_async(ChatSession.objects.get)()
        await again.send({"type": "hello", "session": session.token})
        assert (await again.expect("welcome"))["known"] is True  # not asked again
        await again.close()

    async_to_sync(scenario)()
    contact = Contact.objects.select_related("customer").get()
    # The address typed is Claire's, but nothing proves it: a new, unverified customer.
    assert contact.customer != existing and contact.customer.verified is False
    assert (contact.customer.name, contact.customer.email) == ("Claire", "claire@example.org")
    assert existing.contacts.count() == 0


def test_during_the_chat_the_name_goes_on_the_conversation_own_customer(make_brand):
    channel = chat(make_brand, None)  # the default: during
    existing = Customer.objects.create(brand=channel.brand, name="Paul Vrai", email="paul@example.org")

    async def scenario():
        ws = Socket(f"/chat/ws/{channel.brand.slug}")
        await ws.send({"type": "hello"})
        assert (await ws.expect("welcome"))["ask"] == "during"
        await ws.send({"type": "message", "body": "Bonjour, une question", "client_id": "m1"})
        await ws.expect("ack")
        await ws.send({"type": "identify", "name": "Paul", "email": "paul@example.org"})
        await ws.expect("identified")
        await ws.close()

    async_to_sync(scenario)()
    contact = Contact.objects.select_related("customer").get()
    assert contact.customer != existing and contact.customer.verified is False
    assert (contact.customer.name, contact.customer.email) == ("Paul", "paul@example.org")
    assert ContactEvent.objects.get(contact=contact, kind="identified").detail == {"fields": ["name", "email"]}
    session = ChatSession.objects.get()
    assert (session.name, session.email, session.verified) == ("Paul", "paul@example.org", False)


def test_a_vouched_visitor_keeps_the_brand_email(make_brand):
    from roadie.desk.contacts import actions

    channel = chat(make_brand, "during")
    verified = Customer.objects.create(brand=channel.brand, name="Léa", email="lea@example.org")
    contact, _, _ = actions.receive(actions.Inbound(
        brand=channel.brand, channel="chat", body="Bonjour", external_id="tok",
        customer=actions.CustomerData(name="Léa", email="lea@example.org", verified=True)))
    assert contact.customer == verified
    actions.visitor_identifies(contact, name="Quelqu'un", email="autre@example.org")
    verified.refresh_from_db()
    assert (verified.name, verified.email) == ("Léa", "lea@example.org")


def test_the_agent_sees_the_typed_address_as_unconfirmed(make_brand, make_agent, client):
    from roadie.desk.contacts import actions
    from roadie.desk.contacts.models import Status

    channel = chat(make_brand, "during")
    agent = make_agent(brands=[channel.brand])
    contact, _, _ = actions.receive(actions.Inbound(
        brand=channel.brand, channel="chat", body="Bonjour", external_id="tok2",
        customer=actions.CustomerData(name="Visiteur", verified=False)))
    actions.visitor_identifies(contact, name="Marc", email="marc@example.org")
    Contact.objects.filter(pk=contact.pk).update(agent=agent, status=Status.ACTIVE)
    client.force_login(agent.user)
    page = client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    assert "Marc" in page and "marc@example.org" in page and "unconfirmed" in page
