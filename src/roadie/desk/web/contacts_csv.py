"""The contacts list as CSV (the brand dashboard's and the board's *Export CSV*): the same
filters as the page, every matching contact, each field as this user may see it.

The customer's name and email are left empty where the brand masks them for this user
(``contacts.access.masked_fields_for``), free text (subject) goes through the brand's
redaction, and the export is recorded in the audit log with the fields it carried. A cell
that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``) is quoted with ``'``."""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from roadie.desk.audit.actions import record_read
from roadie.desk.contacts.access import masked_fields_for, redact_for

HEADER = ("id", "brand", "channel", "status", "customer_name", "customer_email", "subject", "tags",
          "agent", "arrived_at", "answered_at", "resolved_at", "wrap_up_code")
MAX_ROWS = 100_000


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def contacts_csv(user, query, *, brands) -> str:
    """``query``: the contacts the page lists (already limited to what the user may see)."""
    hidden = {b.pk: masked_fields_for(user, b) for b in brands}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    rows = (query.select_related("brand", "customer", "agent__user").order_by("-arrived_at", "-pk")
            [:MAX_ROWS].iterator(chunk_size=2000))
    for c in rows:
        masked = hidden.get(c.brand_id) or masked_fields_for(user, c.brand)
        name = "" if "name" in masked else redact_for(user, c.brand, c.customer.name)
        email = "" if "email" in masked else c.customer.email
        writer.writerow([_cell(v) for v in (
            c.pk, c.brand.slug, c.channel, c.status, name, email, redact_for(user, c.brand, c.subject),
            " ".join(c.tags), c.agent.user.username if c.agent else "", c.arrived_at, c.answered_at,
            c.resolved_at, c.wrap_up_code)])
    for brand in brands:
        shown = [f for f in ("name", "email") if f not in hidden[brand.pk]]
        record_read(user, action="contacts.export", obj=brand, brand_id=brand.pk, fields=shown, via="csv")
    return out.getvalue()
