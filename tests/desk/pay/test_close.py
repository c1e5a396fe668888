"""Closing a period end to end: contact lines by channel with long-call tiers, night and
Sunday premiums, the hard cases, late events as adjustments, statements, invoices, payouts,
premium shares, ledger-check and the byte-identical recompute."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from roadie.desk.pay import actions, lib
from roadie.desk.pay.actions import PayError
from roadie.desk.pay.models import BrandInvoice, Period, SelfBilledInvoice, Transaction
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


AFTER_MARCH = paris(2026, 4, 20)


@pytest.fixture
def team(make_brand, make_agent):
    brand = make_brand(slug="ondes")
    a, b = make_agent(brands=[brand], username="alice"), make_agent(brands=[brand], username="bruno")
    actions.accept_mandate(agent=a, legal_name="Alice Martin", siret="12345678900011",
                           address="1 rue A, Lyon", iban="FR7630006000011234567890189", bic="AGRIFRPP")
    actions.accept_mandate(agent=b, legal_name="Bruno Petit", siret="12345678900029",
                           address="2 rue B, Lille", vat_franchise=False, vat_number="FR11123456789")
    return brand, a, b


def _statement(agent) -> dict:
    return lib.statement_json(agent=agent, period="2026-03")


def test_contact_lines_by_channel_long_calls_and_premiums(team, resolve_contact):
    brand, a, _ = team
    resolve_contact(brand=brand, agent=a, channel="chat", at=paris(2026, 3, 3, 10))  # Tuesday, day
    resolve_contact(brand=brand, agent=a, channel="voice", at=paris(2026, 3, 3, 11),
                    handle_seconds=10 * 60 + 5)  # 2 min 5 s past 8 min: 3 extra minutes
    resolve_contact(brand=brand, agent=a, channel="email", at=paris(2026, 3, 3, 23, 30))  # night
    resolve_contact(brand=brand, agent=a, channel="chat", at=paris(2026, 3, 8, 15))  # Sunday
    actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    amounts = [li["amount"] for li in _statement(a)["lines"] if li["kind"] == "contact"]
    # chat 1.10; voice 1.40 + 3 × 0.10; email 0.90 × 1.25 = 1.125 -> 1.13; Sunday chat 1.10 × 1.5
    assert amounts == ["1.10", "1.70", "1.13", "1.65"]
    night = [li for li in _statement(a)["lines"] if "night" in li["label"]][0]
    assert night["rule"] == "default" and night["rule_version"] == 1 and night["multiplier"] == "1.25"


def test_hard_cases_escalated_reopened_handed_back(team, resolve_contact):
    brand, a, b = team
    resolve_contact(brand=brand, agent=a, at=paris(2026, 3, 4, 10), escalated=True)  # paid to resolver
    # Reopened within 7 days: the first resolution is unpaid, the second (by bruno) is paid once.
    contact, _ = resolve_contact(brand=brand, agent=a, at=paris(2026, 3, 10, 10),
                                 reopened_after=dt.timedelta(days=2))
    from roadie.desk.contacts.models import ContactEvent, EventKind

    ContactEvent.objects.create(contact=contact, kind=EventKind.RESOLVED, agent=b, at=paris(2026, 3, 13, 9))
    _, row = actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    assert row.outcomes == {"paid": 2, "superseded": 1}
    keys_a = [li["key"] for li in _statement(a)["lines"] if li["kind"] == "contact"]
    keys_b = [li["evidence"] for li in _statement(b)["lines"] if li["kind"] == "contact"]
    assert len(keys_a) == 1 and "escalated, paid to the resolver" in _statement(a)["lines"][0]["label"]
    assert keys_b == [f"contact:{contact.pk}"]


def test_escalated_unpaid_by_rule(team, resolve_contact, finance):
    brand, a, _ = team
    actions.ensure_default_rules()
    actions.add_rule_version(finance, code="ondes-escalations", effective_from=dt.date(2026, 3, 1),
                             data={"escalated": "unpaid"}, brand=brand)
    resolve_contact(brand=brand, agent=a, at=paris(2026, 3, 4, 10), escalated=True)
    _, build = actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    assert build.outcomes == {"unpaid": 1}


def test_close_is_refused_too_early_twice_or_out_of_order(team, resolve_contact):
    brand, a, _ = team
    resolve_contact(brand=brand, agent=a, at=paris(2026, 3, 30, 10))
    with pytest.raises(PayError, match="can close from 2026-04-08"):
        actions.close_period(None, period="2026-03", now=paris(2026, 4, 2))
    with pytest.raises(PayError, match="period: period must be YYYY-MM"):
        actions.close_period(None, period="2026-13", now=AFTER_MARCH)
    assert not Transaction.objects.exists()
    actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    with pytest.raises(PayError, match="already closed"):
        actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    with pytest.raises(PayError, match="close 2026-04 first"):
        actions.close_period(None, period="2026-05", now=paris(2026, 6, 20))


def test_late_event_lands_in_next_period_and_closed_period_recomputes_identically(team, resolve_contact):
    brand, a, b = team
    resolve_contact(brand=brand, agent=a, at=paris(2026, 3, 5, 10))
    actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    before = lib.statement_csv_from_ledger(agent_id=a.pk, period="2026-03")
    # A resolution dated in March reaches the desk after March closed.
    late, _ = resolve_contact(brand=brand, agent=a, at=paris(2026, 3, 20, 10), channel="voice")
    resolve_contact(brand=brand, agent=a, at=paris(2026, 4, 3, 10))
    actions.close_period(None, period="2026-04", now=paris(2026, 5, 20))
    april = lib.statement_json(agent=a, period="2026-04")
    adjustment = [li for li in april["lines"] if li["adjustment_of"] == "2026-03"]
    assert [li["evidence"] for li in adjustment] == [f"contact:{late.pk}"]
    assert lib.statement_csv_from_ledger(agent_id=a.pk, period="2026-03") == before
    same, differences = lib.recompute_check("2026-03")
    assert same, differences
    assert lib.recompute_check("2026-04")[0]
    assert lib.ledger_check().ok


def test_invoices_vat_and_payouts(team, resolve_contact):
    brand, a, b = team
    for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13):  # weekdays: no Sunday premium
        resolve_contact(brand=brand, agent=a, at=paris(2026, 3, day, 10))
        resolve_contact(brand=brand, agent=b, at=paris(2026, 3, day, 11), channel="voice")
    actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    inv_a = SelfBilledInvoice.objects.get(agent=a)
    inv_b = SelfBilledInvoice.objects.get(agent=b)
    assert inv_a.number == f"AF-{a.pk:05d}-00001" and inv_a.vat_franchise and inv_a.vat == 0
    assert inv_a.net == Decimal("11.00")
    assert inv_b.vat == Decimal("2.80") and inv_b.total == Decimal("16.80")  # 10 × 1.40 + 20 %
    sb = _statement(b)
    assert sb["total"] == "16.80" and sb["payout"] == "16.80"
    invoice = BrandInvoice.objects.get(brand=brand)
    assert invoice.vat == (invoice.net * Decimal("0.20")).quantize(Decimal("0.01"))
    assert invoice.total == invoice.net + invoice.vat
    check = lib.ledger_check()
    assert check.ok and check.statements == 2


def test_premium_shares_are_sixty_percent_of_revenue_to_the_cent(team, premium_call):
    brand, a, b = team
    # 0.45 €/min: 0.0075 € a second, so per-call shares do not fall on cents.
    for i, seconds in enumerate((61, 1, 333, 47, 120, 7)):
        premium_call(brand=brand, agent=(a, b)[i % 2], at=paris(2026, 3, 6, 10, i), seconds=seconds,
                     price="0.45")
    period, _ = actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    assert period.premium_shares == (period.premium_revenue * Decimal("0.60")).quantize(Decimal("0.01"))
    shares = [Decimal(li["amount"]) for ag in (a, b) for li in _statement(ag)["lines"]
              if li["kind"] == "premium_share"]
    assert sum(shares) == period.premium_shares and len(shares) == 6
    assert lib.premium_report(period="2026-03")[0]["calls"] == 6


def test_premium_line_configuration_refuses_what_the_law_forbids(make_brand):
    from roadie.desk.brands.models import Channel

    brand = make_brand()
    channel = Channel.objects.create(brand=brand, kind="voice", address="+33899000000")
    with pytest.raises(PayError, match="above the 0.60 €/min cap"):
        actions.configure_premium_line(channel=channel, purpose="expertise", price_per_minute="0.61")
    with pytest.raises(PayError, match="French consumer law"):
        actions.configure_premium_line(channel=channel, purpose="complaint", price_per_minute="0.50")
    with pytest.raises(PayError, match="purpose: required"):
        actions.configure_premium_line(channel=channel, purpose="", price_per_minute="0.50")
    line = actions.configure_premium_line(channel=channel, purpose="expertise", price_per_minute="0.60")
    channel.refresh_from_db()
    assert line.price_per_minute == Decimal("0.60") and channel.premium


def test_contest_opens_a_case_and_a_correction_lands_in_the_next_period(team, resolve_contact, finance):
    brand, a, b = team
    resolve_contact(brand=brand, agent=a, at=paris(2026, 3, 5, 10))
    actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    line = _statement(a)["lines"][0]
    with pytest.raises(PayError, match="entry_id"):
        actions.open_contest(b.user, entry_id=line["id"], reason="not mine")
    contest = actions.open_contest(a.user, entry_id=line["id"], reason="this was a 20-minute call")
    actions.decide_contest(finance, contest_id=contest.pk, accept=True, decision="long call tier missed",
                           correction=Decimal("1.20"))
    assert Period.objects.get(month="2026-03").status == "closed"
    april = lib.statement_json(agent=a, period="2026-04")
    assert april["lines"][0]["amount"] == "1.20" and april["lines"][0]["adjustment_of"] == "2026-03"
