"""Commands to the telephony provider from the agent's call panel: hold, resume, transfer,
end.

roadie's generic provider shape: the voice channel's ``config["control_url"]`` receives a
signed JSON POST (``X-Roadie-Signature: sha256=<HMAC-SHA256 of the body with the channel's
secret>``, as the provider signs its own webhooks):

    {"command": "hold" | "resume" | "end" | "transfer", "call_id": "...",
     "to": {"agent": "username"} | {"queue": "brand-slug"}}        # transfer only

and answers 2xx once it has done it; a refusal is any other status, its reason in the body
(``{"reason": "..."}`` or plain text, the first 200 characters shown to the agent). The provider then reports what follows through its
usual webhook (``answered`` when the new agent takes a transferred call, ``ended``).
Without ``control_url`` (the demo, where no provider carries the calls) roadie only records
the step.

Twilio: each step updates the call through Twilio's REST API (``twilio_rest.call_update``: end is
``Status=completed``; hold plays the brand's hold music; resume and a transfer to a colleague
dial the agent; a transfer to the queue enqueues the caller in the brand's queue), with the
channel's ``twilio_account_sid`` and ``twilio_auth_token``; without them its calls show the
panel without the buttons ("as far as the connector allows").
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from roadie.connectors.hooks import hmac_sha256_hex
from roadie.connectors.voice import twilio_rest
from roadie.connectors.voice.models import Call
from roadie.desk.brands.models import Channel, ChannelKind

log = logging.getLogger("roadie.connectors.voice")

COMMANDS = ("hold", "resume", "transfer", "end")
TIMEOUT_SECONDS = 5


class ControlError(Exception):
    """The provider did not take the command (nothing is recorded then)."""


def allowed(call: Call) -> frozenset[str]:
    """What the provider's connector lets the agent do from the page."""
    if call.provider == "generic":
        return frozenset(COMMANDS)
    if call.provider == "twilio":
        channel = channel_of(call)
        return twilio_rest.can_control((channel.config if channel else None) or {})
    return frozenset()


def channel_of(call: Call) -> Channel | None:
    channels = Channel.objects.filter(brand_id=call.contact.brand_id, kind=call.contact.channel)
    return channels.filter(address=call.line).first() or channels.order_by("pk").first()


def send(call: Call, command: str, **detail) -> bool:
    """Tell the provider; True when it was told, False when there is no provider to tell."""
    if command not in allowed(call):
        raise ControlError(f"the {call.provider} phone connector cannot {command} a call from roadie")
    channel = channel_of(call)
    config = (channel.config if channel else None) or {}
    if call.provider == "twilio":
        return _twilio(call, config, command, **detail)
    url = config.get("control_url") or ""
    if not url or call.contact.channel != ChannelKind.VOICE:
        log.info("call %s: %s recorded (no control_url: no provider to tell)", call.call_id, command)
        return False
    body = json.dumps({"command": command, "call_id": call.call_id, **detail}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "X-Roadie-Signature": "sha256=" + hmac_sha256_hex(config.get("secret", ""), body)})
    reason = ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status, reason = exc.code, _reason(exc)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ControlError(f"the phone provider could not be reached: {exc}") from None
    if not 200 <= status < 300:
        raise ControlError(f"the phone provider refused to {command} the call "
                           f"(HTTP {status}{': ' + reason if reason else ''})")
    return True


def _reason(exc: urllib.error.HTTPError) -> str:
    """The provider's reason for a refusal: its JSON ``reason`` (or ``detail``, ``message``),
    else its text; at most 200 characters on one line."""
    try:
        text = exc.read(2000).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        text = str(data.get("reason") or data.get("detail") or data.get("message") or "")
    return " ".join(text.split())[:200]


def _twilio(call: Call, config: dict, command: str, to: dict | None = None) -> bool:
    agent = (to or {}).get("agent", "")
    if command == "resume":
        agent = call.contact.agent.user.username if call.contact.agent_id else ""
        if not agent:
            raise ControlError("nobody to put the caller back through to")
    fields = twilio_rest.call_update(command, config=config, agent=agent, queue=(to or {}).get("queue", ""))
    try:
        status, message = twilio_rest.update_call(config=config, call_sid=call.call_id, fields=fields,
                                             timeout=TIMEOUT_SECONDS)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ControlError(f"Twilio could not be reached: {exc}") from None
    if not 200 <= status < 300:
        raise ControlError(f"Twilio refused to {command} the call (HTTP {status}{': ' + message if message else ''})")
    return True
