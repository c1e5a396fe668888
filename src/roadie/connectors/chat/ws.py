"""The chat websocket, a small raw ASGI application (``roadie.desk.asgi`` routes websocket
scopes here; HTTP stays with Django).

``/chat/ws/<brand>``. Frames are JSON. The visitor sends ``{"type": "hello", "session":
token-or-null, "after": last-message-id, "name", "email"}`` first, then ``{"type":
"message", "body", "client_id"}``. roadie answers ``welcome`` (the session token to keep),
``ack`` (per client_id), ``message`` (every visible message after ``after``, both ways),
``status`` (waiting, with an adviser, closed), ``survey`` (after a resolution: the 1-5
question, answered with ``{"type": "survey", "rating", "comment", "reason"}``, acknowledged
by ``survey_thanks``) and ``error``. A dropped connection resumes with
the same token and the last id seen: nothing is missed or shown twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from roadie.connectors import hooks, origins
from roadie.connectors.chat import lib
from roadie.connectors.chat.tasks import visitor_left
from roadie.desk.brands.models import ChannelKind
from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import RawInbound, RawStatus
from roadie.desk.throttle import lib as throttle

log = logging.getLogger("roadie.connectors.chat")

PATH = re.compile(r"^/chat/ws/(?P<brand>[-a-zA-Z0-9_]+)/?$")
POLL_SECONDS = 0.4
MAX_FRAME = 16 * 1024


def _db(fn):
    def run(*args, **kwargs):
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run)


def _header(scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return None


async def websocket_application(scope, receive, send) -> None:
    event = await receive()
    if event["type"] != "websocket.connect":
        return
    match = PATH.match(scope.get("path", ""))
    channel = await _db(lib.chat_channel)(match["brand"]) if match else None
    if channel is None:
        log.warning("chat websocket refused: no chat channel at %s", scope.get("path"))
        await send({"type": "websocket.close", "code": 4404})
        return
    client = (scope.get("client") or ("unknown", 0))[0]
    if await _db(throttle.check)("chat", address=client, channel=match["brand"]):
        log.warning("chat websocket refused for %s: too many connections from %s", channel, client)
        await send({"type": "websocket.close", "code": 4429})
        return
    refused = origins.refusal(channel, _header(scope, b"origin"), host=_header(scope, b"host") or "")
    if refused:  # said in a frame, which the widget shows, then closed for good (4403)
        log.warning("chat websocket refused for %s: %s", channel, refused)
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps({"type": "error", "detail": refused,
                                                                  "fatal": True})})
        await send({"type": "websocket.close", "code": 4403, "reason": "origin not allowed"})
        return
    await send({"type": "websocket.accept"})
    await Conversation(channel, send, client=client).run(receive)


def _store_frame(channel, text: str, *, client: str, session):
    """Every frame is stored raw before it is read; an oversize one keeps its first bytes."""
    data = text.encode("utf-8", "surrogatepass")
    meta = {"client": client[:64], "size": len(data)}
    if session is not None:
        meta["session"] = session.token
    if len(data) > MAX_FRAME:
        data, meta["truncated"] = data[:hooks.REFUSED_KEEP_BYTES], True
    return store_raw(channel=ChannelKind.CHAT, source="chat-ws", payload=data,
                     content_type="application/json", brand=channel.brand, meta=meta)


def _settle(raw, *, status: str, error: str = "", contact_id=None) -> None:
    """The frame's outcome, unless its own path (message, survey) already said it."""
    fields = {"status": status, "error": error[:1000]}
    if contact_id is not None:
        fields["contact_id"] = contact_id
    RawInbound.objects.filter(pk=raw.pk, status=RawStatus.STORED).update(**fields)


class Conversation:
    def __init__(self, channel, send, *, client: str = "unknown") -> None:
        self.channel = channel
        self.send_raw = send
        self.client = client
        self.raw = None  # the frame being handled, stored
        self.session = None
        self.last = 0
        self.status = None
        self.survey_offered = False
        self.survey_polls = 0  # the desk opens the survey just after the resolution commits

    async def send(self, payload: dict) -> None:
        await self.send_raw({"type": "websocket.send", "text": json.dumps(payload)})

    async def run(self, receive) -> None:
        inbox: asyncio.Queue = asyncio.Queue()

        async def reader():
            while True:
                event = await receive()
                await inbox.put(event)
                if event["type"] == "websocket.disconnect":
                    return

        reading = asyncio.create_task(reader())
        try:
            while True:
                try:
                    event = await asyncio.wait_for(inbox.get(), timeout=POLL_SECONDS)
                except TimeoutError:
                    event = None
                if event is not None:
                    if event["type"] == "websocket.disconnect":
                        return
                    text = event.get("text") or (event.get("bytes") or b"").decode("utf-8", "replace")
                    try:
                        await self.handle(text)
                    except Exception:  # logged and answered: the conversation stays open
                        log.exception("chat frame could not be handled")
                        await self.error("this frame could not be handled")
                if self.session is not None:
                    await self.push()
        finally:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
            if self.session is not None:
                try:
                    await _db(visitor_left)(self.session)
                except Exception:  # shutting down: the contact simply stays queued
                    log.exception("could not record that chat %s closed", self.session.token)

    async def handle(self, text: str) -> None:
        wait = await _db(throttle.check)("chat-frame", address=self.client)
        if wait:  # a flood is not stored
            await self.error(f"too many frames; retry after {int(wait) + 1} seconds")
            return
        self.raw = await _db(_store_frame)(self.channel, text, client=self.client, session=self.session)
        try:
            await self.dispatch(text)
        except Exception as exc:  # visible among the failed payloads (roadie raw-replay --list)
            await _db(_settle)(self.raw, status=RawStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            raw, self.raw = self.raw, None
            contact = self.session.contact_id if self.session is not None else None
            await _db(_settle)(raw, status=RawStatus.PARSED, contact_id=contact)

    async def dispatch(self, text: str) -> None:
        if len(text) > MAX_FRAME:
            await self.error(f"frame larger than {MAX_FRAME} bytes")
            return
        try:
            frame = hooks.loads(text)  # NaN/Infinity refused, lone surrogates replaced
            if not isinstance(frame, dict):
                raise ValueError("a frame is a JSON object")
        except ValueError as exc:
            await self.error(f"not a JSON object: {exc}")
            return
        kind = frame.get("type")
        if kind == "hello":
            await self.hello(frame)
        elif kind == "message":
            await self.message(frame)
        elif kind == "survey":
            await self.survey(frame)
        elif kind == "identify":
            await self.identify(frame)
        elif kind == "ping":
            await self.send({"type": "pong"})
        else:
            await self.error(f"unknown frame type {kind!r}")

    async def hello(self, frame: dict) -> None:
        def text(key, limit):
            value = frame.get(key) or ""
            return value[:limit] if isinstance(value, str) else ""

        self.session, resumed = await _db(lib.open_session)(
            self.channel, token=text("session", 64), name=text("name", 120), email=text("email", 254),
            identity=frame.get("identity"))
        after = frame.get("after")
        # Only a message id counts: 1e999, "12", -1 or 2**70 start from the beginning.
        self.last = after if resumed and type(after) is int and 0 <= after < 2**62 else 0
        is_open = await _db(lib.is_open)(self.channel)
        await self.send({"type": "welcome", "session": self.session.token, "resumed": resumed,
                         "open": is_open, "brand": self.channel.brand.name,
                         "ask": lib.identity_prompt(self.channel), "known": lib.known(self.session)})
        await self.push()

    async def message(self, frame: dict) -> None:
        if self.session is None:
            await self.error("say hello first")
            return
        wait = await _db(throttle.check)("chat-message", address=self.session.token)
        if wait:
            await self.error(f"too many messages; retry after {int(wait) + 1} seconds")
            return
        if lib.identity_prompt(self.channel) == "before" and not lib.known(self.session):
            await self.error("this brand asks for your name and email before the first message")
            return
        body, client_id = frame.get("body"), frame.get("client_id") or ""
        if not isinstance(body, str) or not isinstance(client_id, str):
            await self.error("body and client_id must be strings")
            return
        try:
            message = await _db(lib.visitor_writes)(self.session, body=body, client_id=client_id,
                                                    raw=self.raw)
        except ValueError as exc:
            await self.error(str(exc))
            return
        await self.send({"type": "ack", "client_id": client_id, "id": message.pk})

    async def push(self) -> None:
        lines, status = await _db(lib.lines_after)(self.session, self.last)
        for line in lines:
            await self.send(line.as_dict())
            self.last = line.id
        if status is not None and status != self.status:
            self.status = status
            await self.send({"type": "status", "status": status})
        if status == "resolved" and not self.survey_offered and self.survey_polls < 50:
            self.survey_polls += 1
            offer = await _db(lib.survey_offer)(self.session)
            if offer is not None:
                self.survey_offered = True
                await self.send(offer)

    async def identify(self, frame: dict) -> None:
        """``{"type": "identify", "name", "email"}``: who the visitor says they are."""
        if self.session is None:
            await self.error("say hello first")
            return
        try:
            self.session = await _db(lib.identify)(self.session, name=frame.get("name"),
                                                   email=frame.get("email"))
        except ValueError as exc:
            await self.error(str(exc))
            return
        await self.send({"type": "identified", "name": self.session.name})

    async def survey(self, frame: dict) -> None:
        """``{"type": "survey", "rating": 1-5, "comment", "reason"}`` after a resolution."""
        if self.session is None:
            await self.error("say hello first")
            return
        try:
            answer = await _db(lib.answer_survey)(self.session, frame=frame, raw=self.raw)
        except ValueError as exc:
            await self.error(str(exc))
            return
        await self.send(answer)

    async def error(self, detail: str) -> None:
        log.warning("chat frame rejected (%s): %s", self.session.token if self.session else "no session", detail)
        if self.raw is not None:
            await _db(_settle)(self.raw, status=RawStatus.REJECTED, error=detail)
        await self.send({"type": "error", "detail": detail})
