"""The API's error answers are in its OpenAPI schema (400, 401, 403, 404, 409, 413, 422 and,
for writes, 429 with Retry-After); a PATCH whose body is not an object is refused 422 and
writes nothing; writes past the limit answer 429 with Retry-After."""

from __future__ import annotations

import pytest

from roadie.desk.kb import actions
from roadie.desk.kb.actions import ArticleData

pytestmark = pytest.mark.django_db


def test_every_operation_documents_its_error_answers(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["components"]["schemas"]["ApiError"]["required"] == ["detail"]
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) > 40
    for path, method, op in operations:
        codes = set(op["responses"])
        assert {"400", "422"} <= codes, (method, path)
        if op.get("security"):
            assert {"401", "403"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if method in ("post", "put", "patch", "delete"):
            assert "429" in codes and "Retry-After" in op["responses"]["429"]["headers"], (method, path)
    contacts = schema["paths"]["/api/contacts"]["post"]["responses"]
    assert contacts["413"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ApiError"}


@pytest.mark.parametrize("body", ["null", "[]", '"title"', "3"])
def test_a_patch_without_an_object_is_refused_and_writes_nothing(api_client, make_user, make_brand, body):
    brand = make_brand(slug="patchy")
    admin = make_user(role="admin")
    article = actions.create_article(admin, brand, ArticleData(title="Livraison", body="Sous 3 jours."))
    versions = article.versions.count()
    response = api_client(admin).patch(f"/api/kb/articles/patchy/{article.slug}", body,
                                       content_type="application/json")
    assert response.status_code == 422 and "JSON object" in response.json()["detail"]
    assert article.versions.count() == versions
    ok = api_client(admin).patch(f"/api/kb/articles/patchy/{article.slug}", {"title": "Livraison rapide"},
                                 content_type="application/json")
    assert ok.status_code == 200


def test_writes_past_the_limit_answer_429_with_retry_after(api_client, make_user, make_brand, settings):
    settings.ROADIE_RATE_LIMITS = {"api": {"channel": [3, 60]}}
    make_brand(slug="busy", channels=("chat",))
    api = api_client(make_user(role="admin"))
    answers = [api.post("/api/contacts", {"brand": "busy", "channel": "chat", "body": f"n°{i}"},
                        content_type="application/json") for i in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert int(answers[3]["Retry-After"]) >= 1 and "retry" in answers[3].json()["detail"].lower()
    assert api.get("/api/contacts").status_code == 200  # reads are not counted
