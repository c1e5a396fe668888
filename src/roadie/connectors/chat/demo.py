"""Demo chats through the real widget protocol: a visitor opens the websocket, writes, stays
until the conversation is resolved (reading the adviser's replies), or gives up after a while."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid

log = logging.getLogger("roadie.traffic")

STAY_SECONDS = (180, 420)


def injector(base: str, api):
    from websockets.sync.client import connect

    ws_base = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    rng = random.Random(5)

    def visit(arrival, stay: float) -> None:
        try:
            with connect(f"{ws_base}/chat/ws/{arrival.brand}", open_timeout=10) as ws:
                ws.send(json.dumps({"type": "hello", "name": arrival.name, "email": arrival.email}))
                welcome = json.loads(ws.recv(timeout=10))
                if not welcome.get("open"):
                    return  # closed hours: a real visitor would use the offline form
                ws.send(json.dumps({"type": "message", "body": arrival.body, "client_id": str(uuid.uuid4())}))
                deadline = time.monotonic() + stay
                while time.monotonic() < deadline:
                    try:
                        frame = json.loads(ws.recv(timeout=5))
                    except TimeoutError:
                        continue
                    if frame.get("type") == "status" and frame.get("status") == "resolved":
                        return
        except (OSError, TimeoutError, ValueError) as exc:
            log.warning("demo chat visitor for %s: %s", arrival.brand, exc)
        except Exception as exc:  # the websockets library's own errors: a demo visitor just leaves
            log.warning("demo chat visitor for %s left: %s", arrival.brand, exc)

    def inject(arrival) -> None:
        threading.Thread(target=visit, args=(arrival, rng.uniform(*STAY_SECONDS)), daemon=True).start()

    return inject
