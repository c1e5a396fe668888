"""The SMTP listener (``roadie smtpd``): accepts mail for the brands' addresses.

Replies: 550 for an address that is no brand's, 552 over ROADIE_MAIL_MAX_BYTES, 451 when the
message could not be stored (the sender retries), and 250 only once the raw bytes are
committed to the database. Filing (parsing, threading) follows storage; a mail that cannot
be filed becomes a flagged contact. Every refusal is logged with its reason, and no input
can stop the listener: handler errors become 451 replies.
"""

from __future__ import annotations

import asyncio
import logging
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connections

from roadie.connectors.email import conf
from roadie.connectors.email.intake import deliveries_for, ingest, ingest_pending
from roadie.desk.brands.models import ChannelKind
from roadie.desk.contacts.actions import store_raw

log = logging.getLogger("roadie.email.smtpd")

# Generous, as real mail breaks RFC 5321's 1000-octet lines; the size limit still applies.
LINE_LENGTH_LIMIT = 64 * 1024
# A brand mail has a handful of recipients; hundreds are abuse.
MAX_RECIPIENTS = 50


def _db(fn, *args):
    """Run a database call in a worker thread (the ORM is synchronous). The thread's connection
    is closed after each call: executor threads come and go, their connections must not linger."""

    def call():
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return asyncio.get_running_loop().run_in_executor(None, call)


class RoadieSMTP(SMTP):
    """aiosmtpd's SMTP server, logging every refusal it sends (including its own 552/500)."""

    line_length_limit = LINE_LENGTH_LIMIT

    async def push(self, status):
        text = status.decode() if isinstance(status, bytes) else status
        if text[:1] in ("4", "5"):
            peer = getattr(self.session, "peer", None)
            log.warning("refused %s: %s", peer, text)
        await super().push(status)


class Handler:
    def __init__(self, *, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    async def handle_RCPT(self, server, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            known = await _db(deliveries_for, [address])
        except Exception:
            log.exception("recipient lookup failed for %s", address)
            return "451 4.3.0 Temporary failure, try again later"
        if not known:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        payload: bytes = envelope.original_content or b""
        if len(payload) > self.max_bytes:
            return "552 5.3.4 Message too big for this system"
        # The null reverse path (bounces, auto-replies) arrives as "<>": recorded as "".
        mail_from = (envelope.mail_from or "").strip()
        meta = {"mail_from": "" if mail_from == "<>" else mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "peer": str(session.peer[0]) if session.peer else "", "helo": session.host_name or ""}
        try:
            raw_id = await _db(_store_and_file, payload, meta)
        except Exception:
            log.exception("could not store a mail from %s", envelope.mail_from)
            return "451 4.3.0 Could not store the message, try again later"
        return f"250 2.0.0 OK: stored as #{raw_id}"


def _store_and_file(payload: bytes, meta: dict) -> int:
    deliveries = deliveries_for(meta["rcpt_tos"])
    raw = store_raw(channel=ChannelKind.EMAIL, source="smtp", payload=payload,
                    content_type="message/rfc822", meta=meta,
                    brand=deliveries[0].brand if deliveries else None)
    # Stored and committed: from here on the mail cannot be lost, and the 250 may go out.
    try:
        ingest(raw, deliveries)
    except Exception:  # ingest flags what it cannot file; this is a last resort
        log.exception("raw mail #%s stored but not filed; `roadie smtpd` files it at next start", raw.pk)
    return raw.pk


class SMTPController(Controller):
    def factory(self):
        return RoadieSMTP(self.handler, **self.SMTP_kwargs)


def controller(*, host: str | None = None, port: int | None = None, max_bytes: int | None = None,
               tls_cert: str | None = None, tls_key: str | None = None) -> SMTPController:
    """The listener; with a certificate and key it offers STARTTLS (senders may use it)."""
    max_bytes = int(max_bytes or conf.get("ROADIE_MAIL_MAX_BYTES"))
    tls_cert = tls_cert or conf.get("ROADIE_SMTPD_TLS_CERT")
    tls_key = tls_key or conf.get("ROADIE_SMTPD_TLS_KEY")
    tls_context = None
    if tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(tls_cert, tls_key or None)
    return SMTPController(
        Handler(max_bytes=max_bytes), hostname=host or conf.get("ROADIE_SMTPD_HOST"),
        port=int(port or conf.get("ROADIE_SMTPD_PORT")),
        data_size_limit=max_bytes, tls_context=tls_context, require_starttls=False,
        ident="roadie smtpd",
    )


def recover() -> int:
    """File mail a previous run stored but did not get to file."""
    done = ingest_pending(source="smtp")
    if done:
        log.info("filed %d stored mail(s) left over from a previous run", done)
    return done
