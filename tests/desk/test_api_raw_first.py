"""The API's intake stores an authenticated request's body before it is parsed: what is
refused (unreadable JSON, a missing or mistyped field, an unknown brand, a null body) is kept
as ``rejected`` with the answer's reason; what is filed is ``parsed`` with its contact. An
unauthenticated request stores nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from roadie.desk.contacts.models import Contact, RawInbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(api_client, make_user, make_brand):
    brand = make_brand(slug="raw1", channels=("chat",))
    return brand, api_client(make_user(role="admin"))


@pytest.mark.parametrize("body,status,reason", [
    (b'{"brand": "raw1", "channel": ', 400, "parse"),  # cut short
    (b"null", 400, ""),
    (b"[1, 2]", 400, ""),
    (json.dumps({"channel": "chat", "body": "x"}).encode(), 422, "brand"),
    (json.dumps({"brand": "raw1", "channel": "chat", "body": 12}).encode(), 422, "body"),
    (json.dumps({"brand": "nope", "channel": "chat", "body": "x"}).encode(), 422, "unknown brand"),
    (b'{"brand": "raw1", "channel": "chat", "body": "\\ud800x", "priority": 1e999}', 422, "priority"),
])
def test_refused_bodies_are_kept_with_the_reason(intake, body, status, reason):
    _brand, api = intake
    response = api.post("/api/contacts", body, content_type="application/json")
    assert response.status_code in (status, 422) and response.status_code < 500
    raw = RawInbound.objects.get()
    assert bytes(raw.payload) == body and raw.source == "api"
    assert raw.status == "rejected" and str(response.status_code) in raw.error and reason in raw.error
    assert raw.meta["path"] == "/api/contacts" and raw.meta["user"]
    assert not Contact.objects.exists()


def test_a_filed_body_is_parsed_with_its_contact_channel_and_brand(intake):
    brand, api = intake
    body = {"brand": "raw1", "channel": "chat", "body": "Bonjour", "customer": {"name": "Léa"}}
    response = api.post("/api/contacts", body, content_type="application/json")
    assert response.status_code == 201
    raw = RawInbound.objects.get()
    assert json.loads(bytes(raw.payload)) == body
    assert (raw.status, raw.channel, raw.brand_id, raw.contact_id) == ("parsed", "chat", brand.pk,
                                                                       response.json()["id"])
    again = api.post(f"/api/contacts/{raw.contact_id}/messages", {"body": 5}, content_type="application/json")
    assert again.status_code == 422
    refused = RawInbound.objects.exclude(pk=raw.pk).get()
    assert refused.status == "rejected" and "body" in refused.error
    ok = api.post(f"/api/contacts/{raw.contact_id}/messages", {"body": "Encore moi"},
                  content_type="application/json")
    assert ok.status_code == 201
    assert RawInbound.objects.filter(status="parsed", contact_id=raw.contact_id).count() == 2


def test_an_unauthenticated_body_is_not_stored(intake):
    response = Client().post("/api/contacts", b"x" * 100_000, content_type="application/json")
    assert response.status_code == 401 and not RawInbound.objects.exists()
