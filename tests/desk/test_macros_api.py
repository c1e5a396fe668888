"""A brand's saved replies through the REST API, the twin of the saved-replies pages: create,
change, delete through the same write path (audited via api); bad input is 422 naming the
field with nothing written; supervisors and the brand's administrators only."""

from __future__ import annotations

import json

import pytest

from roadie.desk.audit.models import AuditEntry
from roadie.desk.contacts.models import Macro

pytestmark = pytest.mark.django_db


def send(client, method, url, body=None):
    return client.generic(method, url, data=json.dumps(body) if body is not None else "",
                          content_type="application/json")


@pytest.fixture
def ondes(make_brand):
    return make_brand(slug="ondes")


def test_a_brand_administrator_keeps_the_saved_replies(api_client, make_user, ondes):
    client = api_client(make_user(role="brand_admin", brand=ondes))
    made = send(client, "POST", "/api/brands/ondes/macros",
                {"title": "Délai", "body": "Bonjour {customer_name}, sous 3 jours.", "language": "fr"})
    assert made.status_code == 201, made.content
    macro = Macro.objects.get(brand=ondes)
    assert (macro.title, macro.language) == ("Délai", "fr")
    patched = send(client, "PATCH", f"/api/brands/ondes/macros/{macro.pk}", {"body": "Sous 2 jours, {agent_name}."})
    assert patched.status_code == 200 and patched.json()["title"] == "Délai"
    macro.refresh_from_db()
    assert macro.body == "Sous 2 jours, {agent_name}." and macro.language == "fr"
    assert [m["title"] for m in client.get("/api/brands/ondes/macros").json()] == ["Délai"]
    assert send(client, "DELETE", f"/api/brands/ondes/macros/{macro.pk}").status_code == 204
    assert not Macro.objects.exists()
    assert list(AuditEntry.objects.filter(action__startswith="macro.").order_by("at").values_list("action", "via")) == [
        ("macro.create", "api"), ("macro.update", "api"), ("macro.delete", "api")]


@pytest.mark.parametrize(("body", "field"), [
    ({"title": "", "body": "x"}, "title"),
    ({"title": "A", "body": ""}, "body"),
    ({"title": "A", "body": "Hi {customer_shoe_size}"}, "body"),
    ({"title": "A", "body": "x", "language": "de"}, "language"),
    ({"title": "Délai", "body": "x"}, "title"),   # the brand already has it
])
def test_bad_saved_replies_name_the_field_and_write_nothing(api_client, make_user, ondes, body, field):
    Macro.objects.create(brand=ondes, title="Délai", body="Sous 3 jours.")
    client = api_client(make_user(role="supervisor"))
    answer = send(client, "POST", "/api/brands/ondes/macros", body)
    assert answer.status_code == 422 and json.dumps(answer.json()["detail"]).strip('"').startswith(field)
    assert Macro.objects.count() == 1 and not AuditEntry.objects.filter(action__startswith="macro.").exists()
    kept = Macro.objects.get()
    bad = send(client, "PATCH", f"/api/brands/ondes/macros/{kept.pk}", {"body": "Hi {nope}", "title": "Autre"})
    assert bad.status_code == 422
    kept.refresh_from_db()
    assert (kept.title, kept.body) == ("Délai", "Sous 3 jours.")


def test_who_may_keep_saved_replies(api_client, make_user, make_brand, make_agent, ondes):
    other = make_brand(slug="other")
    mine = Macro.objects.create(brand=ondes, title="Délai", body="x")
    theirs = Macro.objects.create(brand=other, title="Délai", body="x")
    brand_admin = api_client(make_user(role="brand_admin", brand=ondes))
    assert brand_admin.get("/api/brands/other/macros").status_code == 404
    assert send(brand_admin, "DELETE", f"/api/brands/ondes/macros/{theirs.pk}").status_code == 404
    assert send(brand_admin, "PATCH", f"/api/brands/other/macros/{theirs.pk}", {"body": "y"}).status_code == 404
    for user in (make_user(role="qa"), make_user(role="finance"), make_user(role="brand", brand=ondes),
                 make_agent(brands=[ondes]).user):
        client = api_client(user)
        assert client.get("/api/brands/ondes/macros").status_code == 403
        assert send(client, "POST", "/api/brands/ondes/macros", {"title": "B", "body": "y"}).status_code == 403
        assert send(client, "DELETE", f"/api/brands/ondes/macros/{mine.pk}").status_code == 403
    assert send(api_client(make_user(role="supervisor")), "GET", "/api/brands/other/macros").status_code == 200
    assert Macro.objects.count() == 2
