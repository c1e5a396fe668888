"""A brand's IMAP mailboxes through the REST API, the twin of the console's mailbox page: the
password is write-only and encrypted at rest, a mailbox made by the API really logs in to a
Dovecot, bad input is 422 naming the field with nothing written, and only the brand's
administrators (with an admin-scoped token) may write."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from roadie.connectors.email.checks import check_mailbox
from roadie.connectors.email.models import Mailbox
from roadie.desk.accounts.models import ApiToken
from roadie.desk.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _client(user, scope="admin") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, scope=scope)}")


def _send(client, method, url, body):
    return client.generic(method, url, data=json.dumps(body), content_type="application/json")


BOX = {"host": "imap.b1.example", "port": 993, "user": "help@b1.example", "password": "pa55-word-1"}


@pytest.fixture
def boss(make_user):
    return _client(make_user(role="admin"))


def test_the_password_is_write_only_and_encrypted_at_rest(boss, make_brand):
    make_brand(slug="b1")
    made = _send(boss, "POST", "/api/brands/b1/mailboxes", {**BOX, "name": "Aide"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["password_set"] is True and "pa55-word-1" not in made.content.decode()
    assert (body["host"], body["folder"], body["enabled"], body["use_ssl"]) == ("imap.b1.example", "INBOX", True, True)
    listed = boss.get("/api/brands/b1/mailboxes")
    assert [m["id"] for m in listed.json()] == [body["id"]] and "pa55-word-1" not in listed.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM email_mailbox WHERE id = %s", [body["id"]])
        stored = cursor.fetchone()[0]
    assert stored and "pa55-word-1" not in stored
    # A patch without a password keeps it; with one, replaces it.
    patched = _send(boss, "PATCH", f"/api/brands/b1/mailboxes/{body['id']}", {"folder": "Support", "enabled": False})
    assert patched.status_code == 200 and patched.json()["folder"] == "Support"
    mailbox = Mailbox.objects.get()
    assert (mailbox.password, mailbox.enabled, mailbox.host) == ("pa55-word-1", False, "imap.b1.example")
    _send(boss, "PATCH", f"/api/brands/b1/mailboxes/{body['id']}", {"password": "n3w-pass"})
    mailbox.refresh_from_db()
    assert mailbox.password == "n3w-pass"
    entries = list(AuditEntry.objects.filter(action__startswith="mailbox.").order_by("at"))
    assert [(e.action, e.via) for e in entries] == [("mailbox.create", "api"), ("mailbox.update", "api"),
                                                   ("mailbox.update", "api")]
    assert "password" in entries[-1].fields
    assert "pa55-word-1" not in json.dumps([e.fields for e in entries])


@pytest.mark.parametrize(("body", "field"), [
    ({**BOX, "port": 0}, "port"),
    ({**BOX, "port": "imap"}, "port"),
    ({**BOX, "host": ""}, "host"),
    ({k: v for k, v in BOX.items() if k != "user"}, "user"),
    ({**BOX, "folder": ""}, "folder"),
])
def test_a_bad_mailbox_is_refused_naming_the_field_and_nothing_is_written(boss, make_brand, body, field):
    make_brand(slug="b1")
    answer = _send(boss, "POST", "/api/brands/b1/mailboxes", body)
    assert answer.status_code == 422
    assert field in json.dumps(answer.json()["detail"])
    assert not Mailbox.objects.exists() and not AuditEntry.objects.filter(action__startswith="mailbox.").exists()


def test_a_bad_patch_changes_nothing(boss, make_brand):
    make_brand(slug="b1")
    made = _send(boss, "POST", "/api/brands/b1/mailboxes", BOX).json()
    answer = _send(boss, "PATCH", f"/api/brands/b1/mailboxes/{made['id']}", {"host": "", "folder": "Other"})
    assert answer.status_code == 422 and "host" in json.dumps(answer.json()["detail"])
    assert Mailbox.objects.get().folder == "INBOX"
    assert _send(boss, "PATCH", "/api/brands/b1/mailboxes/999999", {"folder": "x"}).status_code == 404


def test_who_may_read_and_write_mailboxes(make_brand, make_user):
    ours, theirs = make_brand(slug="ours"), make_brand(slug="theirs")
    brand_admin = make_user(role="brand_admin", brand=ours)
    mine = _client(brand_admin)
    assert _send(mine, "POST", "/api/brands/ours/mailboxes", BOX).status_code == 201
    assert _send(mine, "POST", "/api/brands/theirs/mailboxes", BOX).status_code == 404
    assert mine.get("/api/brands/theirs/mailboxes").status_code == 404
    # A write-scoped token of the same brand administrator, and other roles, may not write.
    assert _send(_client(brand_admin, scope="write"), "POST", "/api/brands/ours/mailboxes", BOX).status_code == 403
    for role in ("supervisor", "qa", "finance"):
        other = _client(make_user(role=role), scope="write")
        assert other.get("/api/brands/ours/mailboxes").status_code == 403
        assert _send(other, "POST", "/api/brands/ours/mailboxes", BOX).status_code == 403
    viewer = _client(make_user(role="brand", brand=ours), scope="write")
    assert viewer.get("/api/brands/ours/mailboxes").status_code == 403
    assert Client().get("/api/brands/ours/mailboxes").status_code == 401
    assert Mailbox.objects.filter(brand=theirs).count() == 0 and Mailbox.objects.filter(brand=ours).count() == 1


def test_a_mailbox_made_by_the_api_logs_in_to_a_real_imap_server(boss, make_brand, dovecot):
    make_brand(slug="b1", channels=())
    address, password = dovecot.add_user()
    made = _send(boss, "POST", "/api/brands/b1/mailboxes", {
        "host": dovecot.host, "port": dovecot.port, "use_ssl": False, "user": address, "password": password})
    assert made.status_code == 201, made.content
    check = check_mailbox(Mailbox.objects.get(pk=made.json()["id"]), timeout=5)
    assert check.ok and "0 messages" in check.detail
    # The console's "test connection", through the API: the mailbox logs in, the relay is named.
    channel = _send(boss, "POST", "/api/brands/b1/channels", {"kind": "email", "address": "help@b1.example"}).json()
    checks = _send(boss, "POST", f"/api/brands/b1/channels/{channel['id']}/test", {}).json()
    imap = [c for c in checks if c["what"].startswith("IMAP")]
    assert len(imap) == 1 and imap[0]["ok"] and "0 messages" in imap[0]["detail"]
    assert any(c["what"].startswith("SMTP") for c in checks)
    _send(boss, "PATCH", f"/api/brands/b1/mailboxes/{made.json()['id']}", {"password": "wrong"})
    assert not check_mailbox(Mailbox.objects.get(pk=made.json()["id"]), timeout=5).ok
    checks = _send(boss, "POST", f"/api/brands/b1/channels/{channel['id']}/test", {}).json()
    assert not [c for c in checks if c["what"].startswith("IMAP")][0]["ok"]
    chat = _send(boss, "POST", "/api/brands/b1/channels", {"kind": "chat", "address": "b1-chat"}).json()
    refused = _send(boss, "POST", f"/api/brands/b1/channels/{chat['id']}/test", {})
    assert refused.status_code == 422 and refused.json()["detail"].startswith("kind:")
