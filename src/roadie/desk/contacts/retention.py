"""How long raw inbound payloads are kept: refused ones (unknown address, bad signature,
invalid form) expire after ``ROADIE_RAW_REJECTED_DAYS`` days; everything accepted (parsed,
failed, duplicates) is kept, as the record of what came in."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from roadie.desk.contacts.models import RawInbound, RawStatus


def rejected_retention() -> timedelta:
    return timedelta(days=float(getattr(settings, "ROADIE_RAW_REJECTED_DAYS", 7)))


def prune_rejected(*, now: datetime | None = None) -> int:
    """Delete refused payloads older than the retention; the number deleted."""
    cutoff = (now or timezone.now()) - rejected_retention()
    deleted, _ = RawInbound.objects.filter(status=RawStatus.REJECTED, received_at__lt=cutoff,
                                           contact__isnull=True).delete()
    return deleted
