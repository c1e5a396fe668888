"""Building a period: source facts -> engine lines -> ledger postings, self-billed invoices
and brand invoices. ``build_period`` only reads; ``roadie.desk.pay.actions.close_period``
books what it returns."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from roadie.desk.brands.models import Brand, ServiceLevelPolicy
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.pay import facts
from roadie.desk.pay.models import BrandContract, Period, PeriodStatus
from roadie.engine.pay import evaluate as ev
from roadie.engine.pay.invoice import ChannelUsage, InvoiceDraft, draft_invoice, parse_contract
from roadie.engine.pay.money import ZERO, vat

DEFAULT_TARGET = Decimal("0.80")


@dataclass
class PeriodBuild:
    period: str
    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime
    lines: list[ev.Line] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # key -> origin period (adjustments)
    premium_calls: list[ev.PremiumCallFact] = field(default_factory=list)
    premium_revenue: Decimal = ZERO
    outcomes: dict[str, int] = field(default_factory=dict)
    contact_watermark: int = 0
    premium_watermark: int = 0


def hold_days(rules) -> int:
    return max((r.reopen_window_days for r in rules), default=0)


def earliest_close(period: str) -> dt.datetime:
    """When ``period`` may close: after its end plus the longest reopen window."""
    _, end = ev.period_bounds(period)
    return end + dt.timedelta(days=hold_days(facts.rule_sets()))


def books_start(period: str) -> str:
    first = Period.objects.filter(status=PeriodStatus.CLOSED).order_by("month").values_list(
        "month", flat=True).first()
    return min(first, period) if first else period


def build_period(period: str, *, recompute: bool = False) -> PeriodBuild:
    """Everything period ``period`` pays. With ``recompute``, the lines of a closed period
    rebuilt from their source events (late events it booked included)."""
    start, end = ev.period_bounds(period)
    rules = facts.rule_sets()
    cutoff = end + dt.timedelta(days=hold_days(rules))
    build = PeriodBuild(period=period, start=start, end=end, cutoff=cutoff)
    first_start, _ = ev.period_bounds(books_start(period))
    closed_before = Period.objects.filter(status=PeriodStatus.CLOSED, month__lt=period)
    watermark = 0 if recompute else max(
        (p.contact_event_watermark for p in closed_before), default=0)
    premium_mark = 0 if recompute else max((p.premium_call_watermark for p in closed_before), default=0)
    contacts = facts.contact_facts(start=start, end=end, window_end=cutoff)
    late = facts.contact_facts(start=first_start, end=start, window_end=cutoff,
                               min_event_id=watermark) if first_start < start else []
    agents = {c.agent_id for c in contacts + late}
    quality = facts.quality_indexes(agents, end=end)
    outcomes = ev.evaluate_contacts(contacts + late, rules, cutoff=cutoff, quality=quality)
    counts: dict[str, int] = defaultdict(int)
    for o in outcomes:
        counts[o.status] += 1
    build.outcomes = dict(counts)
    build.contact_watermark = max((c.event_id for c in contacts + late), default=watermark)
    lines = [o.line for o in outcomes if o.line is not None]

    calls = facts.premium_facts(start=start, end=end)
    late_calls = facts.premium_facts(start=first_start, end=start, min_id=premium_mark) \
        if first_start < start else []
    build.premium_watermark = max((c.call_id for c in calls + late_calls), default=premium_mark)
    bookings = facts.booking_facts(start=start, end=end, now=cutoff)
    booking_lines = ev.booking_lines(bookings, rules)
    pot = ev.pot_lines(facts.pool_week_facts(start=start, end=end, contacts=contacts, rules=rules,
                                             quality=quality), rules)
    all_calls = calls + late_calls
    lines += booking_lines + pot

    # What is already booked elsewhere is not this period's (late events, replays).
    keys = [li.key for li in lines] + [f"premium:{c.call_id}:share" for c in all_calls]
    booked = _booked_periods(keys)
    if recompute:
        lines = [li for li in lines if booked.get(li.key, period) == period]
        all_calls = [c for c in all_calls if booked.get(f"premium:{c.call_id}:share", period) == period]
    else:
        lines = [li for li in lines if li.key not in booked]
        all_calls = [c for c in all_calls if f"premium:{c.call_id}:share" not in booked]
    build.premium_revenue, shares = ev.premium_shares(all_calls, rules)
    build.premium_calls = all_calls
    lines += shares
    hours: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for b in bookings:
        if not b.no_show:
            hours[b.agent_id] += b.attended_hours
    trueups = ev.true_up_lines(period=period, lines=lines, attended_hours=hours, rule_sets=rules,
                               at=end - dt.timedelta(seconds=1))
    lines += [t for t in trueups if booked.get(t.key, period) == period]
    build.lines = lines
    for li in lines:
        origin = ev.month_of(li.occurred_at)
        if origin < period:
            build.origin[li.key] = origin
    return build


def _booked_periods(keys: list[str]) -> dict[str, str]:
    from roadie.desk.pay import bulk

    return dict(bulk.booked(keys, fields=("key", "period")))


def agent_vat(total: Decimal, *, franchise: bool) -> Decimal:
    return ZERO if franchise else vat(total)


# ---- brand invoices -----------------------------------------------------------------------------

def contract_for(brand: Brand, start: dt.datetime):
    row = (BrandContract.objects.filter(brand=brand, effective_from__lte=start.date())
           .order_by("-effective_from").first())
    return row, parse_contract(row.data if row else {})


def contracts_for(brand_ids, start: dt.datetime) -> dict[int, object]:
    """Each brand's contract in effect at ``start`` (parsed; the default terms when it has
    none), from one read."""
    rows: dict[int, BrandContract] = {}
    for row in (BrandContract.objects.filter(brand_id__in=list(brand_ids), effective_from__lte=start.date())
                .order_by("brand_id", "effective_from")):
        rows[row.brand_id] = row  # the latest in effect wins
    return {b: parse_contract(rows[b].data if b in rows else {}) for b in brand_ids}


def brands_usage(brand_ids, *, start: dt.datetime, end: dt.datetime) -> dict[int, list[ChannelUsage]]:
    """Per brand of ``brand_ids``: the month's handled contacts, handled seconds and service
    level per channel, from one pass over the month's resolved contacts and one over those
    arrived (whatever the number of brands)."""
    wanted = set(brand_ids)
    policies: dict[int, dict[str, ServiceLevelPolicy]] = defaultdict(dict)
    for p in ServiceLevelPolicy.objects.filter(brand_id__in=wanted):
        policies[p.brand_id][p.channel] = p
    handled: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for brand_id, channel, answered, resolved in (Contact.objects.filter(
            brand_id__in=wanted, status=Status.RESOLVED, resolved_at__gte=start, resolved_at__lt=end,
            agent__isnull=False).values_list("brand_id", "channel", "answered_at", "resolved_at")
            .iterator(chunk_size=20000)):
        cell = handled[brand_id][channel]
        cell[0] += 1
        if answered and resolved > answered:
            cell[1] += int((resolved - answered).total_seconds())
    offered: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for brand_id, channel, arrived, answered in (Contact.objects.filter(
            brand_id__in=wanted, arrived_at__gte=start, arrived_at__lt=end)
            .values_list("brand_id", "channel", "arrived_at", "answered_at").iterator(chunk_size=20000)):
        cell = offered[brand_id][channel]
        cell[0] += 1
        policy = policies[brand_id].get(channel)
        limit = policy.answer_seconds if policy else 60
        if answered is not None and (answered - arrived).total_seconds() <= limit:
            cell[1] += 1
    out = {}
    for b in brand_ids:
        h, o, pol = handled.get(b, {}), offered.get(b, {}), policies.get(b, {})
        out[b] = [ChannelUsage(channel=ch, contacts=h[ch][0] if ch in h else 0,
                               handled_seconds=h[ch][1] if ch in h else 0,
                               answered_in_target=o[ch][1] if ch in o else 0,
                               offered=o[ch][0] if ch in o else 0,
                               target=pol[ch].target if ch in pol else DEFAULT_TARGET)
                  for ch in sorted(set(h) | set(o))]
    return out


def brand_usage(brand: Brand, *, start: dt.datetime, end: dt.datetime) -> list[ChannelUsage]:
    """The month's handled contacts, handled seconds and service level per channel."""
    return brands_usage([brand.pk], start=start, end=end)[brand.pk]


def brand_draft(brand: Brand, period: str) -> tuple[list[ChannelUsage], InvoiceDraft, int]:
    start, end = ev.period_bounds(period)
    _, contract = contract_for(brand, start)
    usage = brand_usage(brand, start=start, end=end)
    return usage, draft_invoice(contract, usage), contract.payment_days


def brand_drafts(brand_ids, period: str) -> dict[int, tuple[list[ChannelUsage], InvoiceDraft, int]]:
    """``brand_draft`` of every brand of ``brand_ids`` in a fixed number of queries."""
    start, end = ev.period_bounds(period)
    contracts = contracts_for(brand_ids, start)
    usage = brands_usage(brand_ids, start=start, end=end)
    return {b: (usage[b], draft_invoice(contracts[b], usage[b]), contracts[b].payment_days) for b in brand_ids}
