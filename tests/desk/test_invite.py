"""Users and invitations: ``accounts.actions.create_user``/``update_user`` check roles and brands
and write nothing on a refusal; the one-time invite link sets a password once, and a tampered
or used link is refused."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from roadie.desk.accounts import actions
from roadie.desk.accounts.models import ApiToken, User
from roadie.desk.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

GOOD = "sunflower-harbour-42"


@pytest.fixture
def admin(make_user):
    return make_user(role="admin")


def test_create_user_checks_role_and_brand_and_writes_nothing_when_refused(admin, make_brand, make_user):
    brand = make_brand(slug="ours")
    with pytest.raises(ValidationError) as exc:
        actions.create_user(admin, username="v", role="brand")
    assert "brand" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.create_user(admin, username="s", role="supervisor", brand=brand)
    assert "brand" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.create_user(admin, username="s", role="supervisor", email="nope")
    assert "email" in exc.value.message_dict
    brand_admin = make_user(role="brand_admin", brand=brand)
    with pytest.raises(PermissionDenied):
        actions.create_user(brand_admin, username="boss2", role="admin")
    with pytest.raises(PermissionDenied):
        actions.create_user(make_user(role="supervisor"), username="x", role="agent")
    assert not User.objects.filter(username__in=["v", "s", "boss2", "x"]).exists()
    qa = actions.create_user(admin, username="q", role="qa", unmasked_access=True)
    sup = actions.create_user(admin, username="t", role="supervisor", unmasked_access=True)
    assert qa.unmasked_access and not sup.unmasked_access  # only QA is ever granted it
    assert not qa.has_usable_password()
    assert AuditEntry.objects.filter(action="user.create").count() == 2


def test_update_user_refuses_self_demotion_and_revokes_tokens_on_deactivation(admin, make_user):
    with pytest.raises(ValidationError):
        actions.update_user(admin, admin, role="supervisor")
    with pytest.raises(ValidationError):
        actions.update_user(admin, admin, is_active=False)
    sup = make_user(role="supervisor")
    raw = ApiToken.issue(sup)
    actions.update_user(admin, sup, is_active=False)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/queues").status_code == 401
    with pytest.raises(ValidationError) as exc:
        actions.update_user(admin, sup, password="x")
    assert "password" in exc.value.message_dict
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.fields == ["is_active"] and entry.user == admin


def test_the_invite_link_sets_a_password_once(admin, client):
    user = actions.create_user(admin, username="nina", role="supervisor", first_name="Nina")
    link = actions.invite_path(user)
    page = client.get(link)
    assert page.status_code == 200 and "nina" in page.content.decode()
    weak = client.post(link, {"password": "12345678", "password2": "12345678"})
    assert weak.status_code == 422 and 'aria-invalid="true"' in weak.content.decode()
    differ = client.post(link, {"password": GOOD, "password2": GOOD + "x"})
    assert differ.status_code == 422
    user.refresh_from_db()
    assert not user.has_usable_password()
    done = client.post(link, {"password": GOOD, "password2": GOOD})
    assert done.status_code == 302 and done["Location"] == "/login/"
    user.refresh_from_db()
    assert user.check_password(GOOD)
    assert Client().login(username="nina", password=GOOD)
    # Used once: the same link no longer works, not even to read the page.
    assert client.get(link).status_code == 410
    again = client.post(link, {"password": "another-" + GOOD, "password2": "another-" + GOOD})
    assert again.status_code == 410
    user.refresh_from_db()
    assert user.check_password(GOOD)
    assert AuditEntry.objects.filter(action="user.password_set", user=user).count() == 1


def test_a_tampered_or_foreign_link_is_refused(admin, client):
    user = actions.create_user(admin, username="omar", role="supervisor")
    other = actions.create_user(admin, username="zoe", role="supervisor")
    link = actions.invite_path(user)
    prefix, uid, token, _ = link.rsplit("/", 3)
    tampered = f"{prefix}/{uid}/{token[:-2]}{'aa' if token[-2:] != 'aa' else 'bb'}/"
    assert client.post(tampered, {"password": GOOD, "password2": GOOD}).status_code == 410
    # Another user's token with this uid.
    other_token = actions.invite_path(other).rsplit("/", 2)[1]
    assert client.post(f"{prefix}/{uid}/{other_token}/", {"password": GOOD, "password2": GOOD}).status_code == 410
    assert client.get(f"{prefix}/not-base64!/{token}/").status_code == 410
    user.refresh_from_db()
    assert not user.has_usable_password()
    # A deactivated user's link is dead too.
    link2 = actions.invite_path(other)
    actions.update_user(admin, other, is_active=False)
    assert client.get(link2).status_code == 410


def test_the_api_invite_url_works_in_french(admin, client):
    from roadie.desk.accounts.models import ApiToken as T

    boss = Client(HTTP_AUTHORIZATION=f"Bearer {T.issue(admin, scope='admin')}")
    made = boss.post("/api/users", {"username": "fred", "role": "finance"}, content_type="application/json")
    url = made.json()["invite_url"]
    assert url.startswith("http://testserver/invite/")
    page = client.get(url.removeprefix("http://testserver"), HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200 and "mot de passe" in page.content.decode().lower()


def test_the_invitation_mail_carries_a_working_link(admin, settings, mailoutbox, client,
                                                    django_capture_on_commit_callbacks):
    from roadie.desk.accounts.tasks import send_invitation

    settings.EMAIL_HOST, settings.ROADIE_PUBLIC_URL = "relay.test", "http://roadie.test"
    user = actions.create_user(admin, username="mia", role="supervisor", email="mia@example.org")
    nomail = actions.create_user(admin, username="noe", role="supervisor")
    boss = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(admin, scope='admin')}")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert boss.post("/api/users/mia/invitation").status_code == 202
    assert len(callbacks) == 1  # the mail task is enqueued once the entry is committed
    assert boss.post("/api/users/noe/invitation").json()["detail"].startswith("email:")
    send_invitation.call(user.pk)
    send_invitation.call(nomail.pk)
    [mail] = mailoutbox
    assert mail.to == ["mia@example.org"] and "mia" in mail.body
    link = re.search(r"http://roadie\.test(/invite/\S+/)", mail.body).group(1)
    assert client.post(link, {"password": GOOD, "password2": GOOD}).status_code == 302
    assert boss.post("/api/users/mia/invitation").json()["detail"].startswith("password:")
    send_invitation.call(user.pk)  # a password is set: nothing more is sent
    assert len(mailoutbox) == 1
    assert AuditEntry.objects.filter(action="user.invite").count() == 1


def test_the_console_button_sends_the_invitation(admin, client, make_brand,
                                                 django_capture_on_commit_callbacks):
    from roadie.desk.agents.actions import create_agent

    agent = create_agent(admin, username="ana", email="ana@example.org")
    client.force_login(admin)
    page = client.get(f"/console/agents/{agent.pk}/").content.decode()
    assert "Send it by email to ana@example.org" in page
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/console/users/{agent.user.pk}/invite", {"next": f"/console/agents/{agent.pk}/"})
    assert done.status_code == 302 and done["Location"] == f"/console/agents/{agent.pk}/"
    assert AuditEntry.objects.filter(action="user.invite", object_id=str(agent.user.pk)).exists()
    evil = client.post(f"/console/users/{agent.user.pk}/invite", {"next": "https://evil.example/"})
    assert evil["Location"] == f"/console/users/{agent.user.pk}/"
