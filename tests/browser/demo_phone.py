"""The demo's Ondes Mobile phone line as the telephony cloud calls it (signed webhook)."""

from __future__ import annotations

import json
import urllib.request

from roadie.connectors.hooks import hmac_sha256_hex

SECRET = "demo-voice-secret"  # the demo's Ondes Mobile line (roadie.desk.demo.data)


def call_event(live_roadie, payload: dict) -> dict:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        f"{live_roadie.url}/hooks/voice/ondes-voice", data=body, method="POST",
        headers={"Content-Type": "application/json",
                 "X-Roadie-Signature": "sha256=" + hmac_sha256_hex(SECRET, body)})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
