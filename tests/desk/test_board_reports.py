"""The board's agents one by one, the history (service level, volumes, handle times,
abandonment; charts and CSV), contact lists for supervisors and brands, and query counts
that do not grow with the data."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roadie.desk.contacts import actions as contacts
from roadie.desk.contacts.models import Contact
from roadie.desk.routing import actions as routing
from roadie.desk.routing.dispatcher import tick
from roadie.desk.web.board import agent_rows
from roadie.desk.web.reports import PeriodError, history, parse_period

pytestmark = pytest.mark.django_db


def handle(contact, *, minutes: float = 0):
    tick()
    offer = contact.offers.get(status="pending")
    routing.accept_offer(offer.agent.user, offer.pk)
    if minutes:
        Contact.objects.filter(pk=contact.pk).update(answered_at=timezone.now() - timedelta(minutes=minutes))
    return offer.agent


def test_agents_one_by_one_with_contacts_handled_count_and_aht(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    make_agent(brands=[brand], presence="offline")
    done = make_contact(brand=brand)
    handle(done, minutes=4)
    contacts.resolve(agent.user, Contact.objects.get(pk=done.pk), wrap_up_code="solved")
    current = make_contact(brand=brand)
    handle(current)
    [row] = agent_rows()  # offline agents are left out by default
    assert row.id == agent.pk and row.state == "busy" and row.load == 2
    assert [c.pk for c in row.contacts] == [current.pk]
    assert row.brands == [brand.name] and row.handled_today == 1
    assert 230 <= row.aht_seconds <= 250


def test_board_links_queues_at_risk_and_contacts(make_brand, make_agent, make_contact, make_user, client):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    handle(contact)
    client.force_login(make_user(role="supervisor"))
    panel = client.get("/board/panel").content.decode()
    assert f'href="/desk/contacts/{contact.pk}/"' in panel and str(agent) in panel
    assert f"/board/contacts/?brand={brand.slug}&amp;channel=chat&amp;status=waiting" in panel


def test_history_counts_service_level_volumes_and_abandons(make_brand, make_agent, make_contact):
    brand = make_brand()
    make_agent(brands=[brand], presence="available", capacity=20)
    on_time = make_contact(brand=brand)
    handle(on_time)
    late = make_contact(brand=brand)
    past = timezone.now() - timedelta(seconds=5)
    Contact.objects.filter(pk=late.pk).update(deadline_at=past, first_deadline_at=past)
    handle(late)
    left = make_contact(brand=brand, channel="email")
    contacts.abandon(left)
    period = parse_period({})
    hist = history([brand], period)
    assert hist.total.arrived == 3 and hist.total.answered == 2 and hist.total.abandoned == 1
    # One in time of two counted (an abandon before its deadline is left out).
    assert hist.total.service_level == 0.5
    assert set(hist.by_channel_series) == {"chat", "email"}
    assert sum(b.arrived for b in hist.series) == 3 and len(hist.series) == 7


def test_period_errors_name_the_field():
    with pytest.raises(PeriodError, match="start"):
        parse_period({"start": "yesterday"})
    with pytest.raises(PeriodError, match="by"):
        parse_period({"by": "week"})
    with pytest.raises(PeriodError, match="at most"):
        parse_period({"start": "2026-01-01", "end": "2026-12-01"})


def test_history_page_chart_and_csv(make_brand, make_agent, make_contact, make_user, client):
    brand = make_brand()
    make_agent(brands=[brand], presence="available")
    handle(make_contact(brand=brand))
    client.force_login(make_user(role="supervisor"))
    page = client.get("/board/history/").content.decode()
    assert "<svg" in page and "<title" in page and brand.name in page
    response = client.get("/board/history/?format=csv&by=hour")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"] == "text/csv"
    assert [(r["brand"], r["channel"], r["arrived"], r["answered"]) for r in rows] == [(brand.name, "chat", "1", "1")]
    bad = client.get("/board/history/?end=31-12-2026")
    assert bad.status_code == 400 and b"end" in bad.content


def test_brand_sees_and_opens_only_its_own_contacts(make_brand, make_contact, make_user, client):
    ours, theirs = make_brand(), make_brand()
    mine = make_contact(brand=ours, body="chez nous")
    other = make_contact(brand=theirs, body="chez eux")
    client.force_login(make_user(role="brand", brand=ours))
    listing = client.get("/brand/contacts/").content.decode()
    assert f"#{mine.pk}<" in listing and f"#{other.pk}<" not in listing
    assert client.get(f"/desk/contacts/{mine.pk}/").status_code == 200
    assert client.get(f"/desk/contacts/{other.pk}/").status_code == 404
    dashboard = client.get("/brand/").content.decode()
    assert "<svg" in dashboard
    assert client.get("/brand/history/?format=csv").status_code == 200


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200, path
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/board/history/", "/board/contacts/", "/board/contacts/?status=waiting"])
def test_supervisor_pages_cost_the_same_with_more_data(path, make_brand, make_agent, make_contact, make_user, client):
    brand = make_brand()
    make_agent(brands=[brand], presence="available", capacity=50)
    handle(make_contact(brand=brand))
    make_contact(brand=brand)  # one waiting, so that every list has rows to show
    client.force_login(make_user(role="supervisor"))
    small = _queries(client, path)
    for _ in range(6):
        make_contact(brand=brand, channel="email")
    tick()
    assert _queries(client, path) == small


@pytest.mark.parametrize("path", ["/desk/", "/desk/list", "/desk/offers/banner", "/kb/"])
def test_agent_pages_cost_the_same_with_more_contacts(path, make_brand, make_agent, make_contact, client):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available", capacity=60)
    handle(make_contact(brand=brand))
    pending = make_contact(brand=brand)
    tick()
    client.force_login(agent.user)
    small = _queries(client, path)
    handle(pending)
    for n in range(5):  # more in progress, more resolved, then again one offer pending
        contact = make_contact(brand=brand, channel="email")
        handle(contact)
        if n % 2:
            contacts.resolve(agent.user, Contact.objects.get(pk=contact.pk), wrap_up_code="solved")
    make_contact(brand=brand)
    tick()
    assert _queries(client, path) == small
