"""The API refuses, with 422 naming the field, a contact that could never be served or whose
fields have the wrong type; no contact is written (the body is kept, rejected)."""

from __future__ import annotations

import pytest

from roadie.desk.contacts.models import Contact, RawInbound

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("change,field", [
    ({"customer": "bob"}, "customer"), ({"customer": ["a"]}, "customer"),
    ({"language": "zz"}, "language"), ({"channel": "whatsapp"}, "channel"),
])
def test_unservable_or_mistyped_contacts_are_422(api_client, make_user, make_brand, change, field):
    make_brand(slug="b1", channels=("chat",))
    api = api_client(make_user(role="admin"))
    response = api.post("/api/contacts", {"brand": "b1", "channel": "chat", "body": "x", **change},
                        content_type="application/json")
    assert response.status_code == 422 and field in response.content.decode()
    assert not Contact.objects.exists()
    raw = RawInbound.objects.get()  # kept, refused, with the reason
    assert raw.status == "rejected" and field in raw.error and raw.source == "api"


def test_a_language_an_agent_speaks_is_served(api_client, make_user, make_brand, make_agent):
    brand = make_brand(slug="b1", channels=("chat",))
    make_agent(brands=[brand], languages=("de",))
    api = api_client(make_user(role="admin"))
    response = api.post("/api/contacts", {"brand": "b1", "channel": "chat", "body": "x", "language": "de",
                                          "customer": {"name": "A"}}, content_type="application/json")
    assert response.status_code == 201
