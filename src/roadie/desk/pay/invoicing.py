"""Self-billed invoices (autofacturation) for roadies and invoices to brands, issued at a
period's close; their numbers are continuous (per roadie, and across brand invoices)."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from django.db.models import Max, Sum

from roadie.desk.brands.models import Brand
from roadie.desk.pay.models import BrandInvoice, Mandate, SelfBilledInvoice
from roadie.engine.pay.evaluate import PARIS
from roadie.engine.pay.money import ZERO, franchise_status, vat

PAYMENT_DAYS_ROADIES = 15
# The operator issuing the invoices (the client of the roadies, the supplier of the brands).
OPERATOR = {
    "name": os.environ.get("ROADIE_OPERATOR_NAME", "Roadie Opérations SAS"),
    "siret": os.environ.get("ROADIE_OPERATOR_SIRET", "90000000000017"),
    "address": os.environ.get("ROADIE_OPERATOR_ADDRESS", "12 rue des Roadies, 75011 Paris"),
    "vat_number": os.environ.get("ROADIE_OPERATOR_VAT", "FR00900000000"),
    "payment_days": PAYMENT_DAYS_ROADIES,
}


def self_invoice_number(agent_id: int, sequence: int) -> str:
    return f"AF-{agent_id:05d}-{sequence:05d}"


def issue_self_billed(*, period: str, totals: dict[int, Decimal], at: dt.datetime) -> dict[int, SelfBilledInvoice]:
    """One invoice per roadie with a mandate and a positive total for the period."""
    mandates = {m.agent_id: m for m in Mandate.objects.filter(agent_id__in=list(totals))}
    last = dict(SelfBilledInvoice.objects.filter(agent_id__in=list(mandates)).values("agent_id")
                .annotate(m=Max("sequence")).values_list("agent_id", "m"))
    year = period[:4]
    year_totals = dict(SelfBilledInvoice.objects.filter(agent_id__in=list(mandates), period__startswith=year)
                       .values("agent_id").annotate(t=Sum("net")).values_list("agent_id", "t"))
    rows = []
    for agent_id in sorted(mandates):
        net = totals[agent_id]
        if net <= 0:
            continue
        m = mandates[agent_id]
        sequence = (last.get(agent_id) or 0) + 1
        status = franchise_status((year_totals.get(agent_id) or ZERO) + net)
        tax = ZERO if m.vat_franchise else vat(net)
        rows.append(SelfBilledInvoice(
            agent_id=agent_id, period=period, sequence=sequence,
            number=self_invoice_number(agent_id, sequence), issued_at=at,
            net=net, vat=tax, total=net + tax, vat_franchise=m.vat_franchise,
            due_on=at.astimezone(PARIS).date() + dt.timedelta(days=PAYMENT_DAYS_ROADIES),
            franchise_warning=status.message if m.vat_franchise else ""))
    SelfBilledInvoice.objects.bulk_create(rows)
    return {r.agent_id: r for r in SelfBilledInvoice.objects.filter(period=period, agent_id__in=list(totals))}


def brand_invoice_number(year: str, sequence: int) -> str:
    return f"RD-{year}-{sequence:05d}"


def issue_brand_invoices(*, period: str, at: dt.datetime) -> list:
    """Each brand's invoice for the month (by its contract) and its ledger posting."""
    from roadie.desk.pay.actions import Leg, Posting, coded
    from roadie.desk.pay.closing import brand_drafts
    from roadie.engine.pay import labels

    postings, rows = [], []
    sequence = BrandInvoice.objects.aggregate(m=Max("sequence"))["m"] or 0
    invoiced = set(BrandInvoice.objects.filter(period=period).values_list("brand_id", flat=True))
    brands = [b for b in Brand.objects.order_by("slug") if b.pk not in invoiced]
    drafts = brand_drafts([b.pk for b in brands], period)
    for brand in brands:
        usage, draft, days = drafts[brand.pk]
        if not draft.lines or draft.total <= 0:
            continue
        sequence += 1
        number = brand_invoice_number(period[:4], sequence)
        issued = at.astimezone(PARIS)
        rows.append(BrandInvoice(
            brand=brand, period=period, sequence=sequence, number=number, issued_at=at,
            lines=[{"code": li.code, "channel": li.channel, "description": li.description,
                    "quantity": str(li.quantity), "unit_price": str(li.unit_price),
                    "amount": str(li.amount), "parts": labels.as_data(li.parts)} for li in draft.lines],
            usage=[{"channel": u.channel, "contacts": u.contacts, "handled_seconds": u.handled_seconds,
                    "offered": u.offered, "answered_in_target": u.answered_in_target,
                    "service_level": str(u.service_level) if u.service_level is not None else None,
                    "target": str(u.target)} for u in usage],
            net=draft.net, vat=draft.vat, total=draft.total,
            due_on=issued.date() + dt.timedelta(days=days)))
        common = dict(kind="brand_invoice", rule="contract", rule_version=1,
                      evidence_kind="brand_invoice", evidence_id=number,
                      **coded("brand_invoice", number=number))
        postings.append(Posting(
            key=f"invoice:{brand.pk}:{period}", period=period, source_kind="brand_invoice",
            source_id=number, occurred_at=at - dt.timedelta(seconds=1),
            legs=(Leg(f"brand:{brand.pk}", draft.total, **common),
                  Leg("revenue:services", -draft.net, **common),
                  Leg("vat:collected", -draft.vat, **common))))
    BrandInvoice.objects.bulk_create(rows)
    return postings
