"""List pages and API lists cost a fixed number of queries, however many contacts there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadie.desk.routing.dispatcher import tick

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/api/contacts", "/api/queues", "/api/agents", "/board/panel"])
def test_query_count_does_not_grow_with_the_data(path, make_brand, make_agent, make_contact, make_user, client, api_client):
    brands = [make_brand() for _ in range(2)]
    for brand in brands:
        make_agent(brands=[brand], presence="available")
        make_contact(brand=brand)
    tick()
    supervisor = make_user(role="supervisor")
    http = api_client(supervisor) if path.startswith("/api") else client
    client.force_login(supervisor)
    http.get(path)  # a token's first use is recorded (once a minute): not part of the list's cost
    small = queries(http, path)
    for brand in brands * 5:
        make_agent(brands=[brand], presence="available")
        make_contact(brand=brand, channel="email")
    brands.append(make_brand())
    tick()
    assert queries(http, path) == small
