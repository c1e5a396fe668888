"""Documents in CSV, JSON and PDF: brand invoices, self-billed invoices, payout exports.
JSON amounts are decimal strings."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal

from roadie.desk.pay import pdf
from roadie.desk.pay.invoicing import OPERATOR
from roadie.desk.pay.models import (
    BrandInvoice,
    Entry,
    Mandate,
    Period,
    PeriodStatus,
    SelfBilledInvoice,
)


def brand_invoice_json(invoice: BrandInvoice) -> dict:
    return {"number": invoice.number, "brand": invoice.brand.slug, "period": invoice.period,
            "issued_at": invoice.issued_at.isoformat(), "due_on": invoice.due_on.isoformat(),
            "lines": invoice.lines, "usage": invoice.usage, "net": f"{invoice.net:.2f}",
            "vat_rate": "0.20", "vat": f"{invoice.vat:.2f}", "total": f"{invoice.total:.2f}"}


def brand_invoice(invoice: BrandInvoice, *, fmt: str) -> bytes:
    if fmt == "json":
        return (json.dumps(brand_invoice_json(invoice), indent=2) + "\n").encode()
    if fmt == "pdf":
        return pdf.brand_invoice_pdf(invoice, operator=OPERATOR)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("number", "period", "code", "channel", "description", "quantity", "unit_price", "amount"))
    for li in invoice.lines:
        w.writerow((invoice.number, invoice.period, li["code"], li["channel"], li["description"],
                    li["quantity"], li["unit_price"], li["amount"]))
    for label, value in (("net", invoice.net), ("vat 20 %", invoice.vat), ("total", invoice.total)):
        w.writerow((invoice.number, invoice.period, label, "", "", "", "", f"{value:.2f}"))
    return buf.getvalue().encode()


def self_invoice_lines(invoice: SelfBilledInvoice) -> list[dict]:
    """The invoice's services, by kind of pay line, from the ledger."""
    counts: Counter = Counter()
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
    names = {"contact": "Traitement de contacts", "fixed": "Part fixe (créneaux réservés présents)",
             "slot_bonus": "Primes de créneau", "premium_share": "Quote-part lignes premium (60 %)",
             "minimum_true_up": "Complément de rémunération minimale",
             "collective_bonus": "Prime collective d'équipe", "correction": "Régularisation"}
    for kind, amount in Entry.objects.filter(account__code=f"agent:{invoice.agent_id}",
                                             transaction__period=invoice.period).exclude(
            kind__in=("payout", "vat")).values_list("kind", "amount"):
        counts[kind] += 1
        totals[kind] -= amount
    return [{"kind": names.get(k, k), "count": counts[k], "amount": f"{totals[k]:.2f}"} for k in sorted(totals)]


def self_invoice_pdf(invoice: SelfBilledInvoice) -> bytes:
    mandate = Mandate.objects.get(agent_id=invoice.agent_id)
    return pdf.self_invoice_pdf(invoice, mandate=mandate, operator=OPERATOR, lines=self_invoice_lines(invoice))


def payouts(period: str, *, fmt: str) -> bytes:
    """Payouts of a closed period: one row per roadie (CSV), or a SEPA credit transfer."""
    if not Period.objects.filter(month=period, status=PeriodStatus.CLOSED).exists():
        raise ValueError(f"--period: {period} is not closed")
    rows = []
    mandates = {m.agent_id: m for m in Mandate.objects.all()}
    invoices = {i.agent_id: i for i in SelfBilledInvoice.objects.filter(period=period)}
    for agent_id, username, amount in (Entry.objects.filter(transaction__period=period, kind="payout",
                                                             account__code__startswith="agent:")
                                       .values_list("account__agent_id", "account__agent__user__username",
                                                    "amount").order_by("account__agent_id")):
        m = mandates.get(agent_id)
        inv = invoices.get(agent_id)
        rows.append({"agent": username, "legal_name": f"{m.legal_name} EI" if m else "",
                     "iban": m.iban if m else "", "bic": m.bic if m else "", "amount": f"{amount:.2f}",
                     "invoice": inv.number if inv else "",
                     "note": "" if m and m.iban else "no mandate or IBAN: pay by hand"})
    if fmt == "sepa":
        return sepa_xml(period, rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=("agent", "legal_name", "iban", "bic", "amount", "invoice", "note"),
                       lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode()


def sepa_xml(period: str, rows: list[dict]) -> bytes:
    """SEPA credit transfer (pain.001.001.03) with the sepaxml library."""
    import os

    from django.utils import timezone
    from sepaxml import SepaTransfer

    config = {"name": OPERATOR["name"], "IBAN": os.environ.get("ROADIE_OPERATOR_IBAN", "FR7630006000011234567890189"),
              "BIC": os.environ.get("ROADIE_OPERATOR_BIC", "AGRIFRPP"), "batch": True, "currency": "EUR"}
    sepa = SepaTransfer(config, schema="pain.001.001.03", clean=True)
    payable = [r for r in rows if r["iban"]]
    if not payable:
        raise ValueError(f"--period: no roadie of {period} has an IBAN on their mandate")
    for r in payable:
        sepa.add_payment({"name": r["legal_name"][:70], "IBAN": r["iban"], "BIC": r["bic"],
                          "amount": int(Decimal(r["amount"]) * 100), "execution_date": timezone.localdate(),
                          "description": f"Facture {r['invoice']} periode {period}"[:140],
                          "endtoend_id": r["invoice"].replace("-", "")[:35] or "NOTPROVIDED"})
    return sepa.export(validate=True)
