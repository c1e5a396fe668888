"""Finance sets pay rule versions and brand contracts from a page, through the same actions
as the API; bad terms are refused naming the field, and nothing is written."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from roadie.desk.pay import actions
from roadie.desk.pay.models import BrandContract, RuleSet
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_client(client, finance):
    client.force_login(finance)
    return client


def test_finance_adds_a_rule_version_scoped_to_a_brand(finance_client, make_brand):
    brand = make_brand(slug="ondes")
    assert "Pay rules and brand contracts" in finance_client.get("/pay/finance/").content.decode()
    terms = {"night": {"start_hour": 21, "end_hour": 6, "premium": "0.30"}}
    r = finance_client.post("/pay/finance/settings/", {
        "form": "rule", "code": "ondes-nights", "effective_from": "2027-01-01", "brand": "ondes",
        "channel": "voice", "data": json.dumps(terms)})
    assert r.status_code == 302
    rule = RuleSet.objects.get(code="ondes-nights")
    assert (rule.version, rule.brand, rule.channel, rule.data) == (1, brand, "voice", terms)
    finance_client.post("/pay/finance/settings/", {
        "form": "rule", "code": "ondes-nights", "effective_from": "2027-02-01", "brand": "ondes",
        "data": "{}"})
    assert RuleSet.objects.filter(code="ondes-nights").count() == 2
    page = finance_client.get("/pay/finance/settings/").content.decode()
    assert "ondes-nights v2" in page and "ondes-nights v1" in page


@pytest.mark.parametrize(("fields", "named"), [
    ({"data": "{oops"}, "data"),
    ({"data": json.dumps({"contact_rate": {"fax": "1"}})}, "contact_rate"),
    ({"data": json.dumps({"bonus": "1"})}, "bonus"),
    ({"effective_from": "soon"}, "effective_from"),
    ({"channel": "pigeon"}, "channel"),
    ({"code": ""}, "code"),
])
def test_bad_rule_versions_name_the_field_and_write_nothing(finance_client, fields, named):
    body = {"form": "rule", "code": "x", "effective_from": "2027-01-01", "data": "{}", **fields}
    r = finance_client.post("/pay/finance/settings/", body)
    assert r.status_code == 422 and named in r.content.decode()
    assert not RuleSet.objects.filter(code="x").exists()


def test_a_rule_version_inside_a_closed_period_is_refused(finance_client, make_brand, make_agent,
                                                          resolve_contact):
    brand = make_brand()
    resolve_contact(brand=brand, agent=make_agent(brands=[brand]),
                    at=dt.datetime(2026, 3, 3, 10, tzinfo=PARIS))
    actions.close_period(None, period="2026-03", now=dt.datetime(2026, 4, 20, tzinfo=PARIS))
    r = finance_client.post("/pay/finance/settings/", {
        "form": "rule", "code": "late", "effective_from": "2026-03-15", "data": "{}"})
    assert r.status_code == 422 and "closed period" in r.content.decode()
    assert not RuleSet.objects.filter(code="late").exists()


def test_finance_sets_a_brand_contract_that_the_next_invoice_uses(finance_client, make_brand,
                                                                  make_agent, resolve_contact):
    brand = make_brand(slug="ondes")
    r = finance_client.post("/pay/finance/settings/", {
        "form": "contract", "brand": "ondes", "effective_from": "2026-03-01",
        "legal_name": "Ondes SAS", "address": "1 quai, Nantes",
        "data": json.dumps({"per_contact": {"chat": "4.00"}, "payment_days": 45})})
    assert r.status_code == 302
    contract = BrandContract.objects.get(brand=brand)
    assert contract.legal_name == "Ondes SAS" and contract.data["payment_days"] == 45
    resolve_contact(brand=brand, agent=make_agent(brands=[brand]),
                    at=dt.datetime(2026, 3, 3, 10, tzinfo=PARIS))
    actions.close_period(None, period="2026-03", now=dt.datetime(2026, 4, 20, tzinfo=PARIS))
    invoice = brand.invoices.get()
    assert invoice.lines[0]["unit_price"] == "4.00"
    assert (invoice.due_on - invoice.issued_at.astimezone(PARIS).date()).days == 45
    # the same date twice: refused, the first version kept
    again = finance_client.post("/pay/finance/settings/", {
        "form": "contract", "brand": "ondes", "effective_from": "2026-05-01", "data": "{}"})
    assert again.status_code == 302
    twice = finance_client.post("/pay/finance/settings/", {
        "form": "contract", "brand": "ondes", "effective_from": "2026-05-01", "data": "{}"})
    assert twice.status_code == 422 and "already has a contract" in twice.content.decode()
    inside = finance_client.post("/pay/finance/settings/", {
        "form": "contract", "brand": "ondes", "effective_from": "2026-03-10", "data": "{}"})
    assert inside.status_code == 422 and "closed period" in inside.content.decode()
    bad = finance_client.post("/pay/finance/settings/", {
        "form": "contract", "brand": "ondes", "effective_from": "2026-06-01",
        "data": json.dumps({"sl_credits": [{"shortfall": "0", "credit": "2"}]})})
    assert bad.status_code == 422 and "sl_credits" in bad.content.decode()
    assert BrandContract.objects.filter(brand=brand).count() == 2


def test_only_finance_opens_the_settings(client, make_user, make_brand):
    for role in ("supervisor", "qa", "agent"):
        client.force_login(make_user(role=role))
        assert client.get("/pay/finance/settings/").status_code == 403
    client.force_login(make_user(role="brand", brand=make_brand()))
    assert client.get("/pay/finance/settings/").status_code == 403
