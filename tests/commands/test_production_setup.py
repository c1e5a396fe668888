"""Production set-up: the first administrator, the secret key, HTTPS settings, the API docs
served offline, styled error pages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command


def _run(*args: str, env: dict) -> subprocess.CompletedProcess:
    """The installed ``roadie`` command, as a sysadmin runs it."""
    roadie = os.path.join(os.path.dirname(sys.executable), "roadie")
    return subprocess.run([roadie, *args], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.django_db
def test_createsuperuser_noinput_makes_an_operator_admin_who_uses_console_and_api(monkeypatch, client):
    from roadie.desk.accounts.models import ApiToken, User

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long first password")
    call_command("createsuperuser", "--noinput", "--username", "boss", "--email", "boss@example.org")
    boss = User.objects.get(username="boss")
    assert boss.role == "admin" and boss.is_superuser
    assert client.login(username="boss", password="a long first password")
    assert client.get("/console/").status_code == 200
    assert client.get("/board/").status_code == 200
    token = ApiToken.issue(boss, scope="admin")
    api = client.__class__(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/agents").status_code == 200


def test_serve_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ROADIE_SECRET_KEY"}
    env["ROADIE_DATA_DIR"] = str(tmp_path)
    out = _run("serve", "--port", "1", env=env)
    assert out.returncode == 2
    assert "ROADIE_SECRET_KEY is not set" in out.stderr


def test_the_demo_generates_and_keeps_its_own_secret_key(tmp_path):
    from roadie.commands.desk import demo_secret_key

    first = demo_secret_key(str(tmp_path))
    assert len(first) >= 50 and first == demo_secret_key(str(tmp_path))
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert first != demo_secret_key(str(tmp_path / "other"))


def test_https_turns_on_secure_cookies_and_hsts(tmp_path):
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'roadie.desk.settings');"
            "django.setup(); from django.conf import settings as s;"
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)")
    env = {**os.environ, "ROADIE_DATA_DIR": str(tmp_path), "ROADIE_HTTPS": "1"}
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert on.stdout.split() == ["True", "True", "31536000"]
    env.pop("ROADIE_HTTPS")
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert off.stdout.split() == ["False", "False", "0"]


@pytest.mark.django_db
def test_api_docs_are_served_from_roadie_itself(client):
    page = client.get("/api/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page.split("<body")[0]
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


@pytest.mark.django_db
def test_error_pages_are_styled_and_translated(client, make_user):
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 404
    html = page.content.decode()
    assert "Page introuvable" in html and "roadie.css" in html and "favicon.svg" in html
    client.force_login(make_user(role="finance"))
    denied = client.get("/board/", HTTP_ACCEPT_LANGUAGE="en")
    assert denied.status_code == 403 and "Not allowed" in denied.content.decode()
    assert client.get("/favicon.ico").status_code == 301
