"""What connectors add to the console, without the desk importing them.

- ``BRAND_SECTIONS``: (label, url name) pairs linked from a brand's console page; the url
  takes the brand's slug (the email connector adds its IMAP mailboxes this way).
- ``CHANNEL_SECRETS``: for each channel kind, the names of its connector's secrets (shown
  as password fields, never displayed again); any settings key containing "secret", "token"
  or "password" is a secret too.
"""

from __future__ import annotations

BRAND_SECTIONS: list[tuple[str, str]] = []

CHANNEL_SECRETS: dict[str, tuple[str, ...]] = {
    "email": (),
    "chat": (),
    "whatsapp": ("app_secret", "access_token", "verify_token"),
    "social": ("secret",),
    "voice": ("secret", "twilio_auth_token"),
    "video": (),
}

SECRET_WORDS = ("secret", "token", "password")


def is_secret(key: str, kind: str = "") -> bool:
    return key in CHANNEL_SECRETS.get(kind, ()) or any(w in key.lower() for w in SECRET_WORDS)
