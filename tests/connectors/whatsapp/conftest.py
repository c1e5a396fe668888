"""Fixtures for the WhatsApp connector: a brand with a configured channel, signed posts, and
a stand-in Graph API (a real HTTP server in a thread) that checks the documented shape."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from roadie.connectors.hooks import hmac_sha256_hex

DATA = Path(__file__).parent / "data"
SECRET = "test-app-secret"
PHONE_NUMBER_ID = "106540352242922"


def read_sample(name: str) -> bytes:
    return (DATA / f"{name}.json").read_bytes()


@pytest.fixture
def sample():
    """sample("text") -> the documented payload's bytes."""
    return read_sample


@pytest.fixture
def whatsapp(db, make_brand):
    from roadie.desk.brands.models import Channel

    brand = make_brand(channels=("whatsapp",))
    return Channel.objects.create(brand=brand, kind="whatsapp", address=f"{brand.slug}-wa", config={
        "app_secret": SECRET, "verify_token": "let-me-in", "phone_number_id": PHONE_NUMBER_ID,
        "access_token": "EAAtest", "graph_url": "http://127.0.0.1:9/unused",
    })


@pytest.fixture
def post_signed(client, whatsapp):
    def post(body: bytes, *, signature: str | None = "good", address: str | None = None):
        headers = {}
        if signature == "good":
            headers["HTTP_X_HUB_SIGNATURE_256"] = "sha256=" + hmac_sha256_hex(SECRET, body)
        elif signature is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature
        return client.post(f"/hooks/whatsapp/{address or whatsapp.address}", data=body,
                           content_type="application/json", **headers)

    return post


class GraphStandIn:
    """Answers like the Cloud API's /messages endpoint, after checking the request's shape."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_next = 0
        self.answers: list[tuple[int, dict]] = []  # (status, JSON) to answer next, in order
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "json": body})
                problems = outer.check(self.path, self.headers, body)
                if outer.answers:
                    self._answer(*outer.answers.pop(0))
                elif outer.fail_next:
                    outer.fail_next -= 1
                    self._answer(500, {"error": {"message": "temporarily unavailable", "code": 2}})
                elif problems:
                    self._answer(400, {"error": {"message": "; ".join(problems), "code": 100}})
                else:
                    self._answer(200, {"messaging_product": "whatsapp",
                                       "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                       "messages": [{"id": f"wamid.sent-{len(outer.requests)}"}]})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def check(path, headers, body) -> list[str]:
        problems = []
        if not path.endswith(f"/{PHONE_NUMBER_ID}/messages") or not path.startswith("/v"):
            problems.append(f"unexpected path {path}")
        if headers.get("Authorization") != "Bearer EAAtest":
            problems.append("missing bearer token")
        if headers.get("Content-Type") != "application/json":
            problems.append("not JSON")
        if body.get("messaging_product") != "whatsapp" or body.get("recipient_type") != "individual":
            problems.append("messaging_product/recipient_type")
        if body.get("type") != "text" or not isinstance(body.get("text", {}).get("body"), str):
            problems.append("text body")
        if not str(body.get("to", "")).isdigit():
            problems.append("to must be the customer's WhatsApp id")
        return problems


@pytest.fixture
def graph(whatsapp):
    stand_in = GraphStandIn()
    whatsapp.config["graph_url"] = stand_in.url
    whatsapp.save(update_fields=["config"])
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()
