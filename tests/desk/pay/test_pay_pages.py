"""Money pages through Django's test client: who may open which, and what they show."""

from __future__ import annotations

import datetime as dt

import pytest

from roadie.desk.pay import actions
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def books(make_brand, make_agent, make_user, resolve_contact):
    ondes = make_brand(slug="ondes")
    cam = make_agent(brands=[ondes], username="camille")
    resolve_contact(brand=ondes, agent=cam, at=paris(2026, 3, 3, 10))
    actions.close_period(None, period="2026-03", now=paris(2026, 4, 20))
    return {"cam": cam, "finance": make_user(role="finance"), "brand": make_user(role="brand", brand=ondes),
            "other_brand": make_user(role="brand", brand=make_brand()), "supervisor": make_user(role="supervisor")}


def test_roadie_page_lists_lines_and_contest_goes_to_finance(client, books):
    client.force_login(books["cam"].user)
    page = client.get("/pay/").content.decode()
    assert "chat contact #" in page and "default v1" in page and "1.10 €" in page
    from roadie.desk.pay.models import Entry

    line = Entry.objects.filter(account__agent=books["cam"], kind="contact").get()
    r = client.post("/pay/contest", {"entry_id": line.pk, "reason": "call was longer", "next": "/pay/"})
    assert r.status_code == 302
    client.force_login(books["finance"])
    finance = client.get("/pay/finance/").content.decode()
    assert "call was longer" in finance and "2026-03" in finance
    # finance reads statements, not conversations: no message body is on the page
    assert client.get("/pay/finance/?check=1").content.decode().count("Books balanced") == 1


def test_role_walls(client, books):
    client.force_login(books["supervisor"])
    assert client.get("/pay/finance/").status_code == 403
    assert client.get("/pay/").status_code == 404
    client.force_login(books["other_brand"])
    assert "No invoice yet" in client.get("/pay/invoices/").content.decode()
    client.force_login(books["brand"])
    listing = client.get("/pay/invoices/").content.decode()
    from roadie.desk.pay.models import BrandInvoice

    number = BrandInvoice.objects.get().number
    assert number in listing
    assert "Usage behind this invoice" in client.get(f"/pay/invoices/{number}/").content.decode()
    assert client.get(f"/pay/invoices/{number}.pdf").content.startswith(b"%PDF")
    client.force_login(books["other_brand"])
    assert client.get(f"/pay/invoices/{number}/").status_code == 404


def test_finance_closes_from_the_page_with_a_clear_refusal(client, books):
    client.force_login(books["finance"])
    r = client.post("/pay/finance/close", {"period": "2026-03"}, follow=True)
    assert "already closed" in r.content.decode()


def test_demo_money_every_roadie_has_contacts_premium_calls_bookings_and_closed_months(db):
    from roadie.desk.agents.models import Agent
    from roadie.desk.demo.data import load_demo
    from roadie.desk.pay import lib
    from roadie.desk.pay.demo import seed_pay_demo
    from roadie.desk.pay.models import Entry, Statement

    load_demo(agents=5)
    result = seed_pay_demo(now=paris(2026, 12, 1, 9))
    assert result["closed"] == ["2026-09", "2026-10"]
    for agent in Agent.objects.all():
        kinds = set(Entry.objects.filter(account__agent=agent).values_list("kind", flat=True))
        assert {"contact", "premium_share", "fixed"} <= kinds, agent
    assert Statement.objects.filter(agent__user__username="camille", period="2026-10").exists()
    assert lib.ledger_check().ok
    assert seed_pay_demo(now=paris(2026, 12, 1, 9))["closed"] == []  # a second seed adds nothing
