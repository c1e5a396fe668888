"""What every webhook connector shares: finding the channel, checking an HMAC signature,
storing the raw request before anything else, rejecting with a logged reason, and posting
JSON to a provider (for replies).

Order of work in every webhook view: store the raw body (committed), then check the
signature, then parse; an answer is only sent once the payload is durably stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.http import HttpRequest, JsonResponse

from roadie.desk.brands.models import Channel
from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import RawInbound, RawStatus

log = logging.getLogger("roadie.connectors")

# Request headers worth keeping beside a raw payload (for audit and replays).
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Hub-Signature-256", "X-Roadie-Signature",
                "X-Twilio-Signature", "X-Forwarded-For")


class DeliveryError(Exception):
    """A provider refused or did not answer a reply; the worker retries it later."""


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


def store_request(request: HttpRequest, *, channel: str, source: str, brand=None,
                  meta: dict | None = None) -> RawInbound:
    """Store the request body exactly as received, with the headers that matter, committed."""
    headers = {h: request.headers[h] for h in KEPT_HEADERS if h in request.headers}
    return store_raw(
        channel=channel, source=source, payload=request.body, content_type=request.content_type or "",
        brand=brand, meta={"path": request.get_full_path(), "headers": headers, **(meta or {})},
    )


def store_delivery(request: HttpRequest, channel: Channel | None, *, kind: str, address: str,
                   source: str) -> tuple[RawInbound, JsonResponse | None]:
    """Every webhook's first step: store the request as received, before anything is checked;
    a delivery to an address that is no channel of ``kind`` is refused (404) and kept aside.
    Returns the stored payload and the refusal to answer, if any."""
    raw = store_request(request, channel=kind, source=source,
                        brand=channel.brand if channel else None, meta={"address": address})
    if channel is None:
        return raw, reject(raw, status=404, reason=f"no {kind} channel at {address!r}")
    return raw, None


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


def parse_json(raw: RawInbound) -> dict:
    """The stored body as a JSON object, or ValueError with a readable reason."""
    try:
        data = json.loads(bytes(raw.payload).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


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
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise DeliveryError(f"{url} answered {exc.code}: {detail}") from exc
    except OSError as exc:
        raise DeliveryError(f"{url} unreachable: {exc}") from exc
    try:
        return json.loads(text or b"{}")
    except json.JSONDecodeError:
        return {}
