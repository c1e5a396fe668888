"""Helpers shared by the hostile-input tests: one signed channel of each webhook kind."""

from __future__ import annotations

import json

from django.test import Client

from roadie.connectors.hooks import hmac_sha256_hex
from roadie.desk.brands.models import Channel

SECRET = "hostile-secret"
PHONE_NUMBER_ID = "106540352242922"


def channels(brand) -> dict[str, Channel]:
    return {
        "whatsapp": Channel.objects.create(brand=brand, kind="whatsapp", address=f"{brand.slug}-wa",
                                           config={"app_secret": SECRET, "phone_number_id": PHONE_NUMBER_ID}),
        "social": Channel.objects.create(brand=brand, kind="social", address=f"{brand.slug}-so",
                                         config={"secret": SECRET}),
        "voice": Channel.objects.create(brand=brand, kind="voice", address="+33170000099",
                                        config={"secret": SECRET}),
        "video": Channel.objects.create(brand=brand, kind="video", address=f"{brand.slug}-vi"),
        "chat": Channel.objects.create(brand=brand, kind="chat", address=f"{brand.slug}-ch"),
    }


def body_of(payload) -> bytes:
    if isinstance(payload, bytes):
        return payload
    return json.dumps(payload, ensure_ascii=True, allow_nan=True).encode()


def post_whatsapp(client: Client, channel, payload, *, address: str | None = None, signed: bool = True):
    body = body_of(payload)
    headers = {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + hmac_sha256_hex(SECRET, body)} if signed else {}
    return client.post(f"/hooks/whatsapp/{address or channel.address}", data=body,
                       content_type="application/json", **headers)


def post_signed(client: Client, url: str, payload, *, signed: bool = True):
    body = body_of(payload)
    headers = {"HTTP_X_ROADIE_SIGNATURE": "sha256=" + hmac_sha256_hex(SECRET, body)} if signed else {}
    return client.post(url, data=body, content_type="application/json", **headers)


def wa_payload(*, messages=(), statuses=(), phone_id: str = PHONE_NUMBER_ID) -> dict:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_id},
             "contacts": [{"profile": {"name": "Sheena"}, "wa_id": "16505551234"}],
             "messages": list(messages), "statuses": list(statuses)}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}


def wa_text(text, *, wamid: str = "wamid.1", timestamp="1749416383", sender: str = "16505551234") -> dict:
    return {"from": sender, "id": wamid, "timestamp": timestamp, "type": "text", "text": {"body": text}}


def social_payload(**over) -> dict:
    base = {"network": "instagram", "conversation_id": "t-1", "message_id": "m-1",
            "author": {"id": "17841", "name": "Marie", "handle": "@marie"},
            "text": "Bonjour", "sent_at": "2026-11-23T10:15:00Z"}
    base.update(over)
    return base
