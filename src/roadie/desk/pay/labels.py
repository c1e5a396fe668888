"""Pay and invoice labels in the reader's language: the engine's label codes
(``roadie.engine.pay.labels``) rendered through gettext. Rows written before labels had
codes, or whose codes are unknown, show their stored English text."""

from __future__ import annotations

from django.utils.translation import gettext

from roadie.engine.pay.labels import from_data, render


def display(data, fallback: str = "") -> str:
    """``data``: the JSON form stored on a ledger leg (``Entry.label_parts``) or an invoice
    line (``parts``)."""
    try:
        parts = from_data(data)
        return render(parts, translate=gettext) if parts else fallback
    except (KeyError, TypeError, ValueError):
        return fallback


def entry_text(entry) -> str:
    return display(entry.label_parts, entry.label)


def invoice_line_text(line: dict) -> str:
    return display(line.get("parts"), line.get("description", ""))
