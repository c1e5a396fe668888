"""Pay and invoice labels in the reader's language: the engine's label codes
(``roadie.engine.pay.labels``) rendered through gettext. Rows written before labels had
codes, or whose codes are unknown, show their stored English text. Numbers inside the labels
(rates, minutes, multipliers, amounts) are written in the reader's locale by Django's
``number_format``; ids, phone numbers and invoice numbers are left as they are."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext

from roadie.engine.pay.labels import from_data, render


def localized_number(value: str) -> str:
    """A number of a label in the active language's format, its decimals kept as written
    ("1234.50" is "1 234,50" in French, "1,234.50" in English); text that is not a number is
    left as it is."""
    try:
        d = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    if not d.is_finite():
        return value
    places = max(0, -d.as_tuple().exponent)
    return number_format(d, decimal_pos=places, use_l10n=True, force_grouping=True)


def display(data, fallback: str = "") -> str:
    """``data``: the JSON form stored on a ledger leg (``Entry.label_parts``) or an invoice
    line (``parts``), in the active language, its numbers in that language's format."""
    try:
        parts = from_data(data)
        return render(parts, translate=gettext, number=localized_number) if parts else fallback
    except (KeyError, TypeError, ValueError):
        return fallback


def entry_text(entry) -> str:
    return display(entry.label_parts, entry.label)


def invoice_line_text(line: dict) -> str:
    return display(line.get("parts"), line.get("description", ""))
