"""The pay API: who sees what (finance all money, a roadie their own, a brand user their
brand's invoices), clear 4xx answers, amounts as decimal strings, in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from roadie.desk.pay import actions
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def books(make_brand, make_agent, make_user, resolve_contact):
    ondes, other = make_brand(slug="ondes"), make_brand(slug="other")
    cam, leo = make_agent(brands=[ondes], username="camille"), make_agent(brands=[other], username="leo")
    resolve_contact(brand=ondes, agent=cam, at=paris(2026, 3, 3, 10))
    resolve_contact(brand=other, agent=leo, at=paris(2026, 3, 4, 10))
    actions.close_period(None, period="2026-03", now=paris(2026, 4, 20))
    return {"cam": cam, "leo": leo, "finance": make_user(role="finance"),
            "brand": make_user(role="brand", brand=ondes), "supervisor": make_user(role="supervisor")}


def test_a_roadie_reads_only_their_own_statement_and_contests_a_line(api_client, books):
    client = api_client(books["cam"].user)
    mine = client.get("/api/pay/statements/2026-03").json()
    assert mine["agent"] == "camille" and mine["total"] == "1.10" and mine["lines"][0]["rule"] == "default"
    assert client.get("/api/pay/statements/2026-03", {"agent": "leo"}).status_code == 404
    csv_text = client.get("/api/pay/statements/2026-03", {"format": "csv"}).content.decode()
    assert csv_text.startswith("period,key,kind")
    r = client.post("/api/pay/contests", {"entry_id": mine["lines"][0]["id"], "reason": "long call"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "open"
    leo_line = api_client(books["leo"].user).get("/api/pay/statements/2026-03").json()["lines"][0]["id"]
    r = client.post("/api/pay/contests", {"entry_id": leo_line, "reason": "x"}, content_type="application/json")
    assert r.status_code == 400 and "entry_id" in r.json()["detail"]
    assert client.get("/api/pay/ledger").status_code == 403
    assert client.get("/api/pay/invoices").json() == []


def test_finance_sees_money_decides_contests_and_adds_rules(api_client, books):
    client = api_client(books["finance"])
    assert client.get("/api/pay/statements/2026-03", {"agent": "leo"}).json()["agent"] == "leo"
    ledger = client.get("/api/pay/ledger", {"period": "2026-03"}).json()
    assert ledger and all(sum(Decimal(leg["amount"]) for leg in t["legs"]) == 0 for t in ledger)
    assert client.get("/api/pay/ledger/check").json()["ok"] is True
    assert {i["brand"] for i in client.get("/api/pay/invoices").json()} == {"ondes", "other"}
    r = client.post("/api/pay/rules", {"code": "default", "effective_from": "2026-03-15", "data": {}},
                    content_type="application/json")
    assert r.status_code == 400 and "closed period" in r.json()["detail"]
    r = client.post("/api/pay/rules", {"code": "default", "effective_from": "2026-05-01",
                                       "data": {"contact_rate": {"chat": 1.2}}}, content_type="application/json")
    assert r.status_code == 400 and "contact_rate.chat" in r.json()["detail"]
    r = client.post("/api/pay/rules", {"code": "default", "effective_from": "2026-05-01",
                                       "data": {"contact_rate": {"chat": "1.20"}}}, content_type="application/json")
    assert r.status_code == 201 and r.json()["version"] == 2
    assert client.post("/api/pay/periods/2026-03/close").status_code == 400


def test_a_brand_user_sees_only_their_brand_invoices(api_client, books):
    client = api_client(books["brand"])
    invoices = client.get("/api/pay/invoices").json()
    assert [i["brand"] for i in invoices] == ["ondes"]
    number = invoices[0]["number"]
    assert client.get(f"/api/pay/invoices/{number}", {"format": "pdf"}).content.startswith(b"%PDF")
    other = api_client(books["finance"]).get("/api/pay/invoices").json()
    other_number = next(i["number"] for i in other if i["brand"] == "other")
    assert client.get(f"/api/pay/invoices/{other_number}").status_code == 404
    assert client.get("/api/pay/statements/2026-03").status_code == 404
    assert api_client(books["supervisor"]).get("/api/pay/ledger").status_code == 403


def test_premium_line_configuration_over_the_api(api_client, books, make_brand):
    from roadie.desk.brands.models import Channel

    channel = Channel.objects.create(brand=make_brand(), kind="voice", address="+33899111111")
    client = api_client(books["finance"])
    r = client.post("/api/pay/premium-lines", {"channel_id": channel.pk, "purpose": "after_sales",
                                               "price_per_minute": "0.50"}, content_type="application/json")
    assert r.status_code == 400 and "consumer law" in r.json()["detail"]
    r = client.post("/api/pay/premium-lines", {"channel_id": channel.pk, "purpose": "expertise",
                                               "price_per_minute": "0.75"}, content_type="application/json")
    assert r.status_code == 400 and "0.60" in r.json()["detail"]
    r = client.post("/api/pay/premium-lines", {"channel_id": channel.pk, "purpose": "expertise",
                                               "price_per_minute": "0.60"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["price_per_minute"] == "0.60"


def test_pay_endpoints_are_in_the_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/pay/rules", "/api/pay/statements/{period}", "/api/pay/contests",
                 "/api/pay/invoices", "/api/pay/ledger", "/api/pay/periods/{month}/close"):
        assert path in paths
