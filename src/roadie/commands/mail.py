"""Mail intake commands: smtpd (SMTP listener) and imap-poll (IMAP poller)."""

from __future__ import annotations

import logging
import signal
import threading


def _django() -> None:
    from roadie.commands.desk import _django as setup

    setup()


def cmd_smtpd(args) -> int:
    _django()
    from roadie.connectors.email import smtpd

    smtpd.recover()
    controller = smtpd.controller(host=args.host, port=args.port, max_bytes=args.max_bytes,
                                  tls_cert=args.tls_cert, tls_key=args.tls_key)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    controller.start()
    logging.getLogger("roadie.email.smtpd").info(
        "roadie smtpd listening on %s:%s", controller.hostname, controller.port)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
        logging.getLogger("roadie.email.smtpd").info("roadie smtpd stopped")
    return 0


def cmd_imap_poll(args) -> int:
    _django()
    from roadie.connectors.email import imap

    if args.once:
        results = imap.poll_all(mailbox_ids=args.mailbox)
        for r in results:
            print(f"mailbox {r.mailbox_id}: {r.filed} new" + (f", error: {r.error}" if r.error else ""))
        return 1 if any(r.error for r in results) else 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        imap.run(interval=args.interval, stop=stop, mailbox_ids=args.mailbox)
    except KeyboardInterrupt:
        stop.set()
    return 0


def register(sub) -> None:
    p = sub.add_parser("smtpd", help="receive the brands' mail over SMTP (aiosmtpd)")
    p.add_argument("--host", default=None, help="default: $ROADIE_SMTPD_HOST or 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: $ROADIE_SMTPD_PORT or 2525")
    p.add_argument("--max-bytes", type=int, default=None,
                   help="largest message accepted (default: $ROADIE_MAIL_MAX_BYTES or 25 MB)")
    p.add_argument("--tls-cert", default=None, help="PEM certificate: offer STARTTLS ($ROADIE_SMTPD_TLS_CERT)")
    p.add_argument("--tls-key", default=None, help="PEM private key ($ROADIE_SMTPD_TLS_KEY)")
    p.set_defaults(func=cmd_smtpd)

    p = sub.add_parser("imap-poll", help="poll the brands' own IMAP mailboxes")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between rounds")
    p.add_argument("--once", action="store_true", help="one round, then exit (status 1 on errors)")
    p.add_argument("--mailbox", type=int, action="append", help="only this mailbox id (repeatable)")
    p.set_defaults(func=cmd_imap_poll)
