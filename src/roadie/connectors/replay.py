"""Replaying stored payloads that could not be filed (``roadie raw-replay``).

A webhook or form payload that failed (``failed``, or ``stored`` and never finished because
the process died) is handed again to the very view that received it, rebuilt from what was
stored: path, body, content type and the kept headers (signatures included, so it is checked
again). The view files the same row instead of storing a new one; filing is idempotent on
the channel's message ids, so a replay never duplicates what was already filed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.test import RequestFactory
from django.urls import Resolver404, resolve
from django.utils import timezone

from roadie.desk.contacts.models import RawInbound, RawStatus

log = logging.getLogger("roadie.connectors.replay")

# A payload still "stored" this long after it came is a filing that never finished.
STALE = timedelta(minutes=2)


@dataclass(frozen=True)
class Replayed:
    raw_id: int
    status: int
    outcome: str  # the row's status afterwards
    error: str


def replayable(*, now=None):
    """Payloads of web intake (they carry their path) that failed or never finished."""
    now = now or timezone.now()
    stale = RawInbound.objects.filter(status=RawStatus.STORED, received_at__lt=now - STALE)
    failed = RawInbound.objects.filter(status=RawStatus.FAILED)
    return (stale | failed).exclude(meta__path=None).exclude(channel="email").order_by("pk")


def replay(raw: RawInbound) -> Replayed:
    path = (raw.meta or {}).get("path") or ""
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return Replayed(raw.pk, 0, raw.status, f"no view at {path!r} any more")
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v
               for k, v in ((raw.meta or {}).get("headers") or {}).items() if k != "Content-Type"}
    request = RequestFactory().generic("POST", path, data=bytes(raw.payload),
                                       content_type=raw.content_type or "application/octet-stream",
                                       **headers)
    request.roadie_replay = raw
    request._dont_enforce_csrf_checks = True
    response = match.func(request, *match.args, **match.kwargs)
    raw.refresh_from_db()
    log.info("replayed raw #%s: HTTP %s, now %s", raw.pk, response.status_code, raw.status)
    return Replayed(raw.pk, response.status_code, raw.status, raw.error)
