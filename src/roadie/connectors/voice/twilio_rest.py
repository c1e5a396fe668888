"""The call panel's steps as updates of Twilio's Call resource (its REST API, documented at
https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource):

    POST {api}/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json

form-encoded, with HTTP Basic auth (the account SID and its auth token). ``Status=completed``
hangs up a call in progress; ``Twiml`` (inline instructions) or ``Url`` (where Twilio fetches
them, with ``Method``) redirects it; Twiml and Url are mutually exclusive."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

API_URL = "https://api.twilio.com"


def can_control(config: dict) -> frozenset[str]:
    """What the channel's Twilio settings let roadie do: nothing without the account SID and
    auth token; hold and resume only with what to play on hold (``twilio_hold_music_url``, an
    audio file Twilio loops, or ``twilio_hold_url``, TwiML Twilio fetches)."""
    if not (config.get("twilio_account_sid") and config.get("twilio_auth_token")):
        return frozenset()
    steps = {"end", "transfer"}
    if config.get("twilio_hold_music_url") or config.get("twilio_hold_url"):
        steps |= {"hold", "resume"}
    return frozenset(steps)


def agent_endpoint(config: dict, username: str) -> str:
    """The TwiML noun that rings an agent: ``<Client>`` (the agent's Twilio Voice SDK identity,
    their roadie username) unless ``twilio_agent_sip`` gives a SIP address with ``{username}``."""
    sip = config.get("twilio_agent_sip") or ""
    if sip:
        return f"<Sip>{escape(sip.replace('{username}', username))}</Sip>"
    return f"<Client>{escape(username)}</Client>"


def call_update(command: str, *, config: dict, queue: str = "", agent: str = "") -> dict[str, str]:
    """The form fields of the Call update for one step of the call panel."""
    if command == "end":
        return {"Status": "completed"}
    if command == "hold" and config.get("twilio_hold_music_url"):
        return {"Twiml": f'<Response><Play loop="0">{escape(config["twilio_hold_music_url"])}</Play></Response>'}
    if command == "hold" and config.get("twilio_hold_url"):
        return {"Url": config["twilio_hold_url"], "Method": "POST"}
    if command in ("resume", "transfer") and agent:
        return {"Twiml": f"<Response><Dial>{agent_endpoint(config, agent)}</Dial></Response>"}
    if command == "transfer" and queue:
        if config.get("twilio_queue_url"):
            return {"Url": config["twilio_queue_url"], "Method": "POST"}
        return {"Twiml": f"<Response><Enqueue>{escape(queue)}</Enqueue></Response>"}
    raise ValueError(f"no Twilio call update for {command!r}")


def update_call(*, config: dict, call_sid: str, fields: dict[str, str], timeout: float) -> tuple[int, str]:
    """POST the update; (HTTP status, Twilio's error message or "")."""
    sid, token = config["twilio_account_sid"], config["twilio_auth_token"]
    base = (config.get("twilio_api_url") or API_URL).rstrip("/")
    url = f"{base}/2010-04-01/Accounts/{quote(sid, safe='')}/Calls/{quote(call_sid, safe='')}.json"
    auth = base64.b64encode(f"{sid}:{token}".encode()).decode()
    request = urllib.request.Request(url, data=urlencode(fields).encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {auth}",
        "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        try:
            message = str(json.loads(exc.read() or b"{}").get("message") or "")
        except (ValueError, AttributeError):
            message = ""
        return exc.code, message
