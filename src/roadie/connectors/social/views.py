"""The generic social-network webhook and its replies.

In: ``POST /hooks/social/<channel address>`` with ``X-Roadie-Signature: sha256=<hex>``, the
HMAC-SHA256 of the body under the channel's ``secret``, and this JSON (docs/channels.md)::

    {"network": "instagram", "conversation_id": "ig-thread-8812", "message_id": "ig-msg-1",
     "author": {"id": "1784140", "name": "Marie Lefèvre", "handle": "@marie"},
     "text": "Bonjour...", "sent_at": "2026-11-23T10:15:00Z", "url": "https://..."}

Out: when the channel has a ``reply_url``, each reply is POSTed there, signed the same way:
``{"network", "conversation_id", "in_reply_to", "text"}``.
"""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from roadie.connectors import hooks
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Direction, Message
from roadie.desk.throttle.lib import throttled

SIGNATURE = "X-Roadie-Signature"


def _text(data: dict, key: str, *, required: bool = True, limit: int = 250) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"{key} must be a non-empty string" if required else f"{key} must be a string")
    if len(value) > limit:
        raise ValueError(f"{key} is longer than {limit} characters")
    return value.strip()


def parse(data: dict) -> dict:
    author = data.get("author")
    if not isinstance(author, dict):
        raise ValueError("author must be an object with id and name")
    sent_at = None
    if data.get("sent_at"):
        try:
            sent_at = datetime.fromisoformat(str(data["sent_at"])[:40].replace("Z", "+00:00"))
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"sent_at is not an ISO 8601 time: {data['sent_at']!r}") from exc
        if sent_at.tzinfo is None:
            raise ValueError("sent_at must carry a time zone")
    return {
        "network": _text(data, "network", limit=40), "conversation_id": _text(data, "conversation_id", limit=150),
        "message_id": _text(data, "message_id", limit=200), "text": _text(data, "text", limit=20_000),
        "author_id": _text(author, "id", limit=70), "author_name": _text(author, "name", required=False, limit=200),
        "handle": _text(author, "handle", required=False, limit=200), "sent_at": sent_at,
    }


@csrf_exempt
@throttled("webhook", channel_kwarg="address")
@require_POST
@hooks.files_or_fails
def webhook(request, address: str):
    channel = hooks.find_channel(ChannelKind.SOCIAL, address)
    raw, refused = hooks.store_delivery(request, channel, kind=ChannelKind.SOCIAL, address=address,
                                        source="social", check=hooks.signed_body(request, header=SIGNATURE))
    if refused:
        return refused
    try:
        item = parse(hooks.parse_json(raw))
    except ValueError as exc:
        return hooks.failed(raw, reason=str(exc))
    contact, message, created = receive(Inbound(
        brand=channel.brand, channel=ChannelKind.SOCIAL, body=item["text"],
        customer=CustomerData(name=item["author_name"] or item["handle"],
                              external_ref=f"{item['network']}:{item['author_id']}"),
        subject=f"{item['network']}: {item['text'].splitlines()[0][:70]}",
        external_id=f"{item['network']}:{item['conversation_id']}",
        message_id=f"{item['network']}:{item['message_id']}", provider_at=item["sent_at"],
    ), raw=raw)
    return JsonResponse({"contact": contact.pk, "message": message.pk, "new": created},
                        status=201 if created else 200)


def send_reply(message: Message) -> None:
    contact = message.contact
    channel = Channel.objects.filter(brand=contact.brand, kind=ChannelKind.SOCIAL, enabled=True).first()
    config = (channel.config or {}) if channel else {}
    if not config.get("reply_url"):
        return  # the brand's bridge reads replies from the roadie API instead
    network, _, conversation = contact.external_id.partition(":")
    last_in = contact.messages.filter(direction=Direction.INBOUND).exclude(external_id="").last()
    payload = {"network": network, "conversation_id": conversation,
               "in_reply_to": last_in.external_id.partition(":")[2] if last_in else "",
               "text": message.body, "sent_at": timezone.now().isoformat()}
    body = json.dumps(payload).encode()
    hooks.post_json(config["reply_url"], payload, headers={
        SIGNATURE: "sha256=" + hooks.hmac_sha256_hex(config.get("secret", ""), body)})


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hooks.hmac_sha256_hex(secret, body)


def demo_injector(base: str, api):
    channels = {c.brand.slug: c for c in Channel.objects.filter(kind="social").select_related("brand")}

    def inject(arrival) -> None:
        channel = channels.get(arrival.brand)
        if channel is None:
            return
        handle = "@" + arrival.email.split("@")[0].replace(".", "_")
        n = time.time_ns()
        body = json.dumps({
            "network": "instagram", "conversation_id": f"thread-{n}", "message_id": f"msg-{n}",
            "author": {"id": str(abs(hash(handle)) % 10**10), "name": arrival.name, "handle": handle},
            "text": arrival.body, "sent_at": timezone.now().isoformat(),
        }).encode()
        request = urllib.request.Request(
            f"{base}/hooks/social/{channel.address}", data=body, method="POST",
            headers={"Content-Type": "application/json",
                     SIGNATURE: sign((channel.config or {}).get("secret", ""), body)})
        urllib.request.urlopen(request, timeout=10).close()

    return inject
