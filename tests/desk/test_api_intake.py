"""REST intake: creating contacts and messages, idempotency, and bad input."""

from __future__ import annotations

import json

import pytest

from roadie.desk.contacts.models import Contact, Message, RawInbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(role="admin")


def post(client, path, payload, **extra):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(f"/api{path}", body, content_type="application/json", **extra)


def test_create_contact_with_first_message(make_brand, admin, api_client):
    brand = make_brand(slug="maison-lune")
    client = api_client(admin)
    response = post(client, "/contacts", {
        "brand": "maison-lune", "channel": "chat", "subject": "Livraison",
        "body": "Où est mon canapé ?", "customer": {"name": "Jean", "email": "jean@example.org"},
    })
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "queued" and data["brand"] == "maison-lune"
    contact = Contact.objects.get(pk=data["id"])
    assert contact.brand == brand
    assert contact.messages.get().body == "Où est mon canapé ?"
    # The raw request was kept, linked to what it became.
    raw = RawInbound.objects.get(contact=contact)
    assert json.loads(bytes(raw.payload))["body"] == "Où est mon canapé ?"


def test_same_delivery_twice_makes_one_contact_and_one_message(make_brand, admin, api_client):
    make_brand(slug="ondes", channels=("whatsapp",))
    client = api_client(admin)
    payload = {"brand": "ondes", "channel": "whatsapp", "body": "Allô ?",
               "external_id": "conv-42", "message_id": "msg-1"}
    first = post(client, "/contacts", payload)
    second = post(client, "/contacts", payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.filter(contact_id=first.json()["id"]).count() == 1
    third = post(client, "/contacts", {**payload, "message_id": "msg-2", "body": "Vous êtes là ?"})
    assert third.status_code == 201
    assert Message.objects.filter(contact_id=first.json()["id"]).count() == 2


@pytest.mark.parametrize(("payload", "status", "needle"), [
    (b"{not json", 400, ""),
    ({"channel": "chat", "body": "x"}, 422, "brand"),
    ({"brand": "nope", "channel": "chat", "body": "x"}, 422, "unknown brand"),
    ({"brand": "b1", "channel": "pigeon", "body": "x"}, 422, "channel"),
    ({"brand": "b1", "channel": "chat", "body": ""}, 422, "body"),
    ({"brand": "b1", "channel": "chat", "body": "x", "priority": 99}, 422, "priority"),
])
def test_bad_input_is_refused_clearly_and_writes_nothing(make_brand, admin, api_client, payload, status, needle):
    make_brand(slug="b1")
    response = post(api_client(admin), "/contacts", payload)
    assert response.status_code == status, response.content
    assert needle in json.dumps(response.json())
    assert Contact.objects.count() == 0
    # Only the body itself is kept, refused (tests/desk/test_api_raw_first.py).
    assert list(RawInbound.objects.values_list("status", flat=True)) == ["rejected"]


def test_oversize_body_is_refused_with_413(make_brand, admin, api_client, settings):
    make_brand(slug="b1")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(api_client(admin), "/contacts", {"brand": "b1", "channel": "chat", "body": "x" * 5000})
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert Contact.objects.count() == 0


def test_no_token_is_401_and_bad_token_is_401(make_brand, client):
    make_brand(slug="b1")
    assert client.get("/api/contacts").status_code == 401
    assert client.get("/api/contacts", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_openapi_schema_is_served_and_documents_the_endpoints(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/contacts", "/api/contacts/{contact_id}", "/api/contacts/{contact_id}/replies",
                 "/api/agents/me/presence", "/api/offers/{offer_id}/accept", "/api/queues"):
        assert path in paths


def test_customer_writing_again_reopens_a_resolved_contact(make_brand, make_agent, make_contact, api_client):
    from roadie.desk.contacts import actions
    from roadie.desk.routing import actions as routing
    from roadie.desk.routing.dispatcher import tick

    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    tick()
    routing.accept_offer(agent.user, contact.offers.get().pk)
    actions.resolve(agent.user, contact, wrap_up_code="solved")
    brand_user = agent.user.__class__.objects.create_user(username="bu", role="brand_admin", brand=brand)
    response = post(api_client(brand_user), f"/contacts/{contact.pk}/messages", {"body": "Encore moi"})
    assert response.status_code == 201
    contact.refresh_from_db()
    assert contact.status == "queued" and contact.agent is None


def test_a_machine_written_message_does_not_reopen_a_resolved_contact(make_brand, make_agent, make_contact):
    from roadie.desk.contacts import actions
    from roadie.desk.contacts.actions import Inbound, receive
    from roadie.desk.routing import actions as routing
    from roadie.desk.routing.dispatcher import tick

    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    tick()
    routing.accept_offer(agent.user, contact.offers.get().pk)
    actions.resolve(agent.user, contact, wrap_up_code="solved")
    receive(Inbound(brand=brand, channel=contact.channel, body="Je suis absent jusqu'au 3.",
                    contact_id=contact.pk, reopens=False))
    contact.refresh_from_db()
    assert contact.status == "resolved" and contact.messages.count() == 2
