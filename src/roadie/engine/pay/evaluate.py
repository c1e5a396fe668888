"""The pure evaluator: from source events (resolved contacts, answered premium calls,
attended bookings, pool weeks) and rule sets to pay lines. No database, no clock: the caller
passes the cut-off time, the rule sets and the quality index of each roadie.

Every line carries its idempotency key, the rule and version that produced it and its
evidence, so the desk books it once and a statement line explains itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from roadie.engine.pay.labels import Part, part, render
from roadie.engine.pay.money import ZERO, cents, split_to_cent
from roadie.engine.pay.rules import Rules, select

PARIS = ZoneInfo("Europe/Paris")
ONE = Decimal("1")


class Kind:
    CONTACT = "contact"
    FIXED = "fixed"
    BONUS = "slot_bonus"
    PREMIUM = "premium_share"
    TRUE_UP = "minimum_true_up"
    POT = "collective_bonus"
    KINDS = (CONTACT, FIXED, BONUS, PREMIUM, TRUE_UP, POT)


@dataclass(frozen=True)
class Line:
    """One pay line for one roadie; amount in euros, rounded to the cent."""

    key: str
    agent_id: int
    kind: str
    evidence_kind: str
    evidence_id: str
    rule: str
    rule_version: int
    occurred_at: dt.datetime
    quantity: Decimal
    base: Decimal
    multiplier: Decimal
    amount: Decimal
    label: str  # English, from ``parts`` (the ledger's label and the CSV)
    parts: tuple[Part, ...] = ()  # the label as codes (roadie.engine.pay.labels)


@dataclass(frozen=True)
class ContactFact:
    """One resolution of a contact (a RESOLVED event) and what pay needs to know about it."""

    event_id: int
    contact_id: int
    agent_id: int | None
    brand: str
    channel: str
    resolved_at: dt.datetime
    answered_at: dt.datetime | None = None
    pool: str | None = None
    escalated: bool = False
    # When the customer wrote again after this resolution (REOPENED events).
    reopened_at: tuple[dt.datetime, ...] = ()


@dataclass(frozen=True)
class ContactOutcome:
    fact: ContactFact
    status: str  # "paid", "held", "superseded", "unpaid"
    reason: str
    line: Line | None = None


def month_of(at: dt.datetime, tz: ZoneInfo = PARIS) -> str:
    return at.astimezone(tz).strftime("%Y-%m")


def period_bounds(period: str, tz: ZoneInfo = PARIS) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a ``YYYY-MM`` period in local time."""
    try:
        year, month = (int(p) for p in period.split("-"))
        start = dt.datetime(year, month, 1, tzinfo=tz)
    except (ValueError, TypeError):
        raise ValueError(f"period must be YYYY-MM, not {period!r}") from None
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def next_period(period: str) -> str:
    start, end = period_bounds(period)
    return end.strftime("%Y-%m")


def time_premium(rules: Rules, at: dt.datetime, tz: ZoneInfo = PARIS) -> tuple[Decimal, str]:
    """Night or Sunday premium by local time (the larger one applies, never both)."""
    local = at.astimezone(tz)
    night = (local.hour >= rules.night_start_hour or local.hour < rules.night_end_hour) \
        if rules.night_start_hour > rules.night_end_hour else \
        rules.night_start_hour <= local.hour < rules.night_end_hour
    options = []
    if night and rules.night_premium:
        options.append((rules.night_premium, "night"))
    if local.weekday() == 6 and rules.sunday_premium:
        options.append((rules.sunday_premium, "Sunday"))
    if not options:
        return ZERO, ""
    return max(options)


def contact_line(fact: ContactFact, rules: Rules, *, quality: Decimal | None) -> Line:
    handled = (fact.resolved_at - fact.answered_at).total_seconds() if fact.answered_at else 0.0
    rate = rules.contact_rate.get(fact.channel, ZERO)
    extra_minutes = 0
    if fact.channel in rules.long_channels and handled > rules.long_threshold_minutes * 60:
        extra_minutes = math.ceil((handled - rules.long_threshold_minutes * 60) / 60)
    base = rate + rules.long_per_extra_minute * extra_minutes
    q = rules.quality_multiplier(quality)
    premium, premium_name = time_premium(rules, fact.answered_at or fact.resolved_at)
    multiplier = q * (ONE + premium)
    parts = [part("contact", channel=fact.channel, contact=fact.contact_id), part("rate", rate=rate)]
    if extra_minutes:
        parts.append(part("long_call", minutes=extra_minutes, threshold=rules.long_threshold_minutes,
                          per_minute=rules.long_per_extra_minute))
    parts.append(part("quality", multiplier=q))
    if premium_name:
        parts.append(part(premium_name.lower(), percent=plain(premium * 100)))
    if fact.escalated:
        parts.append(part("escalated_resolver"))
    return Line(
        key=f"contact:{fact.contact_id}:resolved:{fact.event_id}", agent_id=fact.agent_id,
        kind=Kind.CONTACT, evidence_kind="contact", evidence_id=str(fact.contact_id),
        rule=rules.code, rule_version=rules.version, occurred_at=fact.resolved_at,
        quantity=ONE, base=base, multiplier=multiplier, amount=cents(base * multiplier),
        **labelled(parts),
    )


def evaluate_contacts(facts: Iterable[ContactFact], rule_sets: Sequence[Rules], *,
                      cutoff: dt.datetime, quality: Mapping[int, Decimal | None]
                      ) -> list[ContactOutcome]:
    """Decide, for each resolution, whether it is paid now, held, superseded or unpaid."""
    out = []
    for fact in facts:
        rules = select(rule_sets, at=fact.resolved_at.astimezone(PARIS).date(), brand=fact.brand,
                       pool=fact.pool, channel=fact.channel)
        window = dt.timedelta(days=rules.reopen_window_days)
        if fact.agent_id is None:
            out.append(ContactOutcome(fact, "unpaid", "resolved by no roadie"))
        elif any(fact.resolved_at < r <= fact.resolved_at + window for r in fact.reopened_at):
            out.append(ContactOutcome(fact, "superseded", (
                f"reopened within {rules.reopen_window_days} days: paid once, on its next resolution")))
        elif fact.resolved_at + window > cutoff:
            out.append(ContactOutcome(fact, "held", (
                f"held until {(fact.resolved_at + window).astimezone(PARIS):%Y-%m-%d %H:%M} "
                f"(reopen window of {rules.reopen_window_days} days)")))
        elif fact.escalated and rules.escalated == "unpaid":
            out.append(ContactOutcome(fact, "unpaid", f"escalated: unpaid under {rules.label}"))
        else:
            line = contact_line(fact, rules, quality=quality.get(fact.agent_id))
            out.append(ContactOutcome(fact, "paid", "", line))
    return out


@dataclass(frozen=True)
class PremiumCallFact:
    call_id: int
    agent_id: int
    line: str
    answered_at: dt.datetime
    billed_seconds: int
    price_per_minute: Decimal
    brand: str = ""


def premium_revenue(billed_seconds: int, price_per_minute: Decimal) -> Decimal:
    """Billed per second from the first second, rounded to the cent once per call."""
    return cents(Decimal(billed_seconds) * price_per_minute / 60)


def premium_shares(calls: Sequence[PremiumCallFact], rule_sets: Sequence[Rules]
                   ) -> tuple[Decimal, list[Line]]:
    """The period's premium revenue and each answering roadie's share. The shares total is
    the share rate × the period's revenue, rounded to the cent, split over calls by their
    revenue with the largest-remainder rule: the sum is exact to the cent."""
    if not calls:
        return ZERO, []
    ordered = sorted(calls, key=lambda c: c.call_id)
    rules = select(rule_sets, at=ordered[-1].answered_at.astimezone(PARIS).date())
    revenue = {f"{c.call_id:012d}": premium_revenue(c.billed_seconds, c.price_per_minute)
               for c in ordered}
    total = sum(revenue.values(), ZERO)
    parts = split_to_cent(cents(total * rules.premium_share), list(revenue.items()))
    lines = []
    for c in ordered:
        k = f"{c.call_id:012d}"
        amount = parts.get(k, ZERO)
        lines.append(Line(
            key=f"premium:{c.call_id}:share", agent_id=c.agent_id, kind=Kind.PREMIUM,
            evidence_kind="premium_call", evidence_id=str(c.call_id), rule=rules.code,
            rule_version=rules.version, occurred_at=c.answered_at,
            quantity=Decimal(c.billed_seconds), base=revenue[k], multiplier=rules.premium_share,
            amount=amount,
            **labelled([part("premium_share", line=c.line, seconds=c.billed_seconds,
                             price=c.price_per_minute, revenue=revenue[k],
                             share=plain(rules.premium_share * 100))]),
        ))
    return total, lines


@dataclass(frozen=True)
class BookingFact:
    booking_id: int
    agent_id: int
    starts_at: dt.datetime
    attended_hours: Decimal
    bonus: Decimal = ZERO
    no_show: bool = False
    pool: str | None = None


def booking_lines(bookings: Iterable[BookingFact], rule_sets: Sequence[Rules]) -> list[Line]:
    """The fixed part per attended booked hour, and the slot bonus of attended slots."""
    lines = []
    for b in bookings:
        if b.no_show or b.attended_hours <= 0:
            continue
        rules = select(rule_sets, at=b.starts_at.astimezone(PARIS).date(), pool=b.pool)
        when = f"{b.starts_at.astimezone(PARIS):%Y-%m-%d %H:%M}"
        if rules.fixed_per_attended_hour:
            lines.append(Line(
                key=f"booking:{b.booking_id}:fixed", agent_id=b.agent_id, kind=Kind.FIXED,
                evidence_kind="booking", evidence_id=str(b.booking_id), rule=rules.code,
                rule_version=rules.version, occurred_at=b.starts_at, quantity=b.attended_hours,
                base=rules.fixed_per_attended_hour, multiplier=ONE,
                amount=cents(b.attended_hours * rules.fixed_per_attended_hour),
                **labelled([part("slot_fixed", when=when, hours=b.attended_hours,
                                 rate=rules.fixed_per_attended_hour)])))
        if b.bonus > 0:
            lines.append(Line(
                key=f"booking:{b.booking_id}:bonus", agent_id=b.agent_id, kind=Kind.BONUS,
                evidence_kind="booking", evidence_id=str(b.booking_id), rule=rules.code,
                rule_version=rules.version, occurred_at=b.starts_at, quantity=ONE, base=b.bonus,
                multiplier=ONE, amount=cents(b.bonus), **labelled([part("slot_bonus", when=when)])))
    return lines


def true_up_lines(*, period: str, lines: Iterable[Line], attended_hours: Mapping[int, Decimal],
                  rule_sets: Sequence[Rules], at: dt.datetime) -> list[Line]:
    """Minimum-earnings guarantee: when a roadie's period earnings are under the minimum per
    attended booked hour × hours attended, a true-up line makes up the difference."""
    rules = select(rule_sets, at=at.astimezone(PARIS).date())
    earned: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        earned[line.agent_id] += line.amount
    out = []
    for agent_id in sorted(attended_hours):
        hours = attended_hours[agent_id]
        floor = cents(hours * rules.minimum_per_attended_hour)
        gap = floor - earned[agent_id]
        if hours > 0 and gap > 0:
            out.append(Line(
                key=f"trueup:{agent_id}:{period}", agent_id=agent_id, kind=Kind.TRUE_UP,
                evidence_kind="period", evidence_id=period, rule=rules.code,
                rule_version=rules.version, occurred_at=at, quantity=hours,
                base=rules.minimum_per_attended_hour, multiplier=ONE, amount=gap,
                **labelled([part("true_up", hours=hours, rate=rules.minimum_per_attended_hour,
                                 floor=floor, earned=earned[agent_id])])))
    return out


@dataclass(frozen=True)
class PoolWeekFact:
    pool: str
    week: str  # ISO week, e.g. "2026-W10"
    ends_at: dt.datetime
    service_level: Decimal | None
    csat: Decimal | None  # share of satisfied answers (4 or 5 of 5); None without enough surveys
    # (agent id, handled minutes, quality multiplier)
    contributions: tuple[tuple[int, Decimal, Decimal], ...]


def pot_lines(weeks: Iterable[PoolWeekFact], rule_sets: Sequence[Rules]) -> list[Line]:
    """The collective bonus: a pot per pool and week, paid when the team met its service
    level (and its CSAT, when surveys exist), split by handled minutes × quality."""
    out = []
    for w in weeks:
        rules = select(rule_sets, at=w.ends_at.astimezone(PARIS).date(), pool=w.pool)
        if not rules.pot or w.service_level is None or w.service_level < rules.pot_service_level_target:
            continue
        if w.csat is not None and w.csat < rules.pot_csat_target:
            continue
        weights = [(f"{a:012d}", minutes * q) for a, minutes, q in w.contributions]
        parts = split_to_cent(rules.pot, weights)
        for agent_id, minutes, q in w.contributions:
            amount = parts.get(f"{agent_id:012d}")
            if not amount:
                continue
            out.append(Line(
                key=f"pot:{w.pool}:{w.week}:{agent_id}", agent_id=agent_id, kind=Kind.POT,
                evidence_kind="pool_week", evidence_id=f"{w.pool}:{w.week}", rule=rules.code,
                rule_version=rules.version, occurred_at=w.ends_at, quantity=minutes,
                base=rules.pot, multiplier=q, amount=amount,
                **labelled([
                    part("team_bonus", pool=w.pool, week=w.week, service_level=f"{w.service_level:.3f}")
                    if w.csat is None else
                    part("team_bonus_csat", pool=w.pool, week=w.week,
                         service_level=f"{w.service_level:.3f}", csat=f"{w.csat:.2f}"),
                    part("team_minutes", minutes=minutes, multiplier=q)])))
    return out


STATEMENT_COLUMNS = ("period", "key", "kind", "occurred_at", "evidence", "rule", "quantity",
                     "base", "multiplier", "amount", "label")


def statement_csv(period: str, lines: Iterable[Line]) -> str:
    """The statement as CSV: one row per line sorted by time then key, then the total. The
    same lines always give the same bytes."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(STATEMENT_COLUMNS)
    total = ZERO
    for line in sorted(lines, key=lambda li: (li.occurred_at, li.key)):
        total += line.amount
        w.writerow((period, line.key, line.kind,
                    line.occurred_at.astimezone(PARIS).isoformat(timespec="seconds"),
                    f"{line.evidence_kind}:{line.evidence_id}", f"{line.rule} v{line.rule_version}",
                    plain(line.quantity), plain(line.base), plain(line.multiplier),
                    f"{line.amount:.2f}", line.label))
    w.writerow((period, "", "total", "", "", "", "", "", "", f"{total:.2f}", ""))
    return buf.getvalue()


def labelled(parts) -> dict:
    """``label`` (English) and ``parts`` of a line."""
    parts = tuple(parts)
    return {"label": render(parts), "parts": parts}


def plain(d: Decimal) -> str:
    """A decimal without trailing zeros or exponent (stable text for the CSV)."""
    return format(d.normalize(), "f")
