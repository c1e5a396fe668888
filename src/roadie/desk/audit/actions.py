"""Writing the audit log."""

from __future__ import annotations

from roadie.desk.audit.models import AuditEntry


def record_read(user, *, action: str, obj, brand_id: int | None, fields: list[str], via: str) -> None:
    AuditEntry.objects.create(
        user=user if getattr(user, "pk", None) else None,
        action=action,
        brand_id=brand_id,
        object_type=type(obj).__name__.lower(),
        object_id=str(obj.pk),
        fields=fields,
        via=via,
    )


def record_change(user, *, action: str, obj, brand_id: int | None, fields: list[str],
                  via: str = "console") -> None:
    """A setting changed (``brand.update``, ``token.revoke``...): who, what object, which fields
    (never their values, which may be secrets)."""
    AuditEntry.objects.create(
        user=user if getattr(user, "pk", None) else None,
        action=action,
        brand_id=brand_id,
        object_type=type(obj).__name__.lower(),
        object_id=str(obj.pk),
        fields=list(fields),
        via=via,
    )
