"""Brand contracts and pool-scoped rule versions through the REST API, the twins of the finance
settings page: the contract the API sets is the one the next invoice uses; bad terms are 400
naming the field with nothing written; finance and the administrator only."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from roadie.desk.brands.models import Pool
from roadie.desk.pay import actions
from roadie.desk.pay.models import BrandContract, RuleSet
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db


def post(client, url, payload):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


TERMS = {"per_contact": {"chat": "4.00"}, "payment_days": 45}


def test_a_contract_set_by_the_api_is_the_one_the_next_invoice_uses(api_client, finance, make_brand,
                                                                    make_agent, resolve_contact):
    brand = make_brand(slug="ondes")
    client = api_client(finance)
    r = post(client, "/api/pay/contracts", {"brand": "ondes", "effective_from": "2026-03-01", "data": TERMS,
                                            "legal_name": "Ondes SAS", "address": "1 quai, Nantes"})
    assert r.status_code == 201, r.content
    assert r.json() == {"brand": "ondes", "effective_from": "2026-03-01", "data": TERMS,
                        "legal_name": "Ondes SAS", "address": "1 quai, Nantes"}
    resolve_contact(brand=brand, agent=make_agent(brands=[brand]), at=dt.datetime(2026, 3, 3, 10, tzinfo=PARIS))
    actions.close_period(None, period="2026-03", now=dt.datetime(2026, 4, 20, tzinfo=PARIS))
    invoice = brand.invoices.get()
    assert invoice.lines[0]["unit_price"] == "4.00"
    assert (invoice.due_on - invoice.issued_at.astimezone(PARIS).date()).days == 45
    assert post(client, "/api/pay/contracts", {"brand": "ondes", "effective_from": "2026-05-01",
                                               "data": {}}).status_code == 201
    listed = client.get("/api/pay/contracts", {"brand": "ondes"}).json()
    assert [c["effective_from"] for c in listed] == ["2026-05-01", "2026-03-01"]


@pytest.mark.parametrize(("body", "named"), [
    ({"brand": "nope"}, "brand"),
    ({"data": {"sl_credits": [{"shortfall": "0", "credit": "2"}]}}, "sl_credits"),
    ({"effective_from": "soon"}, "effective_from"),
    ({"data": "terms"}, "data"),
])
def test_bad_contracts_name_the_field_and_write_nothing(api_client, finance, make_brand, body, named):
    make_brand(slug="ondes")
    r = post(api_client(finance), "/api/pay/contracts",
             {"brand": "ondes", "effective_from": "2027-01-01", "data": TERMS, **body})
    assert r.status_code in (400, 422) and named in json.dumps(r.json()["detail"])
    assert not BrandContract.objects.exists()


def test_a_second_version_on_the_same_date_or_in_a_closed_period_is_refused(
        api_client, finance, make_brand, make_agent, resolve_contact):
    brand = make_brand(slug="ondes")
    client = api_client(finance)
    resolve_contact(brand=brand, agent=make_agent(brands=[brand]), at=dt.datetime(2026, 3, 3, 10, tzinfo=PARIS))
    actions.close_period(None, period="2026-03", now=dt.datetime(2026, 4, 20, tzinfo=PARIS))
    inside = post(client, "/api/pay/contracts", {"brand": "ondes", "effective_from": "2026-03-10", "data": {}})
    assert inside.status_code == 400 and "closed period" in inside.json()["detail"]
    assert post(client, "/api/pay/contracts", {"brand": "ondes", "effective_from": "2026-06-01",
                                               "data": TERMS}).status_code == 201
    twice = post(client, "/api/pay/contracts", {"brand": "ondes", "effective_from": "2026-06-01", "data": {}})
    assert twice.status_code == 400 and "already has a contract" in twice.json()["detail"]
    assert list(BrandContract.objects.values_list("data", flat=True)) == [TERMS]


def test_a_rule_version_scoped_to_a_pool(api_client, finance):
    pool = Pool.objects.create(slug="north", name="North")
    client = api_client(finance)
    r = post(client, "/api/pay/rules", {"code": "north-nights", "effective_from": "2027-01-01", "pool": "north",
                                        "data": {"night": {"start_hour": 21, "end_hour": 6, "premium": "0.30"}}})
    assert r.status_code == 201, r.content
    assert r.json()["pool"] == "north" and RuleSet.objects.get(code="north-nights").pool == pool
    bad = post(client, "/api/pay/rules", {"code": "x", "effective_from": "2027-01-01", "pool": "south", "data": {}})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("pool:")
    assert not RuleSet.objects.filter(code="x").exists()


def test_only_finance_and_the_administrator(api_client, make_user, make_brand):
    brand = make_brand(slug="ondes")
    body = {"brand": "ondes", "effective_from": "2027-01-01", "data": {}}
    assert post(api_client(make_user(role="admin")), "/api/pay/contracts", body).status_code == 201
    for user in (make_user(role="supervisor"), make_user(role="qa"), make_user(role="brand_admin", brand=brand),
                 make_user(role="brand", brand=brand)):
        client = api_client(user)
        assert client.get("/api/pay/contracts").status_code == 403
        assert post(client, "/api/pay/contracts", {**body, "effective_from": "2027-02-01"}).status_code == 403
    assert BrandContract.objects.count() == 1
