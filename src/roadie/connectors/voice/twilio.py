"""Twilio's status callbacks (form-encoded) as call events, and Twilio's request signature:
base64(HMAC-SHA1(auth token, URL + each POST parameter name and value, sorted by name))."""

from __future__ import annotations

import base64
import hashlib
import hmac
from email.utils import parsedate_to_datetime

from django.utils import timezone

from roadie.connectors.hooks import provider_time
from roadie.connectors.voice.actions import CallEvent

# CallStatus -> roadie call event. "in-progress" means Twilio connected the caller to
# roadie's queue; the agent's answer comes from the desk (or a RoadieAgent parameter).
STATUS_EVENTS = {
    "initiated": "offered", "ringing": "offered", "queued": "queued", "in-progress": "queued",
    "completed": "ended", "busy": "ended", "no-answer": "ended", "canceled": "ended", "failed": "ended",
}


def signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    data = url + "".join(f"{name}{value}" for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_ok(auth_token: str, urls: list[str], params: list[tuple[str, str]], header: str | None) -> bool:
    if not auth_token or not header:
        return False
    return any(hmac.compare_digest(signature(auth_token, url, params).encode(), header.strip().encode())
               for url in urls)


def to_event(form) -> CallEvent:
    sid = (form.get("CallSid") or "").strip()
    status = (form.get("CallStatus") or "").strip()
    if not sid:
        raise ValueError("CallSid is missing")
    if status not in STATUS_EVENTS:
        raise ValueError(f"CallStatus {status!r} is not one of {sorted(STATUS_EVENTS)}")
    at = timezone.now()
    if form.get("Timestamp"):
        try:
            at = parsedate_to_datetime(form["Timestamp"])
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"Timestamp is not an RFC 2822 date: {form['Timestamp']!r}") from exc
        if at.tzinfo is None:
            raise ValueError("Timestamp must carry a time zone")
        at = provider_time(at)
    event = STATUS_EVENTS[status]
    agent = (form.get("RoadieAgent") or "").strip()
    if status == "in-progress" and agent:
        event = "answered"
    return CallEvent(event=event, call_id=sid, at=at, caller=form.get("From", ""), line=form.get("To", ""),
                     agent=agent, provider="twilio")

