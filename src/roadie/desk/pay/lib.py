"""Reads of the money side: statements from the ledger, their CSV and JSON, the trial
balance and the proof of the books (``ledger_check``), premium-line reports, and the access
helpers every page and endpoint goes through."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.http import Http404

from roadie.desk.accounts.access import brand_scope, can_handle_money
from roadie.desk.agents.models import Agent
from roadie.desk.pay.labels import entry_text
from roadie.desk.pay.models import (
    Account,
    BrandInvoice,
    Entry,
    Period,
    PeriodStatus,
    PremiumCall,
    SelfBilledInvoice,
    Statement,
    Transaction,
)
from roadie.engine.pay.evaluate import PARIS, Line, plain, statement_csv
from roadie.engine.pay.money import ZERO

NOT_ON_STATEMENT = ("payout",)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def statement_entries(*, agent_id: int, period: str):
    return (Entry.objects.filter(account__code=f"agent:{agent_id}", transaction__period=period)
            .exclude(kind__in=NOT_ON_STATEMENT).select_related("transaction")
            .order_by("transaction__occurred_at", "transaction__key"))


def entry_line(e: Entry) -> Line:
    """A statement line as the roadie reads it: credits to them are positive."""
    return Line(key=e.transaction.key, agent_id=0, kind=e.kind, evidence_kind=e.evidence_kind,
                evidence_id=e.evidence_id, rule=e.rule, rule_version=e.rule_version,
                occurred_at=e.transaction.occurred_at, quantity=e.quantity, base=e.base,
                multiplier=e.multiplier, amount=-e.amount, label=e.label)


def _parts(e: Entry) -> list:
    return e.label_parts if isinstance(e.label_parts, list) else []


def statement_lines(*, agent_id: int, period: str) -> list[Line]:
    return [entry_line(e) for e in statement_entries(agent_id=agent_id, period=period)]


def statement_csv_from_ledger(*, agent_id: int, period: str) -> str:
    return statement_csv(period, statement_lines(agent_id=agent_id, period=period))


@dataclass(frozen=True)
class LedgerStatement:
    """One roadie's statement for a period as the ledger holds it."""

    total: Decimal
    lines: int
    csv: str


STATEMENT_FIELDS = ("account_id", "transaction__key", "kind", "evidence_kind", "evidence_id",
                    "rule", "rule_version", "transaction__occurred_at", "quantity", "base",
                    "multiplier", "amount", "label")
STREAM_CHUNK = 20000


def ledger_statements(*, period: str, agent_ids=None) -> dict[int, LedgerStatement]:
    """Every roadie's statement of ``period`` (or those of ``agent_ids``) read from the ledger
    in one streamed query, grouped by roadie: the same total and CSV bytes as
    ``statement_total`` and ``statement_csv_from_ledger`` give for each one. A roadie of
    ``agent_ids`` with no line gets an empty statement."""
    wanted = None if agent_ids is None else set(agent_ids)
    accounts = Account.objects.filter(code__startswith="agent:", agent__isnull=False)
    if wanted is not None:
        accounts = accounts.filter(agent_id__in=wanted)
    agent_of = dict(accounts.values_list("pk", "agent_id"))
    # Account ids, not a join on their codes: the planner then goes through the legs' account
    # index whatever its statistics say about rows written earlier in this transaction.
    rows = (Entry.objects.filter(transaction__period=period, account_id__in=list(agent_of))
            .exclude(kind__in=NOT_ON_STATEMENT).order_by("account_id")
            .values_list(*STATEMENT_FIELDS))
    out: dict[int, LedgerStatement] = {}
    current, lines = None, []

    def flush():
        if current is not None and (wanted is None or current in wanted):
            text = statement_csv(period, lines)
            out[current] = LedgerStatement(total=sum((li.amount for li in lines), ZERO),
                                           lines=len(lines), csv=text)

    for (account_id, key, kind, ev_kind, ev_id, rule, version, at, quantity, base, multiplier, amount,
         label) in (rows.iterator(chunk_size=STREAM_CHUNK) if agent_of else ()):
        if agent_of[account_id] != current:
            flush()
            current, lines = agent_of[account_id], []
        lines.append(Line(key=key, agent_id=0, kind=kind, evidence_kind=ev_kind, evidence_id=ev_id,
                          rule=rule, rule_version=version, occurred_at=at, quantity=quantity,
                          base=base, multiplier=multiplier, amount=-amount, label=label))
    flush()
    for agent_id in wanted or ():
        out.setdefault(agent_id, LedgerStatement(total=ZERO, lines=0, csv=statement_csv(period, [])))
    return out


def dsum(queryset) -> Decimal:
    """Exact sum of the ``amount`` column (SQLite's SUM of decimals goes through floats)."""
    return sum(queryset.values_list("amount", flat=True), ZERO)


def statement_total(*, agent_id: int, period: str) -> Decimal:
    return -dsum(statement_entries(agent_id=agent_id, period=period))


def payout_amount(*, agent_id: int, period: str) -> Decimal:
    return dsum(Entry.objects.filter(account__code=f"agent:{agent_id}", transaction__period=period,
                                     kind="payout"))


def payout_amounts(*, period: str) -> dict[int, Decimal]:
    """``payout_amount`` of every roadie paid in ``period``, from one read."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for agent_id, amount in Entry.objects.filter(
            account__code__startswith="agent:", account__agent__isnull=False,
            transaction__period=period, kind="payout").values_list("account__agent_id", "amount"):
        out[agent_id] += amount
    return dict(out)


def statement_json(*, agent: Agent, period: str) -> dict:
    lines = statement_entries(agent_id=agent.pk, period=period)
    invoice = SelfBilledInvoice.objects.filter(agent=agent, period=period).first()
    closed = Period.objects.filter(month=period, status=PeriodStatus.CLOSED).exists()
    rows = []
    total = ZERO
    for e in lines:
        li = entry_line(e)
        total += li.amount
        rows.append({"id": e.pk, "key": li.key, "kind": li.kind,
                     "occurred_at": li.occurred_at.astimezone(PARIS).isoformat(timespec="seconds"),
                     "evidence": f"{li.evidence_kind}:{li.evidence_id}",
                     "rule": li.rule, "rule_version": li.rule_version, "quantity": plain(li.quantity),
                     "base": plain(li.base), "multiplier": plain(li.multiplier),
                     "amount": f"{li.amount:.2f}", "label": li.label,
                     "label_parts": _parts(e), "text": entry_text(e),
                     "adjustment_of": e.transaction.origin_period or None})
    return {"agent": agent.user.username, "period": period, "closed": closed, "lines": rows,
            "total": f"{total:.2f}",
            "payout": f"{payout_amount(agent_id=agent.pk, period=period):.2f}",
            "invoice": invoice.number if invoice else None}


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    fault: str
    transactions: int
    entries: int
    statements: int


def ledger_check() -> CheckResult:
    """Every transaction has two legs or more summing to zero; the trial balance is zero;
    each statement's total and CSV digest equal the ledger's; each payout equals its
    statement total. Stops at the first fault."""
    tx = Transaction.objects.count()
    entries = Entry.objects.count()
    orphans = Transaction.objects.annotate(n=Count("entries")).filter(n__lt=2).order_by("pk").first()
    if orphans is not None:
        return CheckResult(False, f"transaction {orphans.key} has {orphans.n} leg(s), needs 2 or more",
                           tx, entries, 0)
    sums: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for tx_id, amount in Entry.objects.values_list("transaction_id", "amount").iterator(chunk_size=50000):
        sums[tx_id] += amount
    unbalanced = min((t for t, s in sums.items() if s != 0), default=None)
    if unbalanced is not None:
        key = Transaction.objects.get(pk=unbalanced).key
        return CheckResult(False, f"transaction {key} is unbalanced by {sums[unbalanced]}", tx, entries, 0)
    trial = sum(sums.values(), ZERO)
    if trial != 0:
        return CheckResult(False, f"trial balance is {trial}, not 0", tx, entries, 0)
    n = 0
    ledger: dict[int, LedgerStatement] = {}
    payouts: dict[int, Decimal] = {}
    read = None
    for s in (Statement.objects.select_related("agent__user").order_by("period", "agent_id")
              .iterator(chunk_size=STREAM_CHUNK)):
        if s.period != read:  # every statement of a period from one read of the ledger
            read = s.period
            ledger = ledger_statements(period=read)
            payouts = payout_amounts(period=read)
        n += 1
        who = f"statement of {s.agent.user.username} for {s.period}"
        found = ledger.get(s.agent_id)
        total = found.total if found else ZERO
        if total != s.total:
            return CheckResult(False, f"{who}: ledger says {total}, statement says {s.total}", tx, entries, n)
        text = found.csv if found else statement_csv(s.period, [])
        if sha256(text) != s.csv_sha256:
            return CheckResult(False, f"{who}: CSV differs from the one issued at close", tx, entries, n)
        payout = payouts.get(s.agent_id, ZERO)
        if payout != total:
            return CheckResult(False, f"{who}: payout {payout} differs from total {total}", tx, entries, n)
    return CheckResult(True, "", tx, entries, n)


def recompute_check(period: str) -> tuple[bool, list[str]]:
    """Rebuild a closed period from its source events and compare each roadie's CSV, byte
    for byte, with the ledger's."""
    from roadie.desk.pay import closing

    build = closing.build_period(period, recompute=True)
    by_agent: dict[int, list[Line]] = defaultdict(list)
    for li in build.lines:
        if li.amount:
            by_agent[li.agent_id].append(li)
    vat_lines = {e.transaction.key: (e.account.agent_id, entry_line(e)) for e in Entry.objects.filter(
        transaction__period=period, kind="vat", account__code__startswith="agent:").select_related(
        "transaction", "account")}
    for agent_id, li in vat_lines.values():
        by_agent[agent_id].append(li)
    differences = []
    agents = set(by_agent) | set(Statement.objects.filter(period=period).values_list("agent_id", flat=True))
    ledger = ledger_statements(period=period, agent_ids=agents)
    for agent_id in sorted(agents):
        fresh = statement_csv(period, [_as_statement_line(li) for li in by_agent.get(agent_id, [])])
        if fresh != ledger[agent_id].csv:
            differences.append(f"agent {agent_id}")
    return not differences, differences


def _as_statement_line(li: Line) -> Line:
    from dataclasses import replace

    return replace(li, agent_id=0, quantity=li.quantity.quantize(Decimal("0.0001")),
                   base=li.base.quantize(Decimal("0.0001")), multiplier=li.multiplier.quantize(Decimal("0.0001")),
                   label=li.label[:300])


def premium_report(*, period: str | None = None) -> list[dict]:
    """The answer-time guarantee per premium line and month, with revenue and shares."""
    rows: dict[tuple[str, str], dict] = {}
    for number, brand, at, within, answer, revenue in PremiumCall.objects.values_list(
            "number", "brand__slug", "answered_at", "within_target", "answer_seconds", "revenue"):
        month = at.astimezone(PARIS).strftime("%Y-%m")
        if period and month != period:
            continue
        r = rows.setdefault((number, month), {"line": number, "brand": brand, "month": month, "calls": 0,
                                              "within_target": 0, "answer_seconds_total": 0.0,
                                              "revenue": ZERO})
        r["calls"] += 1
        r["within_target"] += bool(within)
        r["answer_seconds_total"] += answer
        r["revenue"] += revenue
    out = []
    for (_, _), r in sorted(rows.items()):
        out.append({"line": r["line"], "brand": r["brand"], "month": r["month"], "calls": r["calls"],
                    "within_target": r["within_target"],
                    "guarantee_rate": f"{r['within_target'] / r['calls']:.4f}",
                    "mean_answer_seconds": f"{r['answer_seconds_total'] / r['calls']:.1f}",
                    "revenue": f"{r['revenue']:.2f}"})
    return out


# ---- access --------------------------------------------------------------------------------

def agent_for_statement(user, username: str | None) -> Agent:
    """A roadie reads only their own money; finance reads anyone's."""
    own = getattr(user, "agent", None) if getattr(user, "is_authenticated", False) else None
    if username is None or (own is not None and own.user.username == username):
        if own is None:
            raise Http404("no statements for this account")
        return own
    if not can_handle_money(user):
        raise Http404("no such roadie")
    agent = Agent.objects.select_related("user").filter(user__username=username).first()
    if agent is None:
        raise Http404(f"no roadie named {username!r}")
    return agent


def visible_invoices(user):
    if can_handle_money(user):
        return BrandInvoice.objects.select_related("brand")
    scope = brand_scope(user)
    if scope is None:
        return BrandInvoice.objects.none()
    return BrandInvoice.objects.filter(brand_id=scope).select_related("brand")


def access_invoice(user, number: str) -> BrandInvoice:
    invoice = visible_invoices(user).filter(number=number).first()
    if invoice is None:
        raise Http404(f"no invoice {number!r}")
    return invoice


def periods():
    return Period.objects.all()
