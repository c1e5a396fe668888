"""The IMAP poller (``roadie imap-poll``) for brands that keep their own mailbox.

Each poll reads every message whose UID is above the last one filed, oldest first, so that
after an outage of any length it backfills everything it missed. A message is filed at most
once per (mailbox, UIDVALIDITY, UID) and, across re-reads and other routes, once per
Message-ID. The last UID only advances after a message is durably stored and filed: a poller
stopped mid-mailbox resumes where it stopped, without gaps or duplicates. When the server
changes the folder's UIDVALIDITY, the folder is read again from the start (Message-ID
deduplication keeps what was already filed from coming back twice).

The mailbox is opened read-only and fetched with BODY.PEEK: roadie never changes the brand's
mailbox (flags, deletions).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext
from imapclient import IMAPClient

from roadie.connectors.email import conf
from roadie.connectors.email.intake import Delivery, flag, ingest, ingest_pending
from roadie.connectors.email.models import FetchedMail, Mailbox
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import RawStatus

log = logging.getLogger("roadie.email.imap")

FETCH_BATCH = 50


@dataclass(frozen=True)
class PollResult:
    mailbox_id: int
    filed: int
    error: str = ""


def mailbox_address(mailbox: Mailbox) -> str:
    if "@" in mailbox.user:
        return mailbox.user.lower()
    channel = (Channel.objects.filter(brand=mailbox.brand_id, kind=ChannelKind.EMAIL)
               .exclude(address="").order_by("pk").first())
    return channel.address if channel else ""


def connect(mailbox: Mailbox, *, timeout: float = 30.0) -> IMAPClient:
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.use_ssl, timeout=timeout)
    client.normalise_times = False  # INTERNALDATE as aware datetimes
    if mailbox.starttls and not mailbox.use_ssl:
        client.starttls()
    client.login(mailbox.user, mailbox.password)
    return client


def _file_one(mailbox: Mailbox, *, uidvalidity: int, uid: int, payload: bytes, address: str,
              oversize: int = 0) -> bool:
    """Store and file one message; ``oversize``: only its header was fetched (it is too big)."""
    if FetchedMail.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).exists():
        return False
    meta = {"mailbox": mailbox.pk, "uidvalidity": uidvalidity, "uid": uid, "address": address}
    if oversize:
        meta["size"] = oversize
    raw = store_raw(channel=ChannelKind.EMAIL, source="imap", payload=payload,
                    content_type="message/rfc822", brand=mailbox.brand, meta=meta)
    try:
        with transaction.atomic():
            FetchedMail.objects.create(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw)
    except IntegrityError:
        # Another poller took this UID first; the raw copy stays stored, marked as such.
        type(raw).objects.filter(pk=raw.pk).update(status=RawStatus.DUPLICATE)
        return False
    if oversize:
        # Not imported, not lost: it stays in the brand's mailbox, and a flagged contact says so.
        flag(raw, [Delivery(mailbox.brand, address)],
             f"too large to import ({oversize} bytes > {conf.get('ROADIE_MAIL_MAX_BYTES')}): "
             f"read it in the mailbox {mailbox}, UID {uid}")
    else:
        ingest(raw, [Delivery(mailbox.brand, address)])
    return True


def poll(mailbox: Mailbox, *, connector: Callable[[Mailbox], IMAPClient] = connect,
         now: Callable[[], datetime] = timezone.now) -> PollResult:
    """Read everything new in one mailbox. Never raises: errors are recorded on the mailbox."""
    mailbox = Mailbox.objects.select_related("brand").get(pk=mailbox.pk)
    filed = 0
    try:
        ingest_pending(source="imap")
        address = mailbox_address(mailbox)
        client = connector(mailbox)
        try:
            info = client.select_folder(mailbox.folder, readonly=True)
            uidvalidity = int(info[b"UIDVALIDITY"])
            if mailbox.uidvalidity != uidvalidity:
                if mailbox.uidvalidity is not None:
                    log.warning("mailbox %s: UIDVALIDITY changed (%s -> %s), reading it again",
                                mailbox, mailbox.uidvalidity, uidvalidity)
                Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
                mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
            criteria: list = ["UID", f"{mailbox.last_uid + 1}:*"]
            if mailbox.since:
                # SINCE has day granularity (server's time zone): a day early, then exact below.
                criteria += ["SINCE", (mailbox.since - timedelta(days=1)).date()]
            # "N:*" always includes the newest message, even below N: filter.
            uids = sorted(u for u in client.search(criteria) if u > mailbox.last_uid)
            max_bytes = int(conf.get("ROADIE_MAIL_MAX_BYTES"))
            for start in range(0, len(uids), FETCH_BATCH):
                chunk = uids[start:start + FETCH_BATCH]
                sizes = {uid: int(item.get(b"RFC822.SIZE") or 0)
                         for uid, item in client.fetch(chunk, ["RFC822.SIZE"]).items()}
                small = [uid for uid in chunk if sizes.get(uid, 0) <= max_bytes]
                big = [uid for uid in chunk if sizes.get(uid, 0) > max_bytes]
                data = client.fetch(small, ["BODY.PEEK[]", "INTERNALDATE"]) if small else {}
                if big:
                    data.update(client.fetch(big, ["BODY.PEEK[HEADER]", "INTERNALDATE"]))
                for uid in chunk:
                    item = data.get(uid) or {}
                    oversize = sizes[uid] if uid in big else 0
                    payload = item.get(b"BODY[HEADER]" if oversize else b"BODY[]")
                    arrived = item.get(b"INTERNALDATE")
                    too_old = bool(mailbox.since and arrived and arrived < mailbox.since)
                    if payload is not None and not too_old:  # None: expunged since the search
                        filed += _file_one(mailbox, uidvalidity=uidvalidity, uid=uid,
                                           payload=bytes(payload), address=address, oversize=oversize)
                    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)
                    mailbox.last_uid = uid
        finally:
            with contextlib.suppress(Exception):
                client.logout()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=error, last_error_at=now())
        log.warning("mailbox %s: poll failed after %d new message(s): %s", mailbox, filed, error)
        return PollResult(mailbox.pk, filed, error)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_success_at=now(), last_error="")
    if filed:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_mail_at=now())
        log.info("mailbox %s: %d new message(s)", mailbox, filed)
    return PollResult(mailbox.pk, filed)


def poll_all(*, mailbox_ids: list[int] | None = None) -> list[PollResult]:
    mailboxes = Mailbox.objects.filter(enabled=True).order_by("pk")
    if mailbox_ids:
        mailboxes = mailboxes.filter(pk__in=mailbox_ids)
    return [poll(m) for m in mailboxes]


def run(*, interval: float, stop: threading.Event, mailbox_ids: list[int] | None = None) -> None:
    log.info("IMAP poller started (every %.0fs)", interval)
    while not stop.is_set():
        close_old_connections()
        try:
            poll_all(mailbox_ids=mailbox_ids)
        except Exception:  # the database itself failed: try again next round
            log.exception("IMAP poll round failed")
        stop.wait(interval)
    log.info("IMAP poller stopped")


@dataclass(frozen=True)
class MailboxAlert:
    mailbox: Mailbox
    silent_since: datetime
    reason: str


def mailbox_alerts(now: datetime | None = None) -> list[MailboxAlert]:
    """Enabled mailboxes not polled successfully within their alert delay (supervisor board)."""
    now = now or timezone.now()
    alerts = []
    for mailbox in Mailbox.objects.filter(enabled=True).select_related("brand").order_by("pk"):
        since = mailbox.last_success_at or mailbox.created_at
        if now - since > timedelta(minutes=mailbox.alert_after_minutes):
            reason = mailbox.last_error or gettext("not polled: is roadie imap-poll running?")
            alerts.append(MailboxAlert(mailbox, since, reason))
            continue
        quiet_since = mailbox.last_mail_at or mailbox.created_at
        if mailbox.quiet_alert_minutes and now - quiet_since > timedelta(minutes=mailbox.quiet_alert_minutes):
            alerts.append(MailboxAlert(mailbox, quiet_since, gettext("reachable, but no new mail arrives")))
    return alerts
