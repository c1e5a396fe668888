"""The console's "test connection" for an email channel: log in to each IMAP mailbox of the
brand and open its folder, and greet (STARTTLS, log in) the SMTP relay replies go out through.
Real connections; the answer or the error is reported, nothing is changed."""

from __future__ import annotations

import contextlib
import smtplib
import ssl

from roadie.connectors.email import conf, imap
from roadie.connectors.email.models import Mailbox
from roadie.desk.console.registry import Check

TIMEOUT = 10.0


def _error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, bytes):
        text = exc.decode(errors="replace")
    return f"{type(exc).__name__}: {text}"[:300]


def check_mailbox(mailbox: Mailbox, *, timeout: float = TIMEOUT) -> Check:
    what = f"IMAP {mailbox.user} @ {mailbox.host}:{mailbox.port} ({mailbox.folder})"
    try:
        client = imap.connect(mailbox, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - any failure is the answer to report
        return Check(what, False, _error(exc))
    try:
        info = client.select_folder(mailbox.folder, readonly=True)
        count = info.get(b"EXISTS", 0)
        return Check(what, True, f"{count} messages")
    except Exception as exc:  # noqa: BLE001
        return Check(what, False, _error(exc))
    finally:
        with contextlib.suppress(Exception):  # already reported, or closing anyway
            client.logout()


def check_relay(*, timeout: float = TIMEOUT) -> Check:
    host, port = conf.get("ROADIE_SMTP_HOST"), int(conf.get("ROADIE_SMTP_PORT"))
    if not host:
        return Check("SMTP relay", False, "no relay configured (ROADIE_SMTP_HOST): replies are held")
    what = f"SMTP {host}:{port}"
    try:
        if conf.get("ROADIE_SMTP_SSL"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            code, banner = smtp.ehlo()
            if conf.get("ROADIE_SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            user = conf.get("ROADIE_SMTP_USER")
            if user:
                smtp.login(user, conf.get("ROADIE_SMTP_PASSWORD"))
            return Check(what, True, f"{code} {banner.decode(errors='replace').splitlines()[0]}")
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        return Check(what, False, _error(exc))


def check_email_channel(channel) -> list[Check]:
    mailboxes = Mailbox.objects.filter(brand_id=channel.brand_id, enabled=True).order_by("pk")
    return [*(check_mailbox(m) for m in mailboxes), check_relay()]
