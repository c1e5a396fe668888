"""Fixtures for voice: a premium line with a secret, signed event posts, agents on duty, and
a local HTTP server standing for roadie's generic telephony cloud (``provider``)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from roadie.connectors.hooks import hmac_sha256_hex

SECRET = "test-voice-secret"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def line(db, make_brand):
    from roadie.desk.brands.models import Channel

    brand = make_brand(channels=("voice",))
    return Channel.objects.create(brand=brand, kind="voice", address="+33170000060", premium=True,
                                  sunday_open=True, config={
                                      "secret": SECRET, "twilio_auth_token": "twilio-token",
                                      "price_per_minute": "0.60",
                                      # On duty at any hour of any day, so tests that post calls "now" do not
                                      # depend on the clock (the relay test closes Sundays itself).
                                      "hours": {d: "00:00-24:00" for d in DAYS},
                                  })


@pytest.fixture
def call_event(client, line):
    def post(payload: dict, *, secret: str = SECRET, address: str | None = None):
        body = json.dumps(payload).encode()
        return client.post(f"/hooks/voice/{address or line.address}", data=body, content_type="application/json",
                           HTTP_X_ROADIE_SIGNATURE="sha256=" + hmac_sha256_hex(secret, body))

    return post


class Provider:
    """Records the signed commands it receives; answers ``status`` (and ``reason``, a body)."""

    def __init__(self) -> None:
        self.commands: list[dict] = []
        self.status = 200
        self.reason = b""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signed = self.headers["X-Roadie-Signature"] == "sha256=" + hmac_sha256_hex(SECRET, body)
                provider.commands.append({**json.loads(body), "signed": signed})
                self.send_response(provider.status)
                self.send_header("Content-Length", str(len(provider.reason)))
                self.end_headers()
                self.wfile.write(provider.reason)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/control"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def provider(line):
    cloud = Provider()
    line.config = {**line.config, "control_url": cloud.url}
    line.save()
    yield cloud
    cloud.server.shutdown()
