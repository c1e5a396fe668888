"""Identity from what a visitor types: the chat widget, the offline form and the video form
never attach a conversation to an existing customer by a typed email. The brand's signed
identity token, or the confirmation link mailed to the address, does."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from roadie.connectors.chat.ws import websocket_application
from roadie.desk.brands.models import Channel
from roadie.desk.contacts import identity
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact, Customer
from roadie.desk.contacts.tasks import send_identity_confirmation
from roadie.desk.routing.actions import accept_offer, make_offer

pytestmark = pytest.mark.django_db

SECRET = "brand-site-secret"
VICTIM = "alice@example.org"


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    monkeypatch.setattr("roadie.connectors.chat.ws.close_old_connections", lambda: None)


@pytest.fixture
def shop(make_brand, make_agent, settings):
    settings.ROADIE_VIDEO_URL_TEMPLATE = "https://meet.example.org/{contact_id}-{token}"
    brand = make_brand(channels=("chat", "email", "video"))
    Channel.objects.create(brand=brand, kind="chat", address=f"{brand.slug}-chat",
                           config={"identity_secret": SECRET})
    Channel.objects.create(brand=brand, kind="video", address=f"{brand.slug}-video",
                           config={"identity_secret": SECRET})
    known, _, _ = receive(Inbound(brand=brand, channel="email", body="Ma commande 77",
                                  customer=CustomerData(name="Alice", email=VICTIM,
                                                        phone="+33 6 11 22 33 44",
                                                        address="3 rue Réelle")))
    agent = make_agent(brands=[brand], presence="available", capacity=10)
    return {"brand": brand, "known": known.customer, "agent": agent}


def chat(brand, hello: dict, body: str = "Bonjour") -> Contact:
    async def scenario():
        inbox, outbox = asyncio.Queue(), asyncio.Queue()
        inbox.put_nowait({"type": "websocket.connect"})
        task = asyncio.create_task(websocket_application(
            {"type": "websocket", "path": f"/chat/ws/{brand.slug}", "headers": []}, inbox.get, outbox.put))
        await inbox.put({"type": "websocket.receive", "text": json.dumps({"type": "hello", **hello})})
        await inbox.put({"type": "websocket.receive",
                         "text": json.dumps({"type": "message", "body": body, "client_id": "m1"})})
        while True:
            frame = json.loads((await asyncio.wait_for(outbox.get(), 5)).get("text") or "{}")
            if frame.get("type") in ("ack", "error"):
                break
        await inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, 5)
        return frame

    frame = async_to_sync(scenario)()
    assert frame["type"] == "ack", frame
    return Contact.objects.select_related("customer").get(messages__pk=frame["id"])


def agent_sees(shop, contact) -> str:
    offer = make_offer(contact_id=contact.pk, agent_id=shop["agent"].pk)
    accept_offer(shop["agent"].user, offer.pk)
    page = Client()
    page.force_login(shop["agent"].user)
    return page.get(f"/desk/contacts/{contact.pk}/").content.decode()


def test_a_typed_email_in_the_chat_is_a_new_unverified_customer(shop):
    contact = chat(shop["brand"], {"name": "Mallory", "email": VICTIM})
    assert contact.customer != shop["known"] and contact.customer.verified is False
    page = agent_sees(shop, contact)
    assert "11 22 33 44" not in page and "rue Réelle" not in page and "Ma commande 77" not in page


@pytest.mark.parametrize("change", ["signature", "expired", "email", "types"])
def test_a_bad_identity_token_is_ignored(shop, change):
    expires = int(time.time()) + 600
    token = {"email": VICTIM, "expires": expires,
             "signature": identity.signature(SECRET, email=VICTIM, expires=expires)}
    if change == "signature":
        token["signature"] = identity.signature("guess", email=VICTIM, expires=expires)
    elif change == "expired":
        token["expires"] = int(time.time()) - 1
        token["signature"] = identity.signature(SECRET, email=VICTIM, expires=token["expires"])
    elif change == "email":
        token["email"] = "bob@example.org"
    else:
        token["expires"] = str(expires)
    contact = chat(shop["brand"], {"name": "Mallory", "email": VICTIM, "identity": token})
    assert contact.customer != shop["known"] and not contact.customer.verified


def test_the_brands_signed_identity_token_makes_the_visitor_that_customer(shop):
    expires = int(time.time()) + 600
    token = {"email": VICTIM.upper(), "expires": expires,
             "signature": identity.signature(SECRET, email=VICTIM, expires=expires)}
    contact = chat(shop["brand"], {"name": "Alice", "identity": token})
    assert contact.customer == shop["known"]


def test_offline_form_and_video_form_never_merge_on_a_typed_email(shop, client):
    slug = shop["brand"].slug
    response = client.post(f"/chat/{slug}/offline", {"name": "M", "email": VICTIM, "message": "Salut"})
    assert response.status_code == 201
    offline = Contact.objects.get(pk=response.json()["contact"])
    response = client.post(f"/video/{slug}/request", data={"name": "M", "email": VICTIM},
                           content_type="application/json")
    video = Contact.objects.get(pk=response.json()["contact"])
    client.post(f"/video/{slug}/", {"name": "M", "email": VICTIM})
    page_video = Contact.objects.filter(channel="video").exclude(pk=video.pk).get()
    for contact in (offline, video, page_video):
        assert contact.customer_id != shop["known"].pk and not contact.customer.verified
    expires = int(time.time()) + 60
    vouched = client.post(f"/video/{slug}/request", content_type="application/json", data={
        "name": "Alice", "identity": {"email": VICTIM, "expires": expires,
                                      "signature": identity.signature(SECRET, email=VICTIM, expires=expires)}})
    assert Contact.objects.get(pk=vouched.json()["contact"]).customer_id == shop["known"].pk


def test_the_confirmation_link_joins_the_visitor_to_the_customer(shop, settings, mailoutbox, client):
    settings.EMAIL_HOST = "relay.test"
    settings.ROADIE_PUBLIC_URL = "http://roadie.test"
    contact = chat(shop["brand"], {"name": "Alice", "email": VICTIM})
    send_identity_confirmation.call(contact.customer_id)
    [mail] = mailoutbox
    assert mail.to == [VICTIM]
    link = re.search(r"http://roadie\.test(/identity/confirm/\S+)", mail.body).group(1)
    assert client.get(link[:-3] + "xyz").status_code == 400  # tampered
    assert client.get(link).status_code == 200
    contact.refresh_from_db()
    assert contact.customer_id == shop["known"].pk
    assert not Customer.objects.filter(verified=False).exists()
    assert client.get(link).status_code == 400  # used once


def test_a_confirmed_visitor_with_no_customer_on_file_becomes_verified(shop, client):
    contact = chat(shop["brand"], {"name": "Nina", "email": "nina@example.org"})
    token = identity.confirmation_token(contact.customer)
    assert client.get(f"/identity/confirm/{token}").status_code == 200
    contact.customer.refresh_from_db()
    assert contact.customer.verified
    # From now on, her mail finds her file.
    again, _, _ = receive(Inbound(brand=shop["brand"], channel="email", body="re",
                                  customer=CustomerData(email="nina@example.org")))
    assert again.customer_id == contact.customer_id
