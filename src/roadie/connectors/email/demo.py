"""The demo's email arrivals go over real SMTP to ``roadie smtpd``, like a customer's mail."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from django.utils import timezone

from roadie.connectors.email import conf


def brand_address(slug: str) -> str:
    """The demo brands receive mail at support@<slug>.example."""
    return f"support@{slug}.example"


def smtp_injector(base_url: str, api) -> Callable:
    host, port = conf.get("ROADIE_SMTPD_HOST"), int(conf.get("ROADIE_SMTPD_PORT"))

    def inject(arrival) -> None:
        mail = EmailMessage()
        mail["From"] = formataddr((arrival.name, arrival.email))
        mail["To"] = brand_address(arrival.brand)
        mail["Subject"] = arrival.subject
        mail["Date"] = format_datetime(timezone.now())
        mail["Message-ID"] = make_msgid(domain="customers.example")
        mail["Content-Language"] = arrival.language
        if sum(map(ord, arrival.email)) % 4 == 0:
            # One customer in four copies someone (the reply box then offers "reply all").
            mail["Cc"] = formataddr(("Proche", f"proche.{arrival.email.split('@')[0]}@customers.example"))
        mail.set_content(arrival.body)
        with smtplib.SMTP(host, port, timeout=10) as client:
            client.send_message(mail)

    return inject
