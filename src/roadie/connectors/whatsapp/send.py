"""Replies out: POST {graph_url}/{api_version}/{phone_number_id}/messages, as documented for
the Cloud API, with the channel's access token. Raises DeliveryError to be retried."""

from __future__ import annotations

import logging
import secrets

from roadie.connectors.hooks import DeliveryError, post_json
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.models import Message

log = logging.getLogger("roadie.connectors.whatsapp")

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
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
        answer = post_json(url, payload, headers=headers)
        try:
            wamid = answer["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise DeliveryError(f"unexpected Graph API answer: {answer!r}") from exc
    Message.objects.filter(pk=message.pk).update(external_id=wamid)
