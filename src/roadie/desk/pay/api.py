"""API: pay rules, periods, statements, contests, brand invoices, premium lines and the
ledger. Finance (``can_handle_money``) sees all money and no conversation; a roadie only
their own statements and contests; a brand user only their brand's invoices. Amounts are
decimal strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from roadie.desk.accounts.access import can_handle_money
from roadie.desk.api.schemas import Error
from roadie.desk.brands.models import Brand, Channel, Pool
from roadie.desk.pay import actions, documents, lib
from roadie.desk.pay.actions import PayError
from roadie.desk.pay.models import BrandContract, Contest, Entry, RuleSet, Transaction

router = Router(tags=["pay"])


def _finance(request) -> None:
    if not can_handle_money(request.auth):
        raise HttpError(403, "finance only")


def _refused(exc: Exception):
    return HttpError(400, str(exc))


class RuleOut(Schema):
    code: str
    version: int
    effective_from: dt.date
    brand: str | None
    pool: str | None
    channel: str
    data: dict


class RuleIn(Schema):
    code: str
    effective_from: dt.date
    data: dict
    brand: str | None = None
    pool: str | None = None
    channel: str = ""


def _rule(r: RuleSet) -> dict:
    return {"code": r.code, "version": r.version, "effective_from": r.effective_from,
            "brand": r.brand.slug if r.brand else None, "pool": r.pool.slug if r.pool else None,
            "channel": r.channel, "data": r.data}


@router.get("/pay/rules", response={200: list[RuleOut], 403: Error})
def list_rules(request):
    """Every version of every pay rule set (finance)."""
    _finance(request)
    actions.ensure_default_rules()
    return [_rule(r) for r in RuleSet.objects.select_related("brand", "pool")]


@router.post("/pay/rules", response={201: RuleOut, 400: Error, 403: Error})
def add_rule(request, payload: RuleIn):
    """A new version of a rule set, effective from a date after every closed period."""
    _finance(request)
    brand = None
    if payload.brand:
        brand = Brand.objects.filter(slug=payload.brand).first()
        if brand is None:
            raise HttpError(400, f"brand: no brand {payload.brand!r}")
    pool = None
    if payload.pool:
        pool = Pool.objects.filter(slug=payload.pool).first()
        if pool is None:
            raise HttpError(400, f"pool: no pool {payload.pool!r}")
    try:
        rule = actions.add_rule_version(request.auth, code=payload.code, effective_from=payload.effective_from,
                                        data=payload.data, brand=brand, pool=pool, channel=payload.channel)
    except (PayError, ValueError) as exc:
        raise _refused(exc) from None
    return Status(201, _rule(rule))


class ContractIn(Schema):
    brand: str = Field(..., description="the brand's slug")
    effective_from: dt.date = Field(..., description="after every closed period; one version a date")
    data: dict = Field(..., description="the contract's terms (see the finance settings page's example)")
    legal_name: str = Field("", max_length=200)
    address: str = Field("", max_length=300)


class ContractOut(Schema):
    brand: str
    effective_from: dt.date
    data: dict
    legal_name: str
    address: str


def _contract(c: BrandContract) -> dict:
    return {"brand": c.brand.slug, "effective_from": c.effective_from, "data": c.data,
            "legal_name": c.legal_name, "address": c.address}


@router.get("/pay/contracts", response={200: list[ContractOut], 403: Error})
def list_contracts(request, brand: str | None = None):
    """Every version of the brands' contracts (finance), newest first per brand."""
    _finance(request)
    found = BrandContract.objects.select_related("brand").order_by("brand__slug", "-effective_from")
    return [_contract(c) for c in (found.filter(brand__slug=brand) if brand else found)]


@router.post("/pay/contracts", response={201: ContractOut, 400: Error, 403: Error})
def add_contract(request, payload: ContractIn):
    """A new version of a brand's contract, the terms its invoices are drawn from; versions are
    never edited."""
    _finance(request)
    brand = Brand.objects.filter(slug=payload.brand).first()
    if brand is None:
        raise HttpError(400, f"brand: no brand {payload.brand!r}")
    try:
        contract = actions.set_brand_contract(
            request.auth, brand=brand, effective_from=payload.effective_from, data=payload.data,
            legal_name=payload.legal_name, address=payload.address)
    except (PayError, ValueError) as exc:
        raise _refused(exc) from None
    return Status(201, _contract(contract))


class PeriodOut(Schema):
    month: str
    status: str
    closed_at: dt.datetime | None
    premium_revenue: str
    premium_shares: str


def _period(p) -> dict:
    return {"month": p.month, "status": p.status, "closed_at": p.closed_at,
            "premium_revenue": f"{p.premium_revenue:.2f}", "premium_shares": f"{p.premium_shares:.2f}"}


@router.get("/pay/periods", response={200: list[PeriodOut], 403: Error})
def list_periods(request):
    _finance(request)
    return [_period(p) for p in lib.periods()]


@router.post("/pay/periods/{month}/close", response={200: PeriodOut, 400: Error, 403: Error})
def close(request, month: str):
    """Close a period: book its pay lines, invoices and payouts, then lock it."""
    _finance(request)
    try:
        period, _ = actions.close_period(request.auth, period=month)
    except PayError as exc:
        raise _refused(exc) from None
    return _period(period)


class LineOut(Schema):
    id: int
    key: str
    kind: str
    occurred_at: str
    evidence: str
    rule: str
    rule_version: int
    quantity: str
    base: str
    multiplier: str
    amount: str
    label: str  # English, as in the ledger and the CSV
    label_parts: list  # the label as codes: [[code, {name: value}], ...] (docs/pay.md)
    text: str  # the label in the caller's language
    adjustment_of: str | None


class StatementOut(Schema):
    agent: str
    period: str
    closed: bool
    lines: list[LineOut]
    total: str
    payout: str
    invoice: str | None


@router.get("/pay/statements/{period}", response={200: StatementOut, 404: Error},
            openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}})
def statement(request, period: str, agent: str | None = None, format: str = "json"):
    """A roadie's statement (their own; finance: ``agent=USERNAME``); ``format=csv`` for CSV."""
    who = lib.agent_for_statement(request.auth, agent)
    if format == "csv":
        return HttpResponse(lib.statement_csv_from_ledger(agent_id=who.pk, period=period),
                            content_type="text/csv; charset=utf-8")
    if format != "json":
        raise HttpError(400, "format: json or csv")
    return lib.statement_json(agent=who, period=period)


class ContestIn(Schema):
    entry_id: int
    reason: str


class DecisionIn(Schema):
    accept: bool
    decision: str
    correction: str | None = None


class ContestOut(Schema):
    id: int
    agent: str
    entry_id: int
    line: str
    amount: str
    reason: str
    status: str
    opened_at: dt.datetime
    decision: str


def _contest(c: Contest) -> dict:
    return {"id": c.pk, "agent": c.agent.user.username, "entry_id": c.entry_id, "line": c.entry.label,
            "amount": f"{-c.entry.amount:.2f}", "reason": c.reason, "status": c.status,
            "opened_at": c.opened_at, "decision": c.decision}


@router.get("/pay/contests", response=list[ContestOut])
def list_contests(request):
    """Finance: every contest; a roadie: their own."""
    qs = Contest.objects.select_related("agent__user", "entry")
    if not can_handle_money(request.auth):
        qs = qs.filter(agent__user=request.auth)
    return [_contest(c) for c in qs]


@router.post("/pay/contests", response={201: ContestOut, 400: Error})
def contest(request, payload: ContestIn):
    """A roadie contests one line of their statement: a review case for finance."""
    try:
        c = actions.open_contest(request.auth, entry_id=payload.entry_id, reason=payload.reason)
    except PayError as exc:
        raise _refused(exc) from None
    return Status(201, _contest(c))


@router.post("/pay/contests/{contest_id}/decision", response={200: ContestOut, 400: Error, 403: Error})
def decide(request, contest_id: int, payload: DecisionIn):
    _finance(request)
    try:
        correction = Decimal(payload.correction) if payload.correction else None
    except InvalidOperation:
        raise HttpError(400, "correction: a decimal amount") from None
    try:
        c = actions.decide_contest(request.auth, contest_id=contest_id, accept=payload.accept,
                                   decision=payload.decision, correction=correction)
    except PayError as exc:
        raise _refused(exc) from None
    return _contest(c)


class InvoiceOut(Schema):
    number: str
    brand: str
    period: str
    issued_at: str
    due_on: str
    lines: list[dict]
    usage: list[dict]
    net: str
    vat_rate: str
    vat: str
    total: str


@router.get("/pay/invoices", response=list[InvoiceOut])
def list_invoices(request):
    """Brand invoices: finance sees all, a brand user their brand's, others none."""
    return [documents.brand_invoice_json(i) for i in lib.visible_invoices(request.auth)]


@router.get("/pay/invoices/{number}", response={200: InvoiceOut, 404: Error})
def invoice(request, number: str, format: str = "json"):
    """One invoice; ``format=csv`` or ``pdf`` for the document."""
    inv = lib.access_invoice(request.auth, number)
    if format == "pdf":
        return HttpResponse(documents.brand_invoice(inv, fmt="pdf"), content_type="application/pdf")
    if format == "csv":
        return HttpResponse(documents.brand_invoice(inv, fmt="csv"), content_type="text/csv; charset=utf-8")
    return documents.brand_invoice_json(inv)


class LegOut(Schema):
    account: str
    amount: str
    kind: str
    rule: str
    rule_version: int
    evidence: str


class TransactionOut(Schema):
    key: str
    period: str
    origin_period: str
    occurred_at: dt.datetime
    reverses: str | None
    legs: list[LegOut]


@router.get("/pay/ledger", response={200: list[TransactionOut], 403: Error})
def ledger(request, period: str | None = None, account: str | None = None, limit: int = 100,
           offset: int = 0):
    """Ledger transactions and their legs, newest first (finance)."""
    _finance(request)
    qs = Transaction.objects.order_by("-pk")
    if period:
        qs = qs.filter(period=period)
    if account:
        qs = qs.filter(entries__account__code=account).distinct()
    rows = list(qs[offset:offset + min(max(limit, 1), 500)])
    legs: dict[int, list] = {}
    for e in Entry.objects.filter(transaction__in=rows).select_related("account").order_by("pk"):
        legs.setdefault(e.transaction_id, []).append(
            {"account": e.account.code, "amount": f"{e.amount:.2f}", "kind": e.kind, "rule": e.rule,
             "rule_version": e.rule_version, "evidence": f"{e.evidence_kind}:{e.evidence_id}"})
    reversed_keys = dict(Transaction.objects.filter(pk__in=[r.reverses_id for r in rows if r.reverses_id])
                         .values_list("pk", "key"))
    return [{"key": t.key, "period": t.period, "origin_period": t.origin_period,
             "occurred_at": t.occurred_at, "reverses": reversed_keys.get(t.reverses_id),
             "legs": legs.get(t.pk, [])} for t in rows]


class LedgerCheckOut(Schema):
    ok: bool
    fault: str
    transactions: int
    entries: int
    statements: int


@router.get("/pay/ledger/check", response={200: LedgerCheckOut, 403: Error})
def check(request):
    _finance(request)
    r = lib.ledger_check()
    return {"ok": r.ok, "fault": r.fault, "transactions": r.transactions, "entries": r.entries,
            "statements": r.statements}


class PremiumLineIn(Schema):
    channel_id: int
    purpose: str
    price_per_minute: str
    answer_within_seconds: int = 60


class PremiumLineOut(Schema):
    channel_id: int
    number: str
    purpose: str
    price_per_minute: str
    answer_within_seconds: int


@router.post("/pay/premium-lines", response={200: PremiumLineOut, 400: Error, 403: Error, 404: Error})
def premium_line(request, payload: PremiumLineIn):
    """Configure a premium line: optional expertise only, at most 0.60 €/min."""
    _finance(request)
    channel = Channel.objects.filter(pk=payload.channel_id).first()
    if channel is None:
        raise HttpError(404, "channel_id: no such channel")
    try:
        line = actions.configure_premium_line(channel=channel, purpose=payload.purpose,
                                              price_per_minute=payload.price_per_minute,
                                              answer_within_seconds=payload.answer_within_seconds)
    except PayError as exc:
        raise _refused(exc) from None
    return {"channel_id": channel.pk, "number": channel.address, "purpose": line.purpose,
            "price_per_minute": f"{line.price_per_minute:.2f}", "answer_within_seconds": line.answer_within_seconds}


@router.get("/pay/premium-lines/report", response={200: list[dict], 403: Error})
def premium_report(request, period: str | None = None):
    """The answer-time guarantee per premium line and month, with revenue."""
    _finance(request)
    return lib.premium_report(period=period)
