"""Least privilege: QA and finance are no longer operators, brand users read their contacts in
the pages, QA sees masked fields only when granted, secrets are encrypted at rest."""

from __future__ import annotations

import pytest
from django.db import connection

from roadie.desk.brands.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(make_brand, make_contact):
    brand = make_brand(slug="ours", masked=("phone",))
    return make_contact(brand=brand, email="alice@example.org", phone="+33 6 11 22 33 44")


def test_brand_viewer_reads_their_contact_page_but_not_another_brand(contact, make_user, make_brand,
                                                                     make_contact, client):
    client.force_login(make_user(role="brand", brand=contact.brand))
    page = client.get(f"/desk/contacts/{contact.pk}/")
    assert page.status_code == 200
    assert "alice@example.org" in page.content.decode()
    other = make_contact(brand=make_brand())
    assert client.get(f"/desk/contacts/{other.pk}/").status_code == 404
    # Read-only: no reply.
    assert client.post(f"/desk/contacts/{contact.pk}/reply", {"body": "x"}).status_code == 403


def test_qa_reads_every_contact_masked_unless_granted(contact, make_user, client):
    qa = make_user(role="qa")
    client.force_login(qa)
    page = client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    assert "11 22 33 44" not in page and "alice@example.org" in page
    assert client.get("/board/").status_code == 403
    qa.unmasked_access = True
    qa.save()
    assert "11 22 33 44" in client.get(f"/desk/contacts/{contact.pk}/").content.decode()


def test_finance_reads_no_conversation_and_has_no_board(contact, make_user, client, api_client):
    finance = make_user(role="finance")
    client.force_login(finance)
    assert client.get("/board/").status_code == 403
    assert client.get(f"/desk/contacts/{contact.pk}/").status_code == 403
    api = api_client(finance)
    assert api.get(f"/api/contacts/{contact.pk}").status_code == 404
    assert api.get("/api/contacts").json() == []


def test_channel_settings_and_secrets_are_encrypted_at_rest(make_brand):
    brand = make_brand()
    channel = Channel.objects.create(brand=brand, kind="whatsapp", address="+33100000000",
                                     config={"app_secret": "s3cr3t-value", "phone_number_id": "42"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM brands_channel WHERE id = %s", [channel.pk])
        stored = cursor.fetchone()[0]
    assert "s3cr3t-value" not in stored and "phone_number_id" not in stored
    assert stored.startswith("fernet:")
    assert Channel.objects.get(pk=channel.pk).config == {"app_secret": "s3cr3t-value",
                                                         "phone_number_id": "42"}


def test_no_code_compares_roles_through_the_old_user_properties():
    """Roles are asked through roadie.desk.accounts.access; the User properties is_operator,
    is_agent and is_brand_user are gone (a getattr with a default would silently say no)."""
    import re
    from pathlib import Path

    import roadie

    pattern = re.compile(r"\b(user|u|auth)\.is_(agent|operator|brand_user)\b"
                         r"|getattr\([^)]*[\"']is_(agent|operator|brand_user)[\"']")
    root = Path(roadie.__file__).parent
    found = [f"{path.relative_to(root)}:{n}" for path in root.rglob("*") if path.suffix in (".py", ".html")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line) and "accounts/access.py" not in str(path)]
    assert found == []


def test_tokens_api_scopes_expiry_and_revoke(make_user, api_client):
    from django.test import Client

    from roadie.desk.accounts.models import ApiToken

    admin = make_user(role="admin")
    boss = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(admin, scope='admin')}")
    made = boss.post("/api/tokens", {"label": "reports", "scope": "read"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["scope"] == "read"
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {made.json()['token']}")
    assert reader.get("/api/queues").status_code == 200
    assert reader.post("/api/tokens", {"label": "x"}, content_type="application/json").status_code == 403
    bad = boss.post("/api/tokens", {"scope": "root"}, content_type="application/json")
    assert bad.status_code == 422 and "scope" in bad.json()["detail"]
    past = boss.post("/api/tokens", {"expires_at": "2020-01-01T00:00:00+01:00"},
                     content_type="application/json")
    assert past.status_code == 422 and "expires_at" in past.json()["detail"]
    assert ApiToken.objects.filter(user=admin).count() == 2  # nothing written on error
    agent_token = make_user(role="agent")
    refused = boss.__class__(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(agent_token, scope='admin')}")
    assert refused.post("/api/tokens", {"scope": "admin"}, content_type="application/json").status_code == 422
    assert boss.delete(f"/api/tokens/{made.json()['id']}").status_code == 204
    assert reader.get("/api/queues").status_code == 401


def test_a_token_records_when_it_was_last_used_to_the_minute(make_user):
    from datetime import timedelta

    from django.test import Client

    from roadie.desk.accounts.models import ApiToken

    user = make_user(role="admin")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, scope='read')}")
    assert client.get("/api/queues").status_code == 200
    token = ApiToken.objects.get(user=user)
    first = token.last_used_at
    assert first is not None
    assert client.get("/api/queues").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first  # a second call within the minute writes nothing
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert client.get("/api/queues").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first
