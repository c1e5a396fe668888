"""The pure pay engine: rules as data, the evaluator's hard cases, rounding and splits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine.pay import evaluate as ev
from roadie.engine.pay import rules as rl
from roadie.engine.pay.invoice import ChannelUsage, draft_invoice, parse_contract
from roadie.engine.pay.money import franchise_status, split_to_cent

RULES = [rl.parse({}, code="default", version=1, effective_from=dt.date(2020, 1, 1))]


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ev.PARIS)


def fact(**kw) -> ev.ContactFact:
    base = dict(event_id=1, contact_id=1, agent_id=7, brand="b", channel="chat",
                resolved_at=paris(2026, 3, 3, 10, 5), answered_at=paris(2026, 3, 3, 10))
    return ev.ContactFact(**{**base, **kw})


def test_rule_data_is_checked_and_names_the_field():
    with pytest.raises(rl.RuleError, match="contact_rate: keys must be channels"):
        rl.parse({"contact_rate": {"fax": "1"}}, code="x", version=1, effective_from=dt.date(2026, 1, 1))
    with pytest.raises(rl.RuleError, match="premium_share: must be at most 1"):
        rl.parse({"premium_share": "1.5"}, code="x", version=1, effective_from=dt.date(2026, 1, 1))
    with pytest.raises(rl.RuleError, match="bogus: unknown rule"):
        rl.parse({"bogus": 1}, code="x", version=1, effective_from=dt.date(2026, 1, 1))


def test_the_most_specific_rule_in_effect_is_chosen():
    brand_v1 = rl.parse({"contact_rate": {"chat": "2.00"}}, code="b", version=1, brand="b",
                        effective_from=dt.date(2026, 3, 10))
    brand_v2 = rl.parse({"contact_rate": {"chat": "2.50"}}, code="b", version=2, brand="b",
                        effective_from=dt.date(2026, 3, 20))
    sets = RULES + [brand_v1, brand_v2]
    assert rl.select(sets, at=dt.date(2026, 3, 5), brand="b").code == "default"
    assert rl.select(sets, at=dt.date(2026, 3, 15), brand="b").version == 1
    assert rl.select(sets, at=dt.date(2026, 3, 25), brand="b").version == 2
    assert rl.select(sets, at=dt.date(2026, 3, 25), brand="other").code == "default"


def test_hard_cases():
    cutoff = paris(2026, 4, 8)
    out = ev.evaluate_contacts([
        fact(event_id=1),
        fact(event_id=2, reopened_at=(paris(2026, 3, 5),)),  # reopened within 7 days
        fact(event_id=3, reopened_at=(paris(2026, 3, 20),)),  # reopened after the window: paid
        fact(event_id=4, resolved_at=paris(2026, 4, 5)),  # window not passed at cut-off
        fact(event_id=5, agent_id=None),
        fact(event_id=6, escalated=True),
    ], RULES, cutoff=cutoff, quality={})
    assert [o.status for o in out] == ["paid", "superseded", "paid", "held", "unpaid", "paid"]
    unpaid_rules = [rl.parse({"escalated": "unpaid"}, code="d", version=1, effective_from=dt.date(2020, 1, 1))]
    assert ev.evaluate_contacts([fact(escalated=True)], unpaid_rules, cutoff=cutoff, quality={})[0].status == "unpaid"


def test_quality_bands_long_calls_and_premiums():
    line = ev.contact_line(fact(channel="voice", answered_at=paris(2026, 3, 8, 23, 0),
                                resolved_at=paris(2026, 3, 8, 23, 9, 1)), RULES[0], quality=Decimal("91"))
    # 1.40 + 2 × 0.10 extra minutes; quality 1.20; Sunday 50 % beats night 25 %.
    assert (line.base, line.multiplier, line.amount) == (Decimal("1.60"), Decimal("1.80"), Decimal("2.88"))
    assert RULES[0].quality_multiplier(None) == 1 and RULES[0].quality_multiplier(Decimal("59.9")) == Decimal("0.90")


def test_minimum_earnings_true_up():
    lines = [ev.contact_line(fact(), RULES[0], quality=None)]
    ups = ev.true_up_lines(period="2026-03", lines=lines, attended_hours={7: Decimal("2")},
                           rule_sets=RULES, at=paris(2026, 3, 31, 23))
    assert ups[0].amount == Decimal("24.00") - lines[0].amount


def test_franchise_warnings():
    assert franchise_status(Decimal("30000")).level == "ok"
    assert franchise_status(Decimal("34000")).level == "approaching"
    assert franchise_status(Decimal("38000")).level == "over_base"
    assert franchise_status(Decimal("41251")).level == "over_major"


def test_brand_invoice_with_tiered_credit():
    contract = parse_contract({"per_contact": {"chat": "3.00"}, "per_minute": {"voice": "1.00"}})
    draft = draft_invoice(contract, [
        ChannelUsage("chat", contacts=100, handled_seconds=30000, answered_in_target=72, offered=100,
                     target=Decimal("0.80")),
        ChannelUsage("voice", contacts=10, handled_seconds=600, answered_in_target=10, offered=10,
                     target=Decimal("0.80"))])
    codes = [(li.code, li.channel, li.amount) for li in draft.lines]
    # chat SL 72 % is 8 points under target: the 5 % tier applies.
    assert codes == [("contacts", "chat", Decimal("300.00")), ("sl_credit", "chat", Decimal("-15.00")),
                     ("minutes", "voice", Decimal("10.00"))]
    assert (draft.net, draft.vat, draft.total) == (Decimal("295.00"), Decimal("59.00"), Decimal("354.00"))


amounts = st.decimals(min_value=0, max_value=10000, places=2, allow_nan=False, allow_infinity=False)


@given(total=amounts, weights=st.lists(st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
                                       min_size=1, max_size=30))
def test_split_to_cent_sums_exactly(total, weights):
    parts = split_to_cent(total, [(f"{i:04d}", w) for i, w in enumerate(weights)])
    assert sum(parts.values()) == total
    assert all(p >= 0 and p == p.quantize(Decimal("0.01")) for p in parts.values())


@settings(max_examples=60)
@given(calls=st.lists(st.tuples(st.integers(1, 5400), st.sampled_from(["0.60", "0.45", "0.37", "0.10"])),
                      min_size=1, max_size=40))
def test_premium_shares_are_sixty_percent_of_revenue_to_the_cent(calls):
    facts = [ev.PremiumCallFact(call_id=i + 1, agent_id=i % 3, line="l", answered_at=paris(2026, 3, 1, 10),
                                billed_seconds=s, price_per_minute=Decimal(p)) for i, (s, p) in enumerate(calls)]
    revenue, lines = ev.premium_shares(facts, RULES)
    assert sum(li.amount for li in lines) == (revenue * Decimal("0.60")).quantize(Decimal("0.01"))
    # Each call's share is off 60 % of its own revenue by less than a cent from the
    # largest-remainder split, plus at most half a cent from rounding the period's total.
    assert all(abs(li.amount - li.base * Decimal("0.60")) < Decimal("0.015") for li in lines)


def test_the_worked_example_of_docs_pay_md():
    q = {7: Decimal("85")}
    facts = [fact(event_id=1, resolved_at=paris(2026, 3, 3, 10, 5), answered_at=paris(2026, 3, 3, 10)),
             fact(event_id=2, channel="voice", answered_at=paris(2026, 3, 3, 11),
                  resolved_at=paris(2026, 3, 3, 11, 10, 5)),
             fact(event_id=3, channel="email", answered_at=paris(2026, 3, 3, 23, 30),
                  resolved_at=paris(2026, 3, 3, 23, 35)),
             fact(event_id=4, answered_at=paris(2026, 3, 8, 15), resolved_at=paris(2026, 3, 8, 15, 5)),
             fact(event_id=5, reopened_at=(paris(2026, 3, 5, 10),))]
    out = ev.evaluate_contacts(facts, RULES, cutoff=paris(2026, 4, 8), quality=q)
    lines = [o.line for o in out if o.line]
    assert [li.amount for li in lines] == [Decimal(x) for x in ("1.21", "1.87", "1.24", "1.82")]
    lines += ev.booking_lines([ev.BookingFact(1, 7, paris(2026, 3, 10, 9), Decimal("7.5"))], RULES)
    revenue, shares = ev.premium_shares([
        ev.PremiumCallFact(1, 7, "l", paris(2026, 3, 12, 10), 61, Decimal("0.45")),
        ev.PremiumCallFact(2, 7, "l", paris(2026, 3, 12, 11), 47, Decimal("0.45"))], RULES)
    assert revenue == Decimal("0.81") and [s.amount for s in shares] == [Decimal("0.28"), Decimal("0.21")]
    lines += shares
    ups = ev.true_up_lines(period="2026-03", lines=lines, attended_hours={7: Decimal("7.5")}, rule_sets=RULES,
                           at=paris(2026, 3, 31, 23))
    assert ups[0].amount == Decimal("68.37")
    assert sum(li.amount for li in lines + ups) == Decimal("90.00")
