"""Demo traffic through the real webhook: a documented text payload, signed like Meta does."""

from __future__ import annotations

import json
import time
import urllib.request

from roadie.connectors.hooks import hmac_sha256_hex


def text_payload(*, phone_number_id: str, wa_id: str, name: str, body: str, message_id: str,
                 timestamp: int) -> dict:
    return {"object": "whatsapp_business_account", "entry": [{
        "id": "0", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "33170000000", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": message_id, "timestamp": str(timestamp),
                          "type": "text", "text": {"body": body}}],
        }}],
    }]}


def injector(base: str, api):
    from roadie.desk.brands.models import Channel

    channels = {c.brand.slug: c for c in Channel.objects.filter(kind="whatsapp").select_related("brand")}

    def inject(arrival) -> None:
        channel = channels.get(arrival.brand)
        if channel is None:
            return
        config = channel.config or {}
        wa_id = "".join(ch for ch in arrival.phone if ch.isdigit())
        body = json.dumps(text_payload(
            phone_number_id=str(config.get("phone_number_id", "")), wa_id=wa_id, name=arrival.name,
            body=arrival.body, message_id=f"wamid.demo-{time.time_ns()}", timestamp=int(time.time()),
        )).encode()
        request = urllib.request.Request(
            f"{base}/hooks/whatsapp/{channel.address}", data=body, method="POST",
            headers={"Content-Type": "application/json",
                     "X-Hub-Signature-256": "sha256=" + hmac_sha256_hex(config.get("app_secret", ""), body)},
        )
        urllib.request.urlopen(request, timeout=10).close()

    return inject
