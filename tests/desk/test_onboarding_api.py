"""Onboarding through the REST API: brands, channels (secrets write-only), calendars, service
levels, wrap-up codes, agents and users; 422 naming the field with nothing written, 403 for
roles and scopes that may not, 404 for another brand; every change in the audit log."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from roadie.desk.accounts.models import ApiToken, User
from roadie.desk.agents.models import Agent, Certification
from roadie.desk.audit.models import AuditEntry
from roadie.desk.brands.models import Brand, Channel, Closure, OpeningHours

pytestmark = pytest.mark.django_db


def _client(user, scope="admin") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, scope=scope)}")


def _send(client, method, url, body):
    return client.generic(method, url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def admin(make_user):
    return make_user(role="admin")


@pytest.fixture
def boss(admin):
    return _client(admin)


def test_admin_creates_a_brand_and_reads_it_back(boss, admin):
    made = _send(boss, "POST", "/api/brands", {"slug": "velo-rouge", "name": "Vélo Rouge",
                                                "masked_fields": ["phone"], "timezone": "Europe/Paris"})
    assert made.status_code == 201, made.content
    assert made.json()["masked_fields"] == ["phone"] and made.json()["channels"] == []
    got = boss.get("/api/brands/velo-rouge").json()
    assert got["name"] == "Vélo Rouge" and got["show_history"] is True
    assert [b["slug"] for b in boss.get("/api/brands").json()] == ["velo-rouge"]
    entry = AuditEntry.objects.get(action="brand.create")
    assert entry.user == admin and entry.via == "api" and entry.brand.slug == "velo-rouge"


@pytest.mark.parametrize(("body", "field"), [
    ({"slug": "Not A Slug!", "name": "X"}, "slug"),
    ({"slug": "ok", "name": "X", "timezone": "Mars/Olympus"}, "timezone"),
    ({"slug": "ok", "name": "X", "masked_fields": ["shoe_size"]}, "masked_fields"),
    ({"slug": "ok"}, "name"),
])
def test_a_bad_brand_is_refused_naming_the_field_and_nothing_is_written(boss, body, field):
    answer = _send(boss, "POST", "/api/brands", body)
    assert answer.status_code == 422
    assert field in json.dumps(answer.json()["detail"])
    assert not Brand.objects.exists() and not AuditEntry.objects.exists()


def test_a_duplicate_slug_is_422_on_slug(boss, make_brand):
    make_brand(slug="taken")
    answer = _send(boss, "POST", "/api/brands", {"slug": "taken", "name": "Again"})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("slug:")
    assert Brand.objects.filter(slug="taken").count() == 1


def test_patch_changes_only_the_fields_given(boss, make_brand):
    brand = make_brand(slug="b1")
    answer = _send(boss, "PATCH", "/api/brands/b1", {"show_history": False, "masked_fields": ["email", "phone"]})
    assert answer.status_code == 200
    brand.refresh_from_db()
    assert brand.show_history is False and brand.masked_fields == ["email", "phone"]
    assert brand.name.startswith("Brand ")
    entry = AuditEntry.objects.get(action="brand.update")
    assert sorted(entry.fields) == ["masked_fields", "show_history"]
    assert _send(boss, "PATCH", "/api/brands/nope", {"name": "x"}).status_code == 404
    assert _send(boss, "PATCH", "/api/brands/b1", {"timezone": "Nowhere"}).status_code == 422
    brand.refresh_from_db()
    assert brand.timezone == "Europe/Paris"


def test_brand_admin_edits_their_brand_only_and_cannot_create_or_turn_it_off(make_brand, make_user):
    ours, theirs = make_brand(slug="ours"), make_brand(slug="theirs")
    client = _client(make_user(role="brand_admin", brand=ours))
    assert [b["slug"] for b in client.get("/api/brands").json()] == ["ours"]
    assert client.get("/api/brands/theirs").status_code == 404
    assert _send(client, "PATCH", "/api/brands/theirs", {"name": "Mine now"}).status_code == 404
    assert _send(client, "PATCH", "/api/brands/ours", {"name": "Our Brand"}).status_code == 200
    assert _send(client, "PATCH", "/api/brands/ours", {"is_active": False}).status_code == 403
    assert _send(client, "POST", "/api/brands", {"slug": "new", "name": "New"}).status_code == 403
    theirs.refresh_from_db()
    assert not theirs.name.startswith("Mine") and Brand.objects.count() == 2


def test_other_roles_and_lesser_scopes_are_refused(make_brand, make_user, admin):
    make_brand(slug="b1")
    for role in ("supervisor", "qa", "finance", "brand", "agent"):
        brand = Brand.objects.get(slug="b1") if role == "brand" else None
        client = _client(make_user(role=role, brand=brand))
        assert client.get("/api/brands").status_code == 403, role
        assert _send(client, "POST", "/api/brands", {"slug": "x", "name": "X"}).status_code == 403, role
    write = _client(admin, scope="write")
    assert write.get("/api/brands/b1").status_code == 200
    assert _send(write, "PATCH", "/api/brands/b1", {"name": "X"}).status_code == 403
    assert Client().get("/api/brands").status_code == 401


def test_channel_secrets_are_write_only_and_encrypted(boss, make_brand):
    make_brand(slug="b1", channels=())
    made = _send(boss, "POST", "/api/brands/b1/channels", {
        "kind": "whatsapp", "address": "+33100000001",
        "settings": {"phone_number_id": "42"}, "secrets": {"app_secret": "very-secret-1"}})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["settings"] == {"phone_number_id": "42"} and body["secrets"] == ["app_secret"]
    assert "very-secret-1" not in made.content.decode()
    assert "very-secret-1" not in boss.get("/api/brands/b1").content.decode()
    channel = Channel.objects.get(pk=body["id"])
    assert channel.config["app_secret"] == "very-secret-1"  # the connector reads it
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM brands_channel WHERE id = %s", [channel.pk])
        assert "very-secret-1" not in cursor.fetchone()[0]
    # A patch without secrets keeps them; a new value replaces; null removes.
    url = f"/api/brands/b1/channels/{channel.pk}"
    assert _send(boss, "PATCH", url, {"settings": {"phone_number_id": "43"}}).json()["secrets"] == ["app_secret"]
    _send(boss, "PATCH", url, {"secrets": {"app_secret": "newer", "access_token": "tok"}})
    channel.refresh_from_db()
    assert channel.config == {"phone_number_id": "43", "app_secret": "newer", "access_token": "tok"}
    assert _send(boss, "PATCH", url, {"secrets": {"access_token": None}}).json()["secrets"] == ["app_secret"]
    # A secret sent as a setting is refused rather than shown back.
    bad = _send(boss, "PATCH", url, {"settings": {"app_secret": "oops"}})
    assert bad.status_code == 422 and "settings" in bad.json()["detail"]
    logged = json.dumps(list(AuditEntry.objects.values_list("fields", flat=True)))
    assert "app_secret" in logged and "very-secret-1" not in logged and "newer" not in logged


def test_an_email_channel_needs_a_valid_unused_address(boss, make_brand):
    make_brand(slug="b1", channels=())
    make_brand(slug="b2", channels=())
    url = "/api/brands/b1/channels"
    assert _send(boss, "POST", url, {"kind": "email"}).json()["detail"].startswith("address:")
    assert _send(boss, "POST", url, {"kind": "email", "address": "not-an-address"}).status_code == 422
    assert _send(boss, "POST", url, {"kind": "fax"}).status_code == 422
    assert _send(boss, "POST", url, {"kind": "email", "address": "Help@B1.example"}).status_code == 201
    again = _send(boss, "POST", "/api/brands/b2/channels", {"kind": "email", "address": "help@b1.example"})
    assert again.status_code == 422 and again.json()["detail"].startswith("address:")
    assert list(Channel.objects.values_list("address", flat=True)) == ["help@b1.example"]
    other = Channel.objects.create(brand=Brand.objects.get(slug="b2"), kind="chat")
    assert _send(boss, "PATCH", f"/api/brands/b1/channels/{other.pk}", {"enabled": False}).status_code == 404


def test_opening_hours_closures_service_levels_and_wrap_up_codes(boss, make_brand):
    brand = make_brand(slug="b1", channels=())
    hours = _send(boss, "PUT", "/api/brands/b1/opening-hours", [
        {"weekday": 0, "opens": "09:00", "closes": "12:00"},
        {"weekday": 0, "opens": "14:00", "closes": "18:00", "channel": "voice"}])
    assert hours.status_code == 200 and len(hours.json()["opening_hours"]) == 2
    assert _send(boss, "PUT", "/api/brands/b1/opening-hours", [{"weekday": 7, "opens": "09:00",
                                                                "closes": "10:00"}]).status_code == 422
    assert OpeningHours.objects.filter(brand=brand).count() == 2
    closure = _send(boss, "POST", "/api/brands/b1/closures", {"date": "2026-12-25", "reason": "Noël"})
    assert closure.status_code == 201
    assert _send(boss, "POST", "/api/brands/b1/closures", {"date": "2026-12-25"}).status_code == 422
    assert boss.delete(f"/api/brands/b1/closures/{closure.json()['id']}").status_code == 204
    assert not Closure.objects.exists()
    sl = _send(boss, "PUT", "/api/brands/b1/service-levels/email", {"target": 0.9, "answer_seconds": 14400})
    assert sl.status_code == 200 and sl.json()["answer_seconds"] == 14400
    assert _send(boss, "PUT", "/api/brands/b1/service-levels/email",
                 {"target": 1.5, "answer_seconds": 10}).status_code == 422
    code = _send(boss, "PUT", "/api/brands/b1/wrap-up-codes", {"code": "refund", "label": "Remboursé",
                                                               "label_en": "Refunded"})
    assert code.status_code == 200
    assert _send(boss, "PUT", "/api/brands/b1/wrap-up-codes", {"code": "Not a code", "label": "x"}).status_code == 422
    got = boss.get("/api/brands/b1").json()
    assert {"code": "refund", "label": "Remboursé", "label_en": "Refunded"} in got["wrap_up_codes"]
    assert [p["channel"] for p in got["service_levels"]] == ["email"]


def test_admin_onboards_an_agent_with_certifications_and_an_invite(boss, make_brand, admin):
    make_brand(slug="b1")
    make_brand(slug="b2")
    made = _send(boss, "POST", "/api/agents", {
        "username": "lea", "email": "lea@example.org", "first_name": "Léa", "languages": ["fr", "en"],
        "sign_language": True, "capacity": 8,
        "certifications": [{"brand": "b1", "regular": True}, {"brand": "b2"}],
        "skills": [{"name": "returns", "level": 4}]})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["brands"] == ["b1", "b2"] and body["capacity"] == 8 and body["sign_language"]
    assert "/invite/" in body["invite_url"]
    agent = Agent.objects.get(user__username="lea")
    assert agent.skill_set() >= {"brand:b1", "brand:b2", "lang:en", "area:returns", "lsf"}
    assert not agent.user.has_usable_password() and agent.user.role == "agent"
    changed = _send(boss, "PATCH", f"/api/agents/{agent.pk}", {"certifications": [{"brand": "b2", "regular": True}],
                                                               "capacity": 4})
    assert changed.status_code == 200
    assert changed.json()["certifications"] == [{"brand": "b2", "regular": True, "proficiency": 3}]
    assert list(Certification.objects.filter(agent=agent).values_list("brand__slug", flat=True)) == ["b2"]
    actions = list(AuditEntry.objects.order_by("at").values_list("action", flat=True))
    assert actions == ["user.create", "agent.create", "agent.update"]


@pytest.mark.parametrize(("body", "field"), [
    ({"username": "x", "certifications": [{"brand": "nope"}]}, "certifications"),
    ({"username": "x", "capacity": 0}, "capacity"),
    ({"username": "x", "languages": ["french"]}, "languages"),
    ({"username": "x", "skills": [{"name": "Bad Name"}]}, "skills"),
    ({"username": "x", "email": "not-mail"}, "email"),
    ({"username": "bad name!"}, "username"),
])
def test_a_bad_agent_is_422_naming_the_field_and_nothing_is_written(boss, make_brand, body, field):
    make_brand(slug="b1")
    answer = _send(boss, "POST", "/api/agents", body)
    assert answer.status_code == 422 and field in json.dumps(answer.json()["detail"])
    assert not User.objects.filter(role="agent").exists() and not Agent.objects.exists()


def test_only_the_administrator_onboards_agents(make_user, make_brand, make_agent):
    brand = make_brand(slug="b1")
    agent = make_agent(brands=[brand])
    for user in (make_user(role="supervisor"), make_user(role="brand_admin", brand=brand)):
        client = _client(user)
        assert _send(client, "POST", "/api/agents", {"username": "x"}).status_code == 403
        assert _send(client, "PATCH", f"/api/agents/{agent.pk}", {"capacity": 1}).status_code == 403
    assert _send(_client(make_user(role="admin")), "PATCH", "/api/agents/999999", {"capacity": 1}).status_code == 404
    agent.refresh_from_db()
    assert agent.capacity == 6


def test_turning_an_agent_off_takes_them_offline_and_revokes_their_tokens(boss, make_brand, make_agent):
    agent = make_agent(brands=[make_brand()], presence="available")
    theirs = _client(agent.user, scope="write")
    assert theirs.get("/api/agents/me").status_code == 200
    assert _send(boss, "PATCH", f"/api/agents/{agent.pk}", {"is_active": False}).status_code == 200
    agent.refresh_from_db()
    assert agent.presence == "offline" and not agent.user.is_active
    assert theirs.get("/api/agents/me").status_code == 401


def test_users_roles_grantable_and_brand_scoped(boss, make_brand, make_user):
    ours, theirs = make_brand(slug="ours"), make_brand(slug="theirs")
    made = _send(boss, "POST", "/api/users", {"username": "sam", "role": "supervisor", "email": "sam@example.org"})
    assert made.status_code == 201 and made.json()["role"] == "supervisor" and not made.json()["has_password"]
    assert _send(boss, "POST", "/api/users", {"username": "v", "role": "brand"}).json()["detail"].startswith("brand:")
    assert _send(boss, "POST", "/api/users", {"username": "v", "role": "root"}).json()["detail"].startswith("role:")
    assert _send(boss, "POST", "/api/users", {"username": "sam", "role": "qa"}).json()["detail"].startswith("username:")
    brand_admin = _client(make_user(role="brand_admin", brand=ours))
    viewer = _send(brand_admin, "POST", "/api/users", {"username": "vic", "role": "brand", "brand": "ours"})
    assert viewer.status_code == 201 and viewer.json()["brand"] == "ours"
    assert _send(brand_admin, "POST", "/api/users", {"username": "x", "role": "supervisor"}).status_code == 403
    assert _send(brand_admin, "POST", "/api/users", {"username": "x", "role": "brand", "brand": "theirs"}).status_code == 403
    assert [u["username"] for u in brand_admin.get("/api/users").json()] == sorted(
        u.username for u in User.objects.filter(brand=ours))
    assert _send(brand_admin, "PATCH", "/api/users/sam", {"role": "brand"}).status_code == 404
    promoted = _send(brand_admin, "PATCH", "/api/users/vic", {"role": "brand_admin"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "brand_admin"
    assert not User.objects.filter(username="x").exists() and theirs.users.count() == 0
    assert _client(make_user(role="supervisor")).get("/api/users").status_code == 403


def test_pools_brands_and_overflow_without_loops(boss, make_brand, make_user):
    from roadie.desk.brands.models import Pool

    make_brand(slug="b1")
    make_brand(slug="b2")
    relay = _send(boss, "POST", "/api/pools", {"slug": "relay", "name": "Weekend relay", "brands": ["b1", "b2"]})
    assert relay.status_code == 201 and relay.json()["brands"] == ["b1", "b2"]
    main = _send(boss, "POST", "/api/pools", {"slug": "main", "name": "Main", "brands": ["b1"],
                                              "overflow_to": "relay", "overflow_after_seconds": 90})
    assert main.status_code == 201 and main.json()["overflow_to"] == "relay"
    loop = _send(boss, "PATCH", "/api/pools/relay", {"overflow_to": "main"})
    assert loop.status_code == 422 and loop.json()["detail"].startswith("overflow_to:")
    assert Pool.objects.get(slug="relay").overflow_to is None
    assert _send(boss, "POST", "/api/pools", {"slug": "x", "name": "X", "brands": ["nope"]}).status_code == 422
    assert not Pool.objects.filter(slug="x").exists()
    changed = _send(boss, "PATCH", "/api/pools/main", {"brands": ["b2"]})
    assert changed.json()["brands"] == ["b2"] and changed.json()["overflow_after_seconds"] == 90
    assert [p["slug"] for p in _client(make_user(role="supervisor")).get("/api/pools").json()] == ["main", "relay"]
    brand_admin = _client(make_user(role="brand_admin", brand=Brand.objects.get(slug="b1")))
    assert _send(brand_admin, "PATCH", "/api/pools/main", {"brands": ["b1"]}).status_code == 403
