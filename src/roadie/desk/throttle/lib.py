"""Rate limits on every public endpoint: per address (the client's IP) and per channel (the
webhook address, the brand's form), answering 429 with Retry-After.

Counted in a fixed window per key in the shared database (``Bucket``): every web process
sees the same counts, with no cache server to run (Django's local-memory cache would count
per process; django-ratelimit needs a shared cache). The limits are settings
(``ROADIE_RATE_LIMITS``: scope -> {"address": [requests, seconds], "channel": [...]}).
"""

from __future__ import annotations

import functools
import logging
import math
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import JsonResponse

from roadie.desk.throttle.models import Bucket

log = logging.getLogger("roadie.throttle")

# requests per window (seconds), per client address and per channel; generous enough for
# a provider's bursts and the demo's traffic generator, tight enough to stop a flood.
DEFAULT_LIMITS: dict[str, dict[str, tuple[int, int]]] = {
    "webhook": {"address": (1200, 60), "channel": (3000, 60)},
    "chat": {"address": (120, 60), "channel": (3000, 60)},
    "chat-message": {"address": (60, 60)},
    "chat-frame": {"address": (600, 60)},
    "api": {"address": (6000, 60), "channel": (3000, 60)},  # API writes; channel = the token's user  # every frame of a chat websocket (each is stored)
    "help": {"address": (120, 60)},  # the public help pages (GET)
    "video": {"address": (20, 60), "channel": (600, 60)},
    "survey": {"address": (30, 60), "channel": (600, 60)},
    "login": {"address": (300, 60), "channel": (30, 60)},  # channel = the username tried
}


def limits(scope: str) -> dict[str, tuple[int, int]]:
    configured = (getattr(settings, "ROADIE_RATE_LIMITS", None) or {}).get(scope)
    return {k: tuple(v) for k, v in (configured or DEFAULT_LIMITS.get(scope, {})).items()}


def hit(key: str, *, limit: int, window: int, now: float | None = None) -> float:
    """Count one request for ``key``; 0 when allowed, else the seconds until the window ends."""
    now = time.time() if now is None else now
    start = int(now // window * window)
    key = key[:200]
    with transaction.atomic():
        if not Bucket.objects.filter(key=key, window=start).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    Bucket.objects.create(key=key, window=start, count=1)
            except IntegrityError:  # another process opened the window first
                Bucket.objects.filter(key=key, window=start).update(count=F("count") + 1)
        count = Bucket.objects.filter(key=key, window=start).values_list("count", flat=True).first() or 0
    return 0.0 if count <= limit else max(1.0, start + window - now)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def check(scope: str, *, address: str, channel: str = "") -> float:
    """Seconds to wait (0: allowed) for one request of ``scope`` from ``address`` to ``channel``."""
    wait = 0.0
    for kind, (limit, window) in limits(scope).items():
        subject = address if kind == "address" else channel
        if kind == "channel" and not channel:
            continue
        wait = max(wait, hit(f"{scope}:{kind}:{subject}", limit=limit, window=window))
    return wait


def too_many(scope: str, wait: float, *, address: str, channel: str = "") -> JsonResponse:
    log.warning("rate limit %s: %s -> %s refused for %.0f s", scope, address, channel, wait)
    response = JsonResponse({"detail": f"too many requests; retry after {math.ceil(wait)} seconds"},
                            status=429)
    response["Retry-After"] = str(math.ceil(wait))
    return response


def throttled(scope: str, *, channel_kwarg: str | None = None, methods=("POST",)):
    """Rate-limit a view (before anything is read or stored): per client address, and per
    channel when ``channel_kwarg`` names the URL argument that identifies it."""

    def decorate(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            if request.method in methods:
                address = client_address(request)
                channel = str(kwargs.get(channel_kwarg, "")) if channel_kwarg else ""
                wait = check(scope, address=address, channel=channel)
                if wait:
                    return too_many(scope, wait, address=address, channel=channel)
            return view(request, *args, **kwargs)

        return limited

    return decorate


def prune(*, keep: timedelta = timedelta(hours=2)) -> int:
    deleted, _ = Bucket.objects.filter(window__lt=time.time() - keep.total_seconds()).delete()
    return deleted


def login_throttled(view):
    """The login form: per client address, and per username tried (a password guessed
    from many addresses is slowed down too)."""

    @functools.wraps(view)
    def limited(request, *args, **kwargs):
        if request.method == "POST":
            address = client_address(request)
            username = str(request.POST.get("username", ""))[:150].lower()
            wait = check("login", address=address, channel=username)
            if wait:
                return too_many("login", wait, address=address, channel=username)
        return view(request, *args, **kwargs)

    return limited
