"""The generic signed social-network webhook and its signed replies."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from roadie.connectors.hooks import hmac_sha256_hex
from roadie.desk.brands.models import Channel
from roadie.desk.contacts.models import Contact, Direction, Message, RawInbound

pytestmark = pytest.mark.django_db
SECRET = "social-secret"
SAMPLE = {"network": "instagram", "conversation_id": "ig-thread-8812", "message_id": "ig-msg-1",
          "author": {"id": "17841400000", "name": "Marie Lefèvre", "handle": "@marie"},
          "text": "Bonjour, mon colis est arrivé abîmé.", "sent_at": "2026-11-23T10:15:00Z"}


@pytest.fixture
def social(make_brand):
    brand = make_brand(channels=("social",))
    return Channel.objects.create(brand=brand, kind="social", address=f"{brand.slug}-social",
                                  config={"secret": SECRET})


def post(client, channel, payload, *, secret=SECRET):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(f"/hooks/social/{channel.address}", data=body, content_type="application/json",
                       HTTP_X_ROADIE_SIGNATURE="sha256=" + hmac_sha256_hex(secret, body))


def test_signed_message_makes_one_contact_per_conversation(client, social):
    assert post(client, social, SAMPLE).status_code == 201
    assert post(client, social, SAMPLE).status_code == 200  # delivered twice
    assert post(client, social, {**SAMPLE, "message_id": "ig-msg-2", "text": "Merci !"}).status_code == 201
    contact = Contact.objects.get()
    assert contact.channel == "social" and contact.external_id == "instagram:ig-thread-8812"
    assert contact.customer.name == "Marie Lefèvre"
    assert [m.body for m in contact.messages.all()] == [SAMPLE["text"], "Merci !"]


@pytest.mark.parametrize("payload, reason", [
    (b"not json", "not JSON"),
    ({**SAMPLE, "text": ""}, "text"),
    ({**SAMPLE, "author": "marie"}, "author"),
    ({**SAMPLE, "sent_at": "2026-11-23T10:15:00"}, "time zone"),
])
def test_bad_payloads_are_400_and_kept(client, social, payload, reason):
    response = post(client, social, payload)
    assert response.status_code == 400 and reason in response.json()["detail"]
    assert RawInbound.objects.get().status == "failed"


def test_wrong_signature_is_401(client, social):
    assert post(client, social, SAMPLE, secret="nope").status_code == 401
    assert RawInbound.objects.get().status == "rejected"
    assert not Contact.objects.exists()


def test_reply_is_posted_signed_to_the_reply_url(client, social):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["X-Roadie-Signature"], body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        social.config["reply_url"] = f"http://127.0.0.1:{server.server_port}/replies"
        social.save()
        post(client, social, SAMPLE)
        from roadie.connectors.social.views import send_reply

        message = Message.objects.create(contact=Contact.objects.get(), direction=Direction.OUTBOUND,
                                         body="Nous vous renvoyons un colis.")
        send_reply(message)
    finally:
        server.shutdown()
        server.server_close()
    [(sig, body)] = received
    assert sig == "sha256=" + hmac_sha256_hex(SECRET, body)
    data = json.loads(body)
    assert data["conversation_id"] == "ig-thread-8812" and data["in_reply_to"] == "ig-msg-1"
    assert data["network"] == "instagram" and data["text"] == "Nous vous renvoyons un colis."
