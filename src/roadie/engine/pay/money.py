"""Exact money: Decimal euros, one rounding rule, splits to the cent, VAT and the VAT
franchise thresholds of French micro-entrepreneurs.

Rounding rule (docs/pay.md): every amount the ledger records is rounded to the cent, half
away from zero (``ROUND_HALF_UP``), once, at the end of its formula. A total that must be
split (the premium-line share of a period, a collective pot) is split by the largest-remainder
method: each part is rounded down to the cent, then the cents left over go one each to the
parts with the largest remainders (ties: the earliest key), so the parts sum exactly to the
total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
VAT_RATE = Decimal("0.20")
# Franchise en base de TVA for services (art. 293 B du CGI), per calendar year.
FRANCHISE_BASE = Decimal("37500")
FRANCHISE_MAJOR = Decimal("41250")
# A warning is given from this share of the base threshold on.
FRANCHISE_WARN_SHARE = Decimal("0.90")


def cents(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half away from zero."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money(text: str | Decimal | int) -> Decimal:
    """Parse an amount from rule data; refuses floats (they are not exact)."""
    if isinstance(text, float):
        raise TypeError("amounts are decimal strings, not floats")
    return Decimal(str(text))


def split_to_cent(total: Decimal, weights: Sequence[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Split ``total`` (a cent amount) over keys in proportion to their weights; the parts
    sum exactly to ``total`` (largest remainder, ties to the earliest key in sorted order)."""
    total = cents(total)
    positive = [(k, Decimal(w)) for k, w in weights if Decimal(w) > 0]
    if not positive:
        return {}
    weight_sum = sum(w for _, w in positive)
    exact = {k: total * w / weight_sum for k, w in positive}
    floors = {k: v.quantize(CENT, rounding=ROUND_DOWN) for k, v in exact.items()}
    left = int((total - sum(floors.values())) / CENT)
    order = sorted(exact, key=lambda k: (-(exact[k] - floors[k]), k))
    for k in order[:left]:
        floors[k] += CENT
    return floors


def vat(net: Decimal, rate: Decimal = VAT_RATE) -> Decimal:
    return cents(net * rate)


@dataclass(frozen=True)
class FranchiseStatus:
    level: str  # "ok", "approaching", "over_base", "over_major"
    year_total: Decimal
    message: str


def franchise_status(year_total: Decimal) -> FranchiseStatus:
    """Where a roadie's invoiced services of the calendar year stand against the franchise."""
    if year_total > FRANCHISE_MAJOR:
        return FranchiseStatus("over_major", year_total, (
            f"{year_total} € invoiced this year: above the 41,250 € threshold, VAT is due from "
            "the first day of the month it was crossed; the franchise no longer applies."))
    if year_total > FRANCHISE_BASE:
        return FranchiseStatus("over_base", year_total, (
            f"{year_total} € invoiced this year: above the 37,500 € threshold; the franchise "
            "ends on 1 January unless the year stays under 41,250 €."))
    if year_total >= FRANCHISE_BASE * FRANCHISE_WARN_SHARE:
        return FranchiseStatus("approaching", year_total, (
            f"{year_total} € invoiced this year: approaching the 37,500 € VAT franchise threshold."))
    return FranchiseStatus("ok", year_total, "")
