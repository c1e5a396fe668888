"""Demo calls through the real voice webhook: offered, then answered once an agent took the
call on roadie's desk, then ended after a talk; or ended unanswered when the caller gives up."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request

from roadie.connectors.hooks import hmac_sha256_hex

log = logging.getLogger("roadie.traffic")

PATIENCE_SECONDS = (45, 180)
TALK_SECONDS = (20, 150)


def injector(base: str, api):
    from roadie.desk.brands.models import Channel

    channels = {c.brand.slug: c for c in Channel.objects.filter(kind="voice").select_related("brand")}
    rng = random.Random(11)

    def post(channel, payload: dict) -> dict:
        body = json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{base}/hooks/voice/{channel.address}", data=body, method="POST",
            headers={"Content-Type": "application/json",
                     "X-Roadie-Signature": "sha256=" + hmac_sha256_hex((channel.config or {}).get("secret", ""), body)})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def follow(channel, call_id: str, contact_id: int, patience: float, talk: float) -> None:
        try:
            deadline = time.monotonic() + patience
            while time.monotonic() < deadline:
                contact = api.call("GET", f"/contacts/{contact_id}")
                if contact["status"] in ("active", "resolved"):
                    time.sleep(talk)
                    break
                time.sleep(2)
            post(channel, {"event": "ended", "call_id": call_id})
        except (OSError, urllib.error.URLError, KeyError) as exc:
            log.warning("demo call %s: %s", call_id, exc)

    def inject(arrival) -> None:
        channel = channels.get(arrival.brand)
        if channel is None:
            return
        call_id = f"demo-call-{time.time_ns()}"
        answer = post(channel, {"event": "offered", "call_id": call_id, "from": arrival.phone,
                                "to": channel.address, "language": arrival.language})
        threading.Thread(target=follow, daemon=True, args=(
            channel, call_id, answer["contact"], rng.uniform(*PATIENCE_SECONDS), rng.uniform(*TALK_SECONDS),
        )).start()

    return inject
