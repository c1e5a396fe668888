"""Replies out: POST {graph_url}/{api_version}/{phone_number_id}/messages, as documented for
the Cloud API, with the channel's access token. Raises DeliveryError: retried later, unless
the Graph API's error code is one that retrying cannot fix (``PERMANENT_CODES``)."""

from __future__ import annotations

import logging
import secrets

from roadie.connectors.hooks import DeliveryError, post_json
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.models import Message

log = logging.getLogger("roadie.connectors.whatsapp")

DEFAULT_GRAPH_URL = "https://graph.facebook.com"

# Cloud API error codes (the ``error.code`` of a Graph API answer) after which sending the
# same message again cannot succeed: authorisation (0, 3, 10, 190, 200-299), the account or
# number blocked or gone (33, 368, 130497, 131031, 133010), the request itself (100, 131008,
# 131009, 131021, 131051, 131052, 131053), the recipient (131026 undeliverable, 131030 not
# in the allowed list, 131047 more than 24 hours since the customer's last message: only a
# template may be sent), billing (131042), certificates (131045), templates (132000-132999).
# Throttling (4, 80007, 130429, 131048, 131056) and server errors (1, 2, 131000, 131016,
# 133004), and any code not listed, are tried again.
PERMANENT_CODES = frozenset({0, 3, 10, 33, 100, 190, 368, 130497, 131008, 131009, 131021, 131026,
                             131030, 131031, 131042, 131045, 131047, 131051, 131052, 131053, 133010})


def is_permanent(code) -> bool:
    return isinstance(code, int) and (code in PERMANENT_CODES or 200 <= code <= 299
                                      or 132000 <= code <= 132999)


def graph_error(answer: dict) -> tuple[int | None, str]:
    """The (code, "code title: details") of a Graph API error answer."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return None, ""
    code = error.get("code") if type(error.get("code")) is int else None
    data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
    text = " — ".join(str(t)[:300] for t in (error.get("message"), data.get("details")) if t)
    return code, f"WhatsApp error {code}: {text}" if code is not None else text
DEFAULT_API_VERSION = "v21.0"


def outbound_request(channel: Channel, *, to: str, body: str) -> tuple[str, dict, dict]:
    """(url, headers, JSON body) of a text message, in the documented shape."""
    config = channel.config or {}
    base = str(config.get("graph_url") or DEFAULT_GRAPH_URL).rstrip("/")
    version = config.get("api_version") or DEFAULT_API_VERSION
    url = f"{base}/{version}/{config.get('phone_number_id', '')}/messages"
    headers = {"Authorization": f"Bearer {config.get('access_token', '')}"}
    payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
               "type": "text", "text": {"preview_url": False, "body": body}}
    return url, headers, payload


def send_reply(message: Message) -> None:
    contact = message.contact
    channel = Channel.objects.filter(brand=contact.brand, kind=ChannelKind.WHATSAPP, enabled=True).first()
    if channel is None:
        raise DeliveryError(f"brand {contact.brand.slug} has no enabled WhatsApp channel")
    config = channel.config or {}
    if not config.get("phone_number_id") or not config.get("access_token"):
        raise DeliveryError(f"WhatsApp channel {channel.address} lacks phone_number_id or access_token")
    url, headers, payload = outbound_request(channel, to=contact.external_id, body=message.body)
    if config.get("graph_url") == "sandbox":
        # The demo's sandbox: the request is logged, never sent.
        log.info("sandbox: would POST %s %s", url, payload)
        wamid = f"wamid.sandbox-{secrets.token_hex(8)}"
    else:
        try:
            answer = post_json(url, payload, headers=headers)
        except DeliveryError as exc:
            code, text = graph_error(exc.answer)
            if code is None:
                raise
            raise DeliveryError(text, permanent=is_permanent(code), status=exc.status,
                                answer=exc.answer) from exc
        try:
            wamid = answer["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise DeliveryError(f"unexpected Graph API answer: {answer!r}") from exc
    Message.objects.filter(pk=message.pk).update(external_id=wamid)
