"""The pages people spend their shift in cost a fixed number of queries, however many
contacts, messages, agents and brands there are: the agent's desk, the contact page, the
supervision board and the brand dashboard (with their list pages). The timings with 10,000
contacts are in bench/bench_pages.py and docs/benchmarks.md."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from roadie.desk.contacts import actions as contact_actions
from roadie.desk.routing.actions import accept_offer, make_offer

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


@pytest.fixture
def world(make_brand, make_agent, make_contact, make_user):
    """An agent handling one contact of each channel, with history; a supervisor; a brand user."""
    brand = make_brand(channels=("chat", "email", "voice"))
    agent = make_agent(brands=[brand], presence="available", capacity=20)
    state = {"brand": brand, "agent": agent, "n": 0}

    def grow(n: int) -> None:
        """n more contacts: handled, answered, tagged, noted, resolved or still open."""
        for i in range(n):
            contact = make_contact(brand=brand, channel=("chat", "email")[i % 2],
                                   email=f"grow{state['n']}@example.org")
            state["n"] += 1
            accept_offer(agent.user, make_offer(contact_id=contact.pk, agent_id=agent.pk).pk)
            contact.refresh_from_db()
            contact_actions.reply(agent.user, contact, body=f"Réponse {i}")
            contact_actions.add_note(agent.user, contact, body="note")
            contact_actions.set_tags(agent.user, contact, tags=["billing"])
            if i % 3:
                code = brand.wrap_up_codes.values_list("code", flat=True).first() or "done"
                contact_actions.resolve(agent.user, contact, wrap_up_code=code)
        make_agent(brands=[brand], presence="available")

    grow(3)
    state["supervisor"] = make_user(role="supervisor")
    state["brand_user"] = make_user(role="brand_admin", brand=brand)
    state["grow"] = grow
    return state


def logged(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_contact(world):
    from roadie.desk.contacts.models import Contact, Status

    return Contact.objects.filter(agent=world["agent"], status=Status.ACTIVE).order_by("pk").first()


@pytest.mark.parametrize(("who", "path"), [
    ("agent", "/desk/"),
    ("agent", "/desk/list"),
    ("agent", "/desk/contacts/{open}/"),
    ("agent", "/desk/contacts/{open}/messages"),
    ("supervisor", "/desk/contacts/{open}/"),
    ("supervisor", "/board/"),
    ("supervisor", "/board/panel"),
    ("supervisor", "/board/contacts/"),
    ("brand_user", "/brand/"),
    ("brand_user", "/brand/contacts/"),
])
def test_page_queries_do_not_grow_with_the_contacts(world, who, path):
    user = world[who].user if who == "agent" else world[who]
    client = logged(user)
    url = path.format(open=open_contact(world).pk)
    client.get(url)  # first-use caches (sessions, translations) are not the page's cost
    small = queries(client, url)
    world["grow"](12)
    url = path.format(open=open_contact(world).pk)
    client.get(url)
    assert queries(client, url) == small, f"{url}: the query count grew with the contacts"
