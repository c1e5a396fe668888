"""/healthz tells a state and nothing else, and a leader that stopped renewing is unhealthy;
an API request without a valid token answers 401, not a CSRF 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.routing.dispatcher import LEASE_SECONDS, take_lease
from roadie.desk.routing.models import Lease

pytestmark = pytest.mark.django_db


def test_healthz_names_a_state_only(client):
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "no-dispatcher"}
    take_lease("web-7.internal:4242")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "routing_divergences": 0}
    assert b"4242" not in response.content and b"internal" not in response.content


def test_a_leader_that_stopped_renewing_is_unhealthy_before_its_lease_ends(client):
    take_lease("dispatcher-a:1")
    # Renewed 6 s ago (then killed): its lease still runs for 4 s, but it is dead.
    Lease.objects.update(expires_at=timezone.now() + timedelta(seconds=LEASE_SECONDS - 6))
    assert client.get("/healthz").status_code == 503


def test_a_broken_database_answer_carries_no_error_text(client, monkeypatch):
    from roadie.desk.web import views_health

    monkeypatch.setattr(views_health, "leader_alive",
                        lambda: (_ for _ in ()).throw(RuntimeError("password for db.secret.host")))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "down"}


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer nope"},
                                     {"HTTP_AUTHORIZATION": "Basic eDp5"}])
def test_a_request_without_a_valid_token_is_a_401(client, headers):
    for method, url in (("post", "/api/contacts"), ("get", "/api/contacts"),
                        ("post", "/api/agents/me/presence")):
        response = getattr(client, method)(url, data={}, content_type="application/json", **headers)
        assert response.status_code == 401, (method, url, response.content)
