"""Writing a brand's IMAP mailboxes (the console's mailbox page): one write path, checked,
validated (``ValidationError`` naming the field, nothing written) and in the audit log. The
password is write-only: stored encrypted, never shown again; empty keeps it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from roadie.connectors.email.models import Mailbox
from roadie.desk.accounts import access
from roadie.desk.audit.actions import record_change

FIELDS = ("name", "host", "port", "use_ssl", "starttls", "user", "folder", "enabled")


def save_mailbox(actor, brand, *, mailbox: Mailbox | None = None, password: str = "",
                 via: str = "console", **values) -> Mailbox:
    if not access.can_administer_brand(actor, brand.pk):
        raise PermissionDenied("you may not change this brand's mailboxes")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError({f: ["not a field you can change"] for f in sorted(unknown)})
    mailbox = mailbox or Mailbox(brand=brand)
    if mailbox.brand_id != brand.pk:
        raise PermissionDenied("not this brand's mailbox")
    try:
        values["port"] = int(values.get("port", mailbox.port))
    except (TypeError, ValueError):
        raise ValidationError({"port": ["a port number"]}) from None
    if not 1 <= values["port"] <= 65535:
        raise ValidationError({"port": ["a port number (993 for IMAPS)"]})
    before = {f: getattr(mailbox, f) for f in FIELDS}
    for field, value in values.items():
        setattr(mailbox, field, value.strip() if isinstance(value, str) else value)
    changed = [f for f in FIELDS if getattr(mailbox, f) != before[f]]
    if password:
        mailbox.password = password
        changed.append("password")
    try:
        mailbox.full_clean(exclude=["brand", "password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    created = mailbox.pk is None
    with transaction.atomic():
        mailbox.save()
        record_change(actor, action="mailbox.create" if created else "mailbox.update", obj=mailbox,
                      brand_id=brand.pk, fields=changed, via=via)
    return mailbox
