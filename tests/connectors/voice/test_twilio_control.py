"""Twilio calls controlled from the call panel through Twilio's REST API (the Call resource
update: ``POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json``, form-encoded, HTTP
Basic auth). The cloud is a local HTTP server that checks what Twilio's documentation
requires (the path, the account's Basic auth, the form fields, ``Twiml`` and ``Url`` never
together) and answers as Twilio does, a JSON error with its ``message`` included; a refusal
records nothing. A supervisor's transfer from the generic block tells Twilio too."""

from __future__ import annotations

import base64
import json
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from roadie.connectors.voice.models import Call
from roadie.connectors.voice.twilio import signature
from roadie.desk.contacts.models import Status
from roadie.desk.routing.actions import accept_offer, make_offer

pytestmark = pytest.mark.django_db

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-token"  # the line's (conftest)
CALL_SID = "CA" + "fedcba9876543210" * 2
FIELDS = {"Url", "Method", "Status", "Twiml", "FallbackUrl", "FallbackMethod", "StatusCallback",
          "StatusCallbackMethod", "TimeLimit"}


class FakeTwilio:
    """Twilio's API as documented for updating a call."""

    def __init__(self) -> None:
        self.updates: list[dict[str, str]] = []
        self.refuse: tuple[int, dict] | None = None
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
                form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
                if self.headers.get("Authorization") != expected:
                    return self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if self.path != f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL_SID}.json":
                    return self.answer(404, {"code": 20404, "message": "The requested resource was not found",
                                             "status": 404})
                problem = None
                if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                    problem = "form-encoded body expected"
                elif set(form) - FIELDS or not form:
                    problem = f"unknown parameters {sorted(set(form) - FIELDS)}"
                elif "Twiml" in form and "Url" in form:
                    problem = "Twiml and Url are mutually exclusive"
                elif form.get("Status", "completed") not in ("completed", "canceled"):
                    problem = "Status must be canceled or completed"
                elif "Twiml" in form:
                    ET.fromstring(form["Twiml"])  # well-formed TwiML, or the test fails here
                if problem:
                    return self.answer(400, {"code": 21220, "message": problem, "status": 400})
                if cloud.refuse:
                    return self.answer(*cloud.refuse)
                cloud.updates.append(form)
                self.answer(200, {"sid": CALL_SID, "account_sid": ACCOUNT, "status": "in-progress"})

            def answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def twilio(line):
    cloud = FakeTwilio()
    line.config = {**line.config, "twilio_account_sid": ACCOUNT, "twilio_api_url": cloud.url,
                   "twilio_hold_music_url": "https://brand.example/hold.mp3"}
    line.save()
    yield cloud
    cloud.server.shutdown()


@pytest.fixture
def on_call(client, line, make_agent):
    """A Twilio call taken by agent amina, her contact page open."""
    agent = make_agent(brands=[line.brand], presence="available", username="amina")
    form = {"CallSid": CALL_SID, "CallStatus": "ringing", "From": "+33600000001", "To": line.address}
    url = f"http://testserver/hooks/voice/{line.address}/twilio"
    client.post(f"/hooks/voice/{line.address}/twilio", form,
                HTTP_X_TWILIO_SIGNATURE=signature(TOKEN, url, list(form.items())))
    call = Call.objects.get(call_id=CALL_SID)
    accept_offer(agent.user, make_offer(contact_id=call.contact_id, agent_id=agent.pk).pk)
    client.force_login(agent.user)
    return call, agent


def post(client, call, step: str, data: dict | None = None) -> str:
    response = client.post(f"/calls/{call.contact_id}/{step}", data or {}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_hold_resume_and_end_update_the_call_at_twilio(twilio, on_call, client):
    call, _ = on_call
    html = client.get(f"/desk/contacts/{call.contact_id}/").content.decode()
    assert ">Hold</button>" in html and ">End call</button>" in html

    assert "The caller is on hold." in post(client, call, "hold")
    post(client, call, "resume")
    html = post(client, call, "end")
    assert "Call ended: choose the wrap-up code." in html
    assert twilio.updates == [
        {"Twiml": '<Response><Play loop="0">https://brand.example/hold.mp3</Play></Response>'},
        {"Twiml": "<Response><Dial><Client>amina</Client></Dial></Response>"},
        {"Status": "completed"},
    ]
    call.refresh_from_db()
    assert call.holds == 1 and call.held_at is None and call.state == "ended"


def test_transfer_dials_the_colleague_or_enqueues_the_caller(twilio, on_call, client, make_agent, line):
    call, _ = on_call
    bruno = make_agent(brands=[line.brand], presence="available", username="bruno")
    assert client.post(f"/calls/{call.contact_id}/transfer", {"to": str(bruno.pk)}).status_code == 302
    assert twilio.updates[-1] == {"Twiml": "<Response><Dial><Client>bruno</Client></Dial></Response>"}
    client.force_login(bruno.user)
    client.post(f"/calls/{call.contact_id}/transfer", {"to": "queue"})
    assert twilio.updates[-1] == {"Twiml": f"<Response><Enqueue>{line.brand.slug}</Enqueue></Response>"}
    call.contact.refresh_from_db()
    assert call.contact.status == Status.QUEUED


def test_the_brands_own_urls_and_a_sip_address(twilio, on_call, client, make_agent, line):
    line.config = {**line.config, "twilio_hold_music_url": "", "twilio_hold_url": "https://brand.example/hold.xml",
                   "twilio_queue_url": "https://brand.example/queue.xml",
                   "twilio_agent_sip": "sip:{username}@desk.example.sip.twilio.com"}
    line.save()
    call, _ = on_call
    post(client, call, "hold")
    post(client, call, "resume")
    post(client, call, "transfer", {"to": "queue"})
    assert twilio.updates == [
        {"Url": "https://brand.example/hold.xml", "Method": "POST"},
        {"Twiml": "<Response><Dial><Sip>sip:amina@desk.example.sip.twilio.com</Sip></Dial></Response>"},
        {"Url": "https://brand.example/queue.xml", "Method": "POST"},
    ]


def test_a_supervisors_transfer_from_the_generic_block_tells_twilio(twilio, on_call, client, make_agent,
                                                                     make_user, line):
    call, _ = on_call
    bruno = make_agent(brands=[line.brand], presence="available", username="bruno")
    client.force_login(make_user(role="supervisor"))
    client.post(f"/desk/contacts/{call.contact_id}/transfer", {"to": str(bruno.pk)})
    assert twilio.updates == [{"Twiml": "<Response><Dial><Client>bruno</Client></Dial></Response>"}]
    call.contact.refresh_from_db()
    assert call.contact.agent == bruno

    twilio.refuse = (404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
    html = client.post(f"/desk/contacts/{call.contact_id}/transfer", {"to": "queue"}, follow=True).content.decode()
    assert "Twilio refused to transfer the call (HTTP 404: The requested resource was not found)" in html
    call.contact.refresh_from_db()
    assert call.contact.agent == bruno and call.contact.status == Status.ACTIVE


def test_a_refusal_by_twilio_records_nothing(twilio, on_call, client, line):
    call, _ = on_call
    line.config = {**line.config, "twilio_auth_token": "wrong"}
    line.save()
    html = post(client, call, "end")
    assert "Twilio refused to end the call (HTTP 401: Authenticate)" in html
    call = Call.objects.select_related("contact").get(pk=call.pk)
    assert call.ended_at is None and call.contact.status == Status.ACTIVE and not twilio.updates


def test_without_hold_music_only_end_and_transfer(twilio, on_call, client, line):
    line.config = {**line.config, "twilio_hold_music_url": ""}
    line.save()
    call, _ = on_call
    html = client.get(f"/desk/contacts/{call.contact_id}/").content.decode()
    assert ">Hold</button>" not in html and ">End call</button>" in html
    assert "cannot hold" in post(client, call, "hold")
    assert not twilio.updates
