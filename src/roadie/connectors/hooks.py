"""What every webhook connector shares: finding the channel, checking an HMAC signature,
storing the raw request before anything else, rejecting with a logged reason, and posting
JSON to a provider (for replies).

Order of work in every webhook view: store the raw body (committed), then check the
signature, then parse; an answer is only sent once the payload is durably stored.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from roadie.desk.brands.models import Channel
from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import RawInbound, RawStatus

log = logging.getLogger("roadie.connectors")

# Request headers worth keeping beside a raw payload (for audit and replays).
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Hub-Signature-256", "X-Roadie-Signature",
                "X-Twilio-Signature", "X-Forwarded-For")


class DeliveryError(Exception):
    """A provider refused or did not answer a reply; the worker retries it later, unless it
    is ``permanent`` (the provider's documented code says retrying cannot help). ``status``
    and ``answer`` are the provider's HTTP status and JSON answer, when it gave them."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None,
                 answer: dict | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status
        self.answer = answer or {}


def find_channel(kind: str, address: str) -> Channel | None:
    return (
        Channel.objects.select_related("brand")
        .filter(kind=kind, address=address, enabled=True, brand__is_active=True).first()
    )


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None, *, prefix: str = "sha256=") -> bool:
    """Constant-time check of a ``sha256=<hex>`` HMAC header (Meta's and roadie's own shape)."""
    if not secret or not header:
        return False
    expected = prefix + hmac_sha256_hex(secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def signed_body(request: HttpRequest, *, header: str, secret_key: str = "secret",
                secret_required: bool = False):
    """The ``check`` of ``store_delivery`` for a body signed ``sha256=<HMAC hex>`` in ``header``
    with the channel's ``config[secret_key]``: ``(401, why)`` when it is not, else None."""

    def check(channel) -> tuple[int, str] | None:
        secret = (channel.config or {}).get(secret_key, "")
        if secret_required and not secret:
            return 401, "this channel has no app secret configured"
        if header not in request.headers:
            return 401, f"missing {header}"
        if not signature_ok(secret, request.body, request.headers.get(header)):
            return 401, f"{header} does not match the body"
        return None

    return check


def store_request(request: HttpRequest, *, channel: str, source: str, brand=None,
                  meta: dict | None = None) -> RawInbound:
    """Store the request body exactly as received, with the headers that matter, committed.
    A replay (``roadie raw-replay``) files the payload it replays again instead."""
    replayed = getattr(request, "roadie_replay", None)
    if replayed is not None:
        RawInbound.objects.filter(pk=replayed.pk).update(status=RawStatus.STORED, error="")
        replayed.status, replayed.error = RawStatus.STORED, ""
        request.roadie_raw = replayed
        return replayed
    headers = {h: request.headers[h] for h in KEPT_HEADERS if h in request.headers}
    raw = store_raw(
        channel=channel, source=source, payload=request.body, content_type=request.content_type or "",
        brand=brand, meta={"path": request.get_full_path(), "headers": headers, **(meta or {})},
    )
    request.roadie_raw = raw
    return raw


def files_or_fails(view):
    """Around every public intake view: an unexpected error after the payload was stored
    marks it ``failed`` with the reason (listed and replayed by ``roadie raw-replay``), is
    logged with its traceback, and answers 500 naming the stored payload; never a silent
    ``stored`` row."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Exception as exc:
            raw = getattr(request, "roadie_raw", None)
            log.exception("%s %s failed", request.method, request.path)
            if raw is None:
                raise
            reason = f"could not be filed: {type(exc).__name__}: {exc}"[:500]
            RawInbound.objects.filter(pk=raw.pk).exclude(status=RawStatus.REJECTED).update(
                status=RawStatus.FAILED, error=reason)
            return JsonResponse({"detail": "this payload could not be filed; it is kept and will "
                                           "be replayed", "raw": raw.pk}, status=500)

    return guarded


# What is kept of a refused delivery (unknown address, bad signature): its first bytes only,
# so that anyone posting to a wrong address cannot fill the disk (the size is recorded).
REFUSED_KEEP_BYTES = 1024


def store_delivery(request: HttpRequest, channel: Channel | None, *, kind: str, address: str,
                   source: str, check=None) -> tuple[RawInbound | None, JsonResponse | None]:
    """Every webhook's first step. The address and then the signature (``check(channel)``
    returns ``(status, reason)`` to refuse, or None) are checked before anything large is
    stored; a refused delivery keeps only its first bytes, as ``rejected``, which expire
    after ``ROADIE_RAW_REJECTED_DAYS``. An accepted one is stored whole, committed, before it
    is parsed. Returns the stored payload (None when refused) and the refusal to answer."""
    _ = request.body  # read (and kept) before a check may parse the form and consume the stream
    if channel is None:
        return None, refuse(request, kind=kind, source=source, brand=None, address=address,
                            status=404, reason=f"no {kind} channel at {address!r}")
    refusal = check(channel) if check is not None else None
    if refusal is not None:
        status, reason = refusal
        return None, refuse(request, kind=kind, source=source, brand=channel.brand,
                            address=address, status=status, reason=reason)
    raw = store_request(request, channel=kind, source=source, brand=channel.brand,
                        meta={"address": address})
    return raw, None


def refuse(request: HttpRequest, *, kind: str, source: str, brand, address: str, status: int,
           reason: str) -> JsonResponse:
    """Refuse a delivery without storing it whole: its first ``REFUSED_KEEP_BYTES`` bytes,
    its size and headers are kept aside (rejected), for the record."""
    body = request.body
    headers = {h: request.headers[h] for h in KEPT_HEADERS if h in request.headers}
    raw = store_raw(channel=kind, source=source, payload=body[:REFUSED_KEEP_BYTES],
                    content_type=(request.content_type or "")[:120], brand=brand,
                    meta={"path": request.get_full_path()[:500], "headers": headers,
                          "address": address[:254], "size": len(body),
                          "truncated": len(body) > REFUSED_KEEP_BYTES})
    return reject(raw, status=status, reason=reason)


def reject(raw: RawInbound, *, status: int, reason: str) -> JsonResponse:
    """Refuse a stored payload: keep it aside (status rejected), log why, answer a clear 4xx."""
    RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.REJECTED, error=reason)
    log.warning("rejected %s payload #%s from %s (%s): %s", raw.channel, raw.pk, raw.source,
                raw.meta.get("path", ""), reason)
    return JsonResponse({"detail": reason, "raw": raw.pk}, status=status)


def failed(raw: RawInbound, *, reason: str, status: int = 400) -> JsonResponse:
    """A signed payload that cannot be parsed: kept (status failed), logged, 4xx."""
    RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.FAILED, error=reason)
    log.warning("could not parse %s payload #%s: %s", raw.channel, raw.pk, reason)
    return JsonResponse({"detail": reason, "raw": raw.pk}, status=status)


def mark(raw: RawInbound, status: str, *, contact=None, error: str = "") -> None:
    changes = {"status": status, "error": error}
    if contact is not None:
        changes["contact"] = contact
    RawInbound.objects.filter(pk=raw.pk).update(**changes)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def clean_text(value: str) -> str:
    """A string as it can be stored and shown: a lone surrogate (``"\\ud800"`` in JSON, which
    no database encodes) becomes U+FFFD, a NUL (which PostgreSQL refuses) is dropped."""
    if value.isascii():
        return value.replace("\x00", "")
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace").replace("\x00", "")


def clean_json(value):
    """Every string of a parsed JSON document through ``clean_text`` (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    return value


def loads(text: str | bytes):
    """``json.loads`` for untrusted input: no NaN/Infinity, strings cleaned (``clean_text``);
    ValueError with a readable reason otherwise."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return clean_json(json.loads(text, parse_constant=_no_constant))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"body is not JSON: {exc}") from exc


def parse_json(raw: RawInbound) -> dict:
    """The stored body as a JSON object, or ValueError with a readable reason."""
    data = loads(bytes(raw.payload))
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


# Provider clocks are information, not truth: a time further than this from ours is not used
# (year 1970, 0001 or 9999); within it, it times a call, never a place in the queue.
PROVIDER_CLOCK_SLACK = timedelta(days=30)


def provider_time(value: datetime | None) -> datetime:
    """A provider's event time if it is plausible (within 30 days of ours), else our time."""
    now = timezone.now()
    try:
        plausible = value is not None and now - PROVIDER_CLOCK_SLACK <= value <= now + PROVIDER_CLOCK_SLACK
    except (OverflowError, TypeError):  # year 9999 with an offset, a naive time
        plausible = False
    return value if plausible else now


def post_json(url: str, payload: dict, *, headers: dict | None = None, timeout: float = 10.0) -> dict:
    """POST a JSON body; the provider's JSON answer, or DeliveryError (to be retried)."""
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read()[:20_000]
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = {}
        detail = raw[:500].decode("utf-8", "replace")
        raise DeliveryError(f"{url} answered {exc.code}: {detail}", status=exc.code,
                            answer=answer if isinstance(answer, dict) else {}) from exc
    except OSError as exc:
        raise DeliveryError(f"{url} unreachable: {exc}") from exc
    try:
        return json.loads(text or b"{}")
    except json.JSONDecodeError:
        return {}
