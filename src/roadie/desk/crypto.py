"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with keys from
the environment.

``ROADIE_ENCRYPTION_KEYS`` holds one or more Fernet keys, comma-separated: the first
encrypts, every one decrypts (to rotate, put a new key first, run ``roadie rotate-secrets``,
then drop the old one). Without it, one key is derived from ``SECRET_KEY`` (the demo's own
generated key, or ``ROADIE_SECRET_KEY`` in production), so changing the secret key then makes
stored secrets unreadable: production sets ``ROADIE_ENCRYPTION_KEYS``
(``roadie generate-key`` prints one).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(keys: str, secret_key: str) -> MultiFernet:
    if keys.strip():
        return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])
    derived = hashlib.sha256(b"roadie-secrets:" + secret_key.encode()).digest()
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def fernet() -> MultiFernet:
    return _fernet(os.environ.get("ROADIE_ENCRYPTION_KEYS", ""), settings.SECRET_KEY)


def generate_key() -> str:
    return Fernet.generate_key().decode()


def encrypt(text: str) -> str:
    return PREFIX + fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption (migrated on next save)
    try:
        return fernet().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "a stored secret cannot be decrypted: ROADIE_ENCRYPTION_KEYS (or the secret key) "
            "changed since it was saved"
        ) from exc


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the plain text back."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


class EncryptedJSONField(models.TextField):
    """A JSON object stored encrypted as a whole (keys and values); reads give the dict back."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", dict)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {}
        return json.loads(decrypt(value))

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        if value in (None, ""):
            return {}
        return json.loads(decrypt(value))

    def get_prep_value(self, value):
        return encrypt(json.dumps(value or {}, sort_keys=True))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
