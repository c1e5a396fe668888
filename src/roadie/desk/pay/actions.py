"""Every write of the money side. ``post`` is the one path into the ledger: it checks that
each transaction has at least two legs summing to zero, refuses a closed period, and skips a
posting whose idempotency key is already booked (replaying events writes nothing new).
Everything else here (rule versions, premium lines, mandates, contests, period close) writes
its ledger rows through it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from roadie.desk.live.actions import agent_topic, publish
from roadie.desk.pay import bulk
from roadie.desk.pay.models import (
    PREMIUM_FORBIDDEN,
    PRICE_CAP_PER_MINUTE,
    Account,
    AccountKind,
    BrandContract,
    Contest,
    ContestStatus,
    Entry,
    Mandate,
    Period,
    PeriodStatus,
    PremiumCall,
    PremiumLine,
    PremiumPurpose,
    RuleSet,
    Transaction,
)
from roadie.engine.pay import labels
from roadie.engine.pay import rules as rules_engine
from roadie.engine.pay.evaluate import month_of
from roadie.engine.pay.evaluate import premium_revenue as _revenue
from roadie.engine.pay.money import CENT

CHUNK = 5000


class PayError(ValueError):
    """A money action refused; the message says why and names the field (HTTP 400/409)."""


@dataclass(frozen=True)
class Leg:
    account: str
    amount: Decimal
    kind: str
    rule: str
    rule_version: int
    evidence_kind: str
    evidence_id: str
    quantity: Decimal = Decimal("1")
    base: Decimal = Decimal("0")
    multiplier: Decimal = Decimal("1")
    label: str = ""
    label_parts: tuple = ()  # roadie.engine.pay.labels parts; label is then their English


def coded(code: str, **args) -> dict:
    """``label`` and ``label_parts`` of a leg from one label code."""
    parts = (labels.part(code, **args),)
    return {"label": labels.render(parts), "label_parts": parts}


@dataclass(frozen=True)
class Posting:
    key: str
    period: str
    source_kind: str
    source_id: str
    occurred_at: dt.datetime
    legs: tuple[Leg, ...]
    memo: str = ""
    origin_period: str = ""
    reverses_key: str = ""


def check_balanced(posting: Posting) -> None:
    """The rule PostgreSQL also enforces at commit (migration 0002)."""
    if len(posting.legs) < 2:
        raise PayError(f"transaction {posting.key}: needs at least two legs, has {len(posting.legs)}")
    for leg in posting.legs:
        if not isinstance(leg.amount, Decimal) or leg.amount != leg.amount.quantize(CENT):
            raise PayError(f"transaction {posting.key}: leg amount {leg.amount!r} is not Decimal cents")
    total = sum((leg.amount for leg in posting.legs), Decimal("0"))
    if total != 0:
        raise PayError(f"transaction {posting.key}: legs sum to {total}, not 0")


ACCOUNT_NAMES = {
    "expense:pay": ("Roadie pay", AccountKind.EXPENSE),
    "expense:premium-share": ("Premium-line shares to roadies", AccountKind.EXPENSE),
    "premium:receivable": ("Premium-line revenue to collect", AccountKind.ASSET),
    "revenue:premium": ("Premium-line revenue", AccountKind.REVENUE),
    "revenue:services": ("Customer-service revenue", AccountKind.REVENUE),
    "vat:deductible": ("VAT on self-billed invoices", AccountKind.ASSET),
    "vat:collected": ("VAT collected on brand invoices", AccountKind.LIABILITY),
    "bank:payouts": ("Payouts to roadies", AccountKind.ASSET),
    "expense:adjustments": ("Corrections after contests", AccountKind.EXPENSE),
}


def _accounts(codes: set[str]) -> dict[str, Account]:
    """The ledger accounts of ``codes``, the missing ones created (a fixed number of queries)."""
    found = {a.code: a for a in Account.objects.filter(code__in=codes)}
    missing = []
    for code in sorted(codes - set(found)):
        prefix, _, ident = code.partition(":")
        if prefix == "agent":
            spec = {"name": f"Roadie {ident} payable", "kind": AccountKind.LIABILITY, "agent_id": int(ident)}
        elif prefix == "brand":
            spec = {"name": f"Brand {ident} receivable", "kind": AccountKind.ASSET, "brand_id": int(ident)}
        elif code in ACCOUNT_NAMES:
            name, kind = ACCOUNT_NAMES[code]
            spec = {"name": name, "kind": kind}
        else:
            raise PayError(f"account {code!r} is not a ledger account")
        missing.append(Account(code=code, **spec))
    if missing:  # a concurrent writer may have created some: theirs are kept
        Account.objects.bulk_create(missing, batch_size=CHUNK, ignore_conflicts=True)
        found.update((a.code, a) for a in Account.objects.filter(code__in=[a.code for a in missing]))
    return found


def post(postings: Sequence[Posting], *, allow_closed: bool = False) -> int:
    """Book postings (idempotent on their keys) in one database transaction; returns how many
    were new. ``allow_closed`` is for nobody but the period close itself."""
    for p in postings:
        check_balanced(p)
    if not postings:
        return 0
    keys = [p.key for p in postings]
    if len(set(keys)) != len(keys):
        raise PayError("the same idempotency key twice in one batch")
    booked = {key for (key,) in bulk.booked(keys)}
    fresh = [p for p in postings if p.key not in booked]
    closed = set(Period.objects.filter(month__in={p.period for p in fresh}, status=PeriodStatus.CLOSED)
                 .values_list("month", flat=True))
    if closed and not allow_closed:
        raise PayError(f"period {sorted(closed)[0]} is closed: late events go to the next period")
    with transaction.atomic():
        accounts = _accounts({leg.account for p in fresh for leg in p.legs})
        reverses = [p.reverses_key for p in fresh if p.reverses_key]
        reversed_ids = dict(bulk.booked(reverses, fields=("key", "id"))) if reverses else {}
        bulk.insert(fresh, accounts=accounts, reversed_ids=reversed_ids)
    written = len(fresh)
    return written


def reverse(key: str, *, period: str, memo: str) -> Transaction:
    """A correction: a new transaction with every leg of ``key`` negated."""
    original = Transaction.objects.prefetch_related("entries__account").filter(key=key).first()
    if original is None:
        raise PayError(f"key: no transaction {key!r}")
    legs = tuple(Leg(account=e.account.code, amount=-e.amount, kind=e.kind, rule=e.rule,
                     rule_version=e.rule_version, evidence_kind=e.evidence_kind,
                     evidence_id=e.evidence_id, quantity=e.quantity, base=e.base,
                     multiplier=e.multiplier, **_reversal_label(e))
                 for e in original.entries.all())
    post([Posting(key=f"reversal:{key}", period=period, source_kind="reversal", source_id=key,
                  occurred_at=timezone.now(), legs=legs, memo=memo, reverses_key=key)])
    return Transaction.objects.get(key=f"reversal:{key}")


def _reversal_label(e: Entry) -> dict:
    try:
        parts = labels.from_data(e.label_parts)
    except (KeyError, TypeError, ValueError):
        parts = ()
    if not parts:
        return {"label": f"reversal: {e.label}"}
    parts = (labels.part("reversal"), *parts)
    return {"label": labels.render(parts), "label_parts": parts}


# ---- rules -------------------------------------------------------------------------------

def add_rule_version(user, *, code: str, effective_from: dt.date, data: dict, brand=None,
                     pool=None, channel: str = "") -> RuleSet:
    """A new version of rule set ``code``; refused inside a closed period (it would change
    what a closed period recomputes to)."""
    if not code:
        raise PayError("code: required")
    rules_engine.parse(data, code=code, version=1, effective_from=effective_from,
                       brand=brand.slug if brand else None, pool=pool.slug if pool else None,
                       channel=channel or None)
    if channel and channel not in rules_engine.CHANNELS:
        raise PayError(f"channel: one of {rules_engine.CHANNELS}")
    month = effective_from.strftime("%Y-%m")
    if Period.objects.filter(month__gte=month, status=PeriodStatus.CLOSED).exists():
        raise PayError(f"effective_from: {effective_from} falls in or before a closed period")
    with transaction.atomic():
        last = RuleSet.objects.select_for_update().filter(code=code).order_by("-version").first()
        rule = RuleSet.objects.create(
            code=code, version=(last.version + 1) if last else 1, effective_from=effective_from,
            brand=brand, pool=pool, channel=channel, data=data, created_by=user)
    return rule


def set_brand_contract(user, *, brand, effective_from: dt.date, data: dict, legal_name: str = "",
                       address: str = "") -> BrandContract:
    """A new version of a brand's contract (the terms its invoices are drawn from), in effect
    from ``effective_from``; refused in or before a closed period (its invoice is issued) and
    on a date where the brand already has one (versions are never edited)."""
    from roadie.engine.pay.invoice import parse_contract

    try:
        parse_contract(data)
    except rules_engine.RuleError as exc:
        raise PayError(str(exc)) from None
    month = effective_from.strftime("%Y-%m")
    if Period.objects.filter(month__gte=month, status=PeriodStatus.CLOSED).exists():
        raise PayError(f"effective_from: {effective_from} falls in or before a closed period")
    try:
        with transaction.atomic():
            return BrandContract.objects.create(brand=brand, effective_from=effective_from, data=data,
                                                legal_name=legal_name.strip()[:200],
                                                address=address.strip()[:300])
    except IntegrityError:
        raise PayError(f"effective_from: {brand.slug} already has a contract from {effective_from}") from None


def ensure_default_rules() -> RuleSet:
    rule = RuleSet.objects.filter(code="default").order_by("version").first()
    if rule is None:
        try:
            with transaction.atomic():
                rule = RuleSet.objects.create(code="default", version=1, effective_from=dt.date(2020, 1, 1),
                                              data=rules_engine.DEFAULT_RULES)
        except IntegrityError:  # a concurrent close created it first
            rule = RuleSet.objects.filter(code="default").order_by("version").first()
    return rule


# ---- premium lines ---------------------------------------------------------------------------

def configure_premium_line(*, channel, purpose: str, price_per_minute: Decimal | str,
                           answer_within_seconds: int = 60) -> PremiumLine:
    """Premium pricing on a voice channel, for optional expertise only, at most 0.60 €/min."""
    if channel.kind != "voice":
        raise PayError("channel: premium pricing is for voice lines only")
    if purpose not in PremiumPurpose.values:
        raise PayError(f"purpose: required, one of {', '.join(PremiumPurpose.values)}")
    if purpose in PREMIUM_FORBIDDEN:
        raise PayError("purpose: French consumer law forbids a premium rate on a number called to "
                       "have a contract performed (after-sales) or a complaint handled")
    try:
        price = Decimal(str(price_per_minute))
    except ArithmeticError:
        raise PayError("price_per_minute: a decimal amount in euros") from None
    if price > PRICE_CAP_PER_MINUTE:
        raise PayError(f"price_per_minute: {price} €/min is above the 0.60 €/min cap of premium lines")
    if price < 0:
        raise PayError("price_per_minute: must not be negative")
    if not 1 <= int(answer_within_seconds) <= 600:
        raise PayError("answer_within_seconds: between 1 and 600")
    with transaction.atomic():
        line, _ = PremiumLine.objects.update_or_create(channel=channel, defaults={
            "purpose": purpose, "price_per_minute": price,
            "answer_within_seconds": answer_within_seconds, "configured_at": timezone.now()})
        channel.premium = True
        channel.config = {**(channel.config or {}), "price_per_minute": str(price),
                          "answer_target_seconds": answer_within_seconds}
        channel.save(update_fields=["premium", "config"])
    return line


def record_premium_call(*, contact, number: str, agent_id: int | None, offered_at: dt.datetime,
                        answered_at: dt.datetime, ended_at: dt.datetime, billed_seconds: int,
                        price_per_minute: Decimal, target_seconds: int = 60) -> PremiumCall:
    """An answered premium call as metered by the telephony connector (idempotent per contact)."""
    line = PremiumLine.objects.filter(channel__brand_id=contact.brand_id, channel__kind="voice",
                                      channel__address=number).first()
    price = min(Decimal(price_per_minute), line.price_per_minute if line else PRICE_CAP_PER_MINUTE)
    answer = max(0.0, (answered_at - offered_at).total_seconds())
    target = line.answer_within_seconds if line else target_seconds
    try:
        with transaction.atomic():
            call, _ = PremiumCall.objects.get_or_create(contact=contact, defaults={
                "line": line, "brand_id": contact.brand_id, "number": number, "agent_id": agent_id,
                "offered_at": offered_at, "answered_at": answered_at, "ended_at": ended_at,
                "answer_seconds": answer, "within_target": answer <= target,
                "billed_seconds": int(billed_seconds), "price_per_minute": price,
                "revenue": _revenue(int(billed_seconds), price)})
    except IntegrityError:
        call = PremiumCall.objects.get(contact=contact)
    return call


# ---- mandates and contests ------------------------------------------------------------------

def accept_mandate(*, agent, legal_name: str, siret: str, address: str, vat_franchise: bool = True,
                   vat_number: str = "", iban: str = "", bic: str = "",
                   accepted_at: dt.datetime | None = None) -> Mandate:
    siret = siret.replace(" ", "")
    if len(siret) != 14 or not siret.isdigit():
        raise PayError("siret: 14 digits")
    if not legal_name.strip():
        raise PayError("legal_name: required")
    if not address.strip():
        raise PayError("address: required")
    if not vat_franchise and not vat_number:
        raise PayError("vat_number: required when the roadie is not under the VAT franchise")
    mandate, _ = Mandate.objects.update_or_create(agent=agent, defaults={
        "legal_name": legal_name.strip(), "siret": siret, "address": address.strip(),
        "vat_franchise": vat_franchise, "vat_number": vat_number, "iban": iban.replace(" ", ""),
        "bic": bic, "accepted_at": accepted_at or timezone.now()})
    return mandate


def open_contest(user, *, entry_id: int, reason: str) -> Contest:
    """A roadie contests one line of their own statement: a case for finance."""
    agent = getattr(user, "agent", None)
    entry = Entry.objects.select_related("account").filter(pk=entry_id).first()
    if agent is None or entry is None or entry.account.agent_id != agent.pk:
        raise PayError("entry_id: no such line on your statements")
    if not reason.strip():
        raise PayError("reason: say what is wrong with this line")
    with transaction.atomic():
        contest = Contest.objects.create(agent=agent, entry=entry, reason=reason.strip()[:4000])
        publish("pay.contest", topics=["finance", agent_topic(agent.pk)], payload={"contest": contest.pk})
    return contest


def decide_contest(user, *, contest_id: int, accept: bool, decision: str,
                   correction: Decimal | None = None) -> Contest:
    """Finance decides; an accepted contest with a correction books it in the next open period."""
    with transaction.atomic():
        contest = Contest.objects.select_for_update().select_related("entry__transaction").filter(
            pk=contest_id).first()
        if contest is None:
            raise PayError("contest_id: no such contest")
        if contest.status != ContestStatus.OPEN:
            raise PayError("contest_id: already decided")
        if not decision.strip():
            raise PayError("decision: explain the decision to the roadie")
        contest.status = ContestStatus.ACCEPTED if accept else ContestStatus.REJECTED
        contest.decided_by, contest.decided_at, contest.decision = user, timezone.now(), decision
        contest.save()
        if accept and correction:
            correction = Decimal(correction).quantize(CENT)
            period = first_open_period(contest.entry.transaction.period)
            post([Posting(
                key=f"contest:{contest.pk}", period=period, source_kind="contest",
                source_id=str(contest.pk), occurred_at=timezone.now(),
                origin_period=contest.entry.transaction.period, memo=decision,
                legs=(Leg("expense:adjustments", correction, "correction", "contest", 1, "contest",
                          str(contest.pk), label=decision),
                      Leg(f"agent:{contest.agent_id}", -correction, "correction", "contest", 1,
                          "contest", str(contest.pk), **coded("contest_correction", decision=decision))))])
        publish("pay.contest", topics=["finance", agent_topic(contest.agent_id)],
                payload={"contest": contest.pk, "status": contest.status})
    return contest


def open_period_for(at: dt.datetime) -> str:
    """The period a late event lands in: its own month, or the first open month after it."""
    return first_open_period(month_of(at))


def first_open_period(month: str) -> str:
    from roadie.engine.pay.evaluate import next_period

    closed = set(Period.objects.filter(status=PeriodStatus.CLOSED).values_list("month", flat=True))
    while month in closed:
        month = next_period(month)
    return month


# ---- period close ----------------------------------------------------------------------------

EXPENSE_OF = {"premium_share": "expense:premium-share"}


def line_posting(line, *, period: str, origin: str = "") -> Posting:
    common = dict(kind=line.kind, rule=line.rule, rule_version=line.rule_version,
                  evidence_kind=line.evidence_kind, evidence_id=line.evidence_id,
                  quantity=line.quantity, base=line.base, multiplier=line.multiplier, label=line.label,
                  label_parts=line.parts)
    return Posting(
        key=line.key, period=period, source_kind=line.evidence_kind, source_id=line.evidence_id,
        occurred_at=line.occurred_at, origin_period=origin,
        legs=(Leg(EXPENSE_OF.get(line.kind, "expense:pay"), line.amount, **common),
              Leg(f"agent:{line.agent_id}", -line.amount, **common)))


def close_period(user, *, period: str, now: dt.datetime | None = None):
    """Close ``period``: book every line it pays (late events of closed periods as
    adjustments), the premium-line revenue, the self-billed invoices' VAT, the payouts and the
    brand invoices; then lock it. Refused before the reopen window after its end has passed,
    while an earlier period of the books is still open, and when it is already closed."""
    from roadie.desk.pay import closing, invoicing
    from roadie.desk.pay.models import Statement
    from roadie.engine.pay.evaluate import period_bounds

    now = now or timezone.now()
    try:
        start, end = period_bounds(period)
    except ValueError as exc:
        raise PayError(f"period: {exc}") from None
    ensure_default_rules()
    with transaction.atomic():
        # The period's row, locked until commit: a second close of the same month waits here,
        # then finds it closed and writes nothing.
        Period.objects.get_or_create(month=period)
        row = Period.objects.select_for_update().get(month=period)
        if row.status == PeriodStatus.CLOSED:
            raise PayError(f"period: {period} is already closed (use ledger-check to prove it)")
        books = closing.books_start(period)
        month = books
        from roadie.engine.pay.evaluate import next_period
        closed = set(Period.objects.filter(month__gte=books, month__lt=period, status=PeriodStatus.CLOSED)
                     .values_list("month", flat=True))
        while month < period:
            if month not in closed:
                raise PayError(f"period: close {month} first")
            month = next_period(month)
        cutoff = closing.earliest_close(period)
        if now < cutoff:
            raise PayError(f"period: {period} can close from {cutoff:%Y-%m-%d %H:%M}, when the "
                           "reopen window of its last contacts has passed")
        build = closing.build_period(period)
        postings = [line_posting(li, period=period, origin=build.origin.get(li.key, ""))
                    for li in build.lines if li.amount]
        for c in build.premium_calls:
            revenue = _revenue(c.billed_seconds, c.price_per_minute)
            if revenue:
                common = dict(kind="premium_revenue", rule="premium-line", rule_version=1,
                              evidence_kind="premium_call", evidence_id=str(c.call_id),
                              quantity=Decimal(c.billed_seconds), base=c.price_per_minute,
                              **coded("premium_revenue", line=c.line, seconds=c.billed_seconds))
                origin = month_of(c.answered_at)
                postings.append(Posting(
                    key=f"premium:{c.call_id}:revenue", period=period, source_kind="premium_call",
                    source_id=str(c.call_id), occurred_at=c.answered_at,
                    origin_period=origin if origin < period else "",
                    legs=(Leg("premium:receivable", revenue, **common),
                          Leg("revenue:premium", -revenue, **common))))
        post(postings, allow_closed=False)
        totals: dict[int, Decimal] = {}
        for li in build.lines:
            totals[li.agent_id] = totals.get(li.agent_id, Decimal("0")) + li.amount
        invoices = invoicing.issue_self_billed(period=period, totals=totals, at=end)
        tail = []
        for agent_id in sorted(totals):
            inv = invoices.get(agent_id)
            vat_amount = inv.vat if inv else Decimal("0")
            if vat_amount:
                common = dict(kind="vat", rule="self-billing", rule_version=1,
                              evidence_kind="self_invoice", evidence_id=inv.number,
                              base=inv.net, multiplier=Decimal("0.20"),
                              **coded("vat_self_invoice", number=inv.number))
                tail.append(Posting(
                    key=f"selfbill-vat:{agent_id}:{period}", period=period,
                    source_kind="self_invoice", source_id=inv.number, occurred_at=end - dt.timedelta(seconds=1),
                    legs=(Leg("vat:deductible", vat_amount, **common),
                          Leg(f"agent:{agent_id}", -vat_amount, **common))))
            payout = totals[agent_id] + vat_amount
            if payout:
                common = dict(kind="payout", rule="payout", rule_version=1, evidence_kind="period",
                              evidence_id=period, **coded("payout", period=period))
                tail.append(Posting(
                    key=f"payout:{agent_id}:{period}", period=period, source_kind="period",
                    source_id=period, occurred_at=end - dt.timedelta(seconds=1),
                    legs=(Leg(f"agent:{agent_id}", payout, **common),
                          Leg("bank:payouts", -payout, **common))))
        tail += invoicing.issue_brand_invoices(period=period, at=end)
        post(tail)
        from roadie.desk.pay import lib

        # Read back from the ledger (what the statement proves), every roadie in one pass.
        issued = lib.ledger_statements(period=period, agent_ids=totals)
        Statement.objects.bulk_create([
            Statement(agent_id=agent_id, period=period, total=issued[agent_id].total,
                      lines=issued[agent_id].lines, csv_sha256=lib.sha256(issued[agent_id].csv))
            for agent_id in sorted(totals)], batch_size=CHUNK)
        shares = sum((li.amount for li in build.lines if li.kind == "premium_share"), Decimal("0"))
        Period.objects.filter(pk=row.pk).update(
            status=PeriodStatus.CLOSED, closed_at=now, closed_by=user,
            premium_revenue=build.premium_revenue, premium_shares=shares,
            contact_event_watermark=build.contact_watermark,
            premium_call_watermark=build.premium_watermark)
        publish("pay.period_closed", topics=["finance"], payload={"period": period})
    return Period.objects.get(pk=row.pk), build
