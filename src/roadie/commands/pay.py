"""``roadie pay-close``, ``roadie pay-statement``, ``roadie invoice``, ``roadie payouts`` and
``roadie ledger-check``: the money side from the command line (docs/pay.md)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from roadie.cli import CommandError

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _django() -> None:
    from roadie.commands.desk import _django as setup

    setup()


def _period(text: str) -> str:
    if not PERIOD.match(text or ""):
        raise CommandError(f"--period must be YYYY-MM, not {text!r}")
    return text


def _write(data: bytes | str, out: Path | None) -> None:
    raw = data.encode() if isinstance(data, str) else data
    if out is None:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
    else:
        out.write_bytes(raw)
        print(f"wrote {out} ({len(raw)} bytes)", file=sys.stderr)


def cmd_close(args) -> int:
    period = _period(args.period)
    _django()
    from roadie.desk.pay import actions, lib
    from roadie.desk.pay.models import Period, PeriodStatus

    if Period.objects.filter(month=period, status=PeriodStatus.CLOSED).exists():
        same, differences = lib.recompute_check(period)
        if not same:
            print(f"{period} is closed; recomputing it from its events differs for "
                  f"{', '.join(differences)}", file=sys.stderr)
            return 1
        print(f"{period} is closed; recomputed from its events, every statement CSV is byte-identical")
        return 0
    try:
        row, build = actions.close_period(None, period=period)
    except actions.PayError as exc:
        raise CommandError(str(exc)) from None
    counts = ", ".join(f"{v} {k}" for k, v in sorted(build.outcomes.items()))
    print(f"closed {period}: {len(build.lines)} pay lines ({counts or 'no contacts'}); "
          f"premium revenue {row.premium_revenue} €, roadies' share {row.premium_shares} €")
    return 0


def cmd_statement(args) -> int:
    period = _period(args.period)
    _django()
    from roadie.desk.agents.models import Agent
    from roadie.desk.pay import lib, pdf

    agent = Agent.objects.select_related("user").filter(user__username=args.agent).first()
    if agent is None:
        raise CommandError(f"--agent: no roadie named {args.agent!r}")
    if args.format == "csv":
        _write(lib.statement_csv_from_ledger(agent_id=agent.pk, period=period), args.out)
    elif args.format == "json":
        _write(json.dumps(lib.statement_json(agent=agent, period=period), indent=2) + "\n", args.out)
    else:
        _write(pdf.statement_pdf(lib.statement_json(agent=agent, period=period)), args.out)
    return 0


def cmd_invoice(args) -> int:
    period = _period(args.period)
    _django()
    from roadie.desk.pay import documents
    from roadie.desk.pay.models import BrandInvoice

    invoice = BrandInvoice.objects.select_related("brand").filter(brand__slug=args.brand, period=period).first()
    if invoice is None:
        raise CommandError(f"no invoice for brand {args.brand!r} and {period} (is the period closed?)")
    _write(documents.brand_invoice(invoice, fmt=args.format), args.out)
    return 0


def cmd_payouts(args) -> int:
    period = _period(args.period)
    _django()
    from roadie.desk.pay import documents

    try:
        _write(documents.payouts(period, fmt=args.format), args.out)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return 0


def cmd_check(args) -> int:
    _django()
    from roadie.desk.pay import lib

    result = lib.ledger_check()
    if not result.ok:
        print(f"ledger-check: FAULT: {result.fault}", file=sys.stderr)
        return 1
    print(f"ledger-check: ok — {result.transactions} transactions, {result.entries} legs balanced, "
          f"trial balance 0, {result.statements} statements equal to the ledger and to their payouts")
    return 0


def register(sub) -> None:
    p = sub.add_parser("pay-close", help="close a pay period (or prove a closed one recomputes identically)")
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.set_defaults(func=cmd_close)

    p = sub.add_parser("pay-statement", help="a roadie's statement for a period")
    p.add_argument("--agent", required=True, help="the roadie's username")
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--format", choices=("csv", "json", "pdf"), default="csv")
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_statement)

    p = sub.add_parser("invoice", help="a brand's invoice for a month")
    p.add_argument("--brand", required=True, help="the brand's slug")
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--format", choices=("csv", "json", "pdf"), default="pdf")
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_invoice)

    p = sub.add_parser("payouts", help="the payout export of a closed period (CSV or SEPA pain.001)")
    p.add_argument("--period", required=True, help="YYYY-MM")
    p.add_argument("--format", choices=("csv", "sepa"), default="csv")
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_payouts)

    p = sub.add_parser("ledger-check", help="prove the books; exits 1 naming the first fault")
    p.set_defaults(func=cmd_check)
