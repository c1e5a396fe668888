"""What connectors add to the console, without the desk importing them (each connector's app
fills these in its ``ready()``).

- ``BRAND_SECTIONS``: (label, url name) pairs linked from a brand's channels page; the url
  takes the brand's slug (the email connector adds its IMAP mailboxes this way).
- ``CHANNEL_SECRETS``: for each channel kind, the names of its connector's secrets (shown
  as password fields, never displayed again); any settings key containing "secret", "token"
  or "password" is a secret too.
- ``CONNECTION_TESTS``: for a channel kind, a function ``(channel) -> list[Check]`` that
  really connects to the servers the channel uses and says what answered (the "test
  connection" button).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One connection tried: what (``"IMAP help@… at imap.example:993"``), whether it worked,
    and the server's answer or the error."""

    what: str
    ok: bool
    detail: str = ""


BRAND_SECTIONS: list[tuple[str, str]] = []

CHANNEL_SECRETS: dict[str, tuple[str, ...]] = {
    "email": (),
    "chat": (),
    "whatsapp": ("app_secret", "access_token", "verify_token"),
    "social": ("secret",),
    "voice": ("secret", "twilio_auth_token"),
    "video": (),
}

CONNECTION_TESTS: dict[str, Callable[[object], list[Check]]] = {}

SECRET_WORDS = ("secret", "token", "password")


def is_secret(key: str, kind: str = "") -> bool:
    return key in CHANNEL_SECRETS.get(kind, ()) or any(w in key.lower() for w in SECRET_WORDS)
