"""Email settings: read from Django settings when defined there, else from the environment.

ROADIE_MAIL_MAX_BYTES            largest accepted message (default 25 MB; 552 above)
ROADIE_MAIL_ATTACHMENT_MAX_BYTES largest attachment stored, or attached to a reply (default 10 MB)
ROADIE_MAIL_REPLY_MAX_BYTES      largest total of the files one reply carries (default 20 MB)
ROADIE_SMTPD_HOST / _PORT        where ``roadie smtpd`` listens (127.0.0.1:2525)
ROADIE_SMTPD_TLS_CERT / _KEY     PEM files: ``roadie smtpd`` then offers STARTTLS
ROADIE_SMTP_HOST / _PORT / _USER / _PASSWORD / _STARTTLS / _SSL
                                 the relay replies go out through; no host: replies are held
ROADIE_MAIL_DOMAIN               right-hand side of outbound Message-IDs (default: the brand's)
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    "ROADIE_MAIL_MAX_BYTES": 25 * 1024 * 1024,
    "ROADIE_MAIL_ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "ROADIE_MAIL_REPLY_MAX_BYTES": 20 * 1024 * 1024,
    "ROADIE_SMTPD_HOST": "127.0.0.1",
    "ROADIE_SMTPD_PORT": 2525,
    "ROADIE_SMTPD_TLS_CERT": "",
    "ROADIE_SMTPD_TLS_KEY": "",
    "ROADIE_SMTP_HOST": "",
    "ROADIE_SMTP_PORT": 25,
    "ROADIE_SMTP_USER": "",
    "ROADIE_SMTP_PASSWORD": "",
    "ROADIE_SMTP_STARTTLS": False,
    "ROADIE_SMTP_SSL": False,
    "ROADIE_SMTP_TIMEOUT": 30,
    "ROADIE_MAIL_DOMAIN": "",
}


def get(name: str):
    default = DEFAULTS[name]
    if hasattr(settings, name):
        return getattr(settings, name)
    value = os.environ.get(name)
    if value is None:
        return default
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    return value
