"""The Cloud API webhook payload (``object: whatsapp_business_account``) as plain data.

Only what roadie uses is read, and every field is checked where it is read: a payload of the
wrong shape raises ValueError with the reason; a message of a type roadie cannot show becomes
a flagged message, never a dropped one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
STATUS_STATES = ("sent", "delivered", "read", "failed")

log = logging.getLogger("roadie.connectors.whatsapp")


@dataclass(frozen=True)
class WaMessage:
    phone_number_id: str
    wa_id: str
    name: str
    message_id: str
    at: datetime
    body: str
    flagged_reason: str = ""


@dataclass(frozen=True)
class WaStatus:
    phone_number_id: str
    message_id: str
    state: str
    at: datetime
    recipient: str
    error: str = ""


def _str(obj: dict, key: str, where: str, *, limit: int = 120) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}.{key} is missing or not a string")
    if len(value) > limit:
        raise ValueError(f"{where}.{key} is longer than {limit} characters")
    return value


def _dict(obj, key: str, where: str) -> dict:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, dict):
        raise ValueError(f"{where}.{key} is missing or not an object")
    return value


def _list(obj: dict, key: str, where: str) -> list:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{where}.{key} is not a list")
    return value


def _timestamp(value, where: str) -> datetime:
    """The provider's time (information only: the queue uses our receive time)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or len(str(value)) > 12:
        raise ValueError(f"{where}.timestamp is not a Unix time: {str(value)[:40]!r}")
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ValueError(f"{where}.timestamp is not a Unix time: {value!r}") from exc


def _get(obj, key: str) -> dict:
    """A nested object of a message, {} when absent or of another type."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}


def message_body(message: dict) -> tuple[str, str]:
    """(text shown to the agent, flag reason or "") for one inbound message object."""
    kind = message.get("type")
    if kind == "text":
        text = message.get("text") or {}
        body = text.get("body") if isinstance(text, dict) else None
        if isinstance(body, str):
            return body, ""
        return "", "text message without a body"
    if kind in MEDIA_TYPES:
        media = _get(message, kind)
        label = str(media.get("filename") or media.get("mime_type") or kind)[:200]
        caption = str(media.get("caption") or "")[:4000]
        line = f"[{kind}: {label}, media id {media.get('id', '?')}]"
        return (f"{line}\n{caption}" if caption else line), ""
    if kind == "location":
        loc = _get(message, "location")
        place = " ".join(str(loc.get(k, "")) for k in ("name", "address")).strip()
        return f"[location] {place} ({loc.get('latitude')}, {loc.get('longitude')})".replace("  ", " "), ""
    if kind == "interactive":
        inter = _get(message, "interactive")
        reply = _get(inter, "button_reply") or _get(inter, "list_reply")
        return f"[choice] {reply.get('title', '')}", ""
    if kind == "button":
        return f"[button] {_get(message, 'button').get('text', '')}", ""
    if kind == "reaction":
        return f"[reaction] {_get(message, 'reaction').get('emoji', '')}", ""
    if kind == "contacts":
        cards = message.get("contacts") if isinstance(message.get("contacts"), list) else []
        names = [str(_get(c, "name").get("formatted_name", "")) for c in cards]
        return f"[contact card] {', '.join(n for n in names if n)}", ""
    errors = message.get("errors") if isinstance(message.get("errors"), list) else []
    detail = errors[0].get("title", "") if errors and isinstance(errors[0], dict) else ""
    kind = str(kind)[:40] if kind else "unknown"
    return f"[{kind} message]", f"WhatsApp message of type {kind!r} not supported {detail}".strip()[:240]


def parse(data: dict) -> tuple[list[WaMessage], list[WaStatus]]:
    """Messages and statuses of one payload; ValueError naming the field when its shape is
    wrong. A status of a kind roadie does not know is skipped (logged), never fatal."""
    try:
        return _parse(data)
    except (AttributeError, TypeError, KeyError) as exc:
        raise ValueError(f"payload of an unexpected shape: {type(exc).__name__}: {exc}") from exc


def _parse(data: dict) -> tuple[list[WaMessage], list[WaStatus]]:
    if data.get("object") != "whatsapp_business_account":
        raise ValueError(f"object is {data.get('object')!r}, expected 'whatsapp_business_account'")
    messages: list[WaMessage] = []
    statuses: list[WaStatus] = []
    for i, entry in enumerate(_list(data, "entry", "payload")):
        for j, change in enumerate(_list(entry, "changes", f"entry[{i}]")):
            where = f"entry[{i}].changes[{j}]"
            if change.get("field") != "messages":
                continue
            value = _dict(change, "value", where)
            phone_id = _str(_dict(value, "metadata", f"{where}.value"), "phone_number_id", f"{where}.value.metadata")
            names = {c.get("wa_id"): str(_get(c, "profile").get("name", ""))[:200]
                     for c in _list(value, "contacts", f"{where}.value") if isinstance(c, dict)}
            for k, message in enumerate(_list(value, "messages", f"{where}.value")):
                mwhere = f"{where}.value.messages[{k}]"
                if not isinstance(message, dict):
                    raise ValueError(f"{mwhere} is not an object")
                wa_id = _str(message, "from", mwhere, limit=32)
                body, flag = message_body(message)
                messages.append(WaMessage(
                    phone_number_id=phone_id, wa_id=wa_id, name=names.get(wa_id) or "",
                    message_id=_str(message, "id", mwhere, limit=200), at=_timestamp(message.get("timestamp"), mwhere),
                    body=body, flagged_reason=flag,
                ))
            for k, status in enumerate(_list(value, "statuses", f"{where}.value")):
                swhere = f"{where}.value.statuses[{k}]"
                if not isinstance(status, dict):
                    raise ValueError(f"{swhere} is not an object")
                state = _str(status, "status", swhere)
                if state not in STATUS_STATES:
                    log.warning("%s.status %r is not one of %s: skipped", swhere, state[:40], STATUS_STATES)
                    continue
                errors = status.get("errors") if isinstance(status.get("errors"), list) else []
                error = "; ".join(f"{e.get('code')} {e.get('title', '')}".strip() for e in errors
                                  if isinstance(e, dict))
                statuses.append(WaStatus(
                    phone_number_id=phone_id, message_id=_str(status, "id", swhere, limit=200), state=state,
                    at=_timestamp(status.get("timestamp"), swhere),
                    recipient=str(status.get("recipient_id", ""))[:40], error=error[:500],
                ))
    return messages, statuses
