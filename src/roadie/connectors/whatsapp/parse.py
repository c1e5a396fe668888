"""The Cloud API webhook payload (``object: whatsapp_business_account``) as plain data.

Only what roadie uses is read, and every field is checked where it is read: a payload of the
wrong shape raises ValueError with the reason; a message of a type roadie cannot show becomes
a flagged message, never a dropped one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
STATUS_STATES = ("sent", "delivered", "read", "failed")


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


def _str(obj: dict, key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}.{key} is missing or not a string")
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
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ValueError(f"{where}.timestamp is not a Unix time: {value!r}") from exc


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
        media = message.get(kind) if isinstance(message.get(kind), dict) else {}
        label = media.get("filename") or media.get("mime_type") or kind
        caption = media.get("caption") or ""
        line = f"[{kind}: {label}, media id {media.get('id', '?')}]"
        return (f"{line}\n{caption}" if caption else line), ""
    if kind == "location":
        loc = message.get("location") or {}
        place = " ".join(str(loc.get(k, "")) for k in ("name", "address")).strip()
        return f"[location] {place} ({loc.get('latitude')}, {loc.get('longitude')})".replace("  ", " "), ""
    if kind == "interactive":
        inter = message.get("interactive") or {}
        reply = inter.get("button_reply") or inter.get("list_reply") or {}
        return f"[choice] {reply.get('title', '')}", ""
    if kind == "button":
        return f"[button] {(message.get('button') or {}).get('text', '')}", ""
    if kind == "reaction":
        return f"[reaction] {(message.get('reaction') or {}).get('emoji', '')}", ""
    if kind == "contacts":
        names = [c.get("name", {}).get("formatted_name", "") for c in message.get("contacts") or []
                 if isinstance(c, dict)]
        return f"[contact card] {', '.join(n for n in names if n)}", ""
    errors = message.get("errors") or []
    detail = errors[0].get("title", "") if errors and isinstance(errors[0], dict) else ""
    return f"[{kind or 'unknown'} message]", f"WhatsApp message of type {kind!r} not supported {detail}".strip()


def parse(data: dict) -> tuple[list[WaMessage], list[WaStatus]]:
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
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name", "")
                     for c in _list(value, "contacts", f"{where}.value") if isinstance(c, dict)}
            for k, message in enumerate(_list(value, "messages", f"{where}.value")):
                mwhere = f"{where}.value.messages[{k}]"
                if not isinstance(message, dict):
                    raise ValueError(f"{mwhere} is not an object")
                wa_id = _str(message, "from", mwhere)
                body, flag = message_body(message)
                messages.append(WaMessage(
                    phone_number_id=phone_id, wa_id=wa_id, name=names.get(wa_id) or "",
                    message_id=_str(message, "id", mwhere), at=_timestamp(message.get("timestamp"), mwhere),
                    body=body, flagged_reason=flag,
                ))
            for k, status in enumerate(_list(value, "statuses", f"{where}.value")):
                swhere = f"{where}.value.statuses[{k}]"
                if not isinstance(status, dict):
                    raise ValueError(f"{swhere} is not an object")
                state = _str(status, "status", swhere)
                if state not in STATUS_STATES:
                    raise ValueError(f"{swhere}.status {state!r} is not one of {STATUS_STATES}")
                errors = status.get("errors") or []
                error = "; ".join(f"{e.get('code')} {e.get('title', '')}".strip() for e in errors
                                  if isinstance(e, dict))
                statuses.append(WaStatus(
                    phone_number_id=phone_id, message_id=_str(status, "id", swhere), state=state,
                    at=_timestamp(status.get("timestamp"), swhere),
                    recipient=str(status.get("recipient_id", "")), error=error,
                ))
    return messages, statuses
