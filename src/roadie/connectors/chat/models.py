"""A chat session: one browser's conversation with a brand, resumable by its token."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(18)


class ChatSession(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_token)
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="chat_sessions")
    # The conversation, once the visitor has written (its external_id is the token).
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="chat_sessions")
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    # True when the brand's signed identity token vouched for ``email`` (see
    # roadie.desk.contacts.identity); a typed email alone is never trusted.
    verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    connections = models.PositiveIntegerField(default=0)
    # Set when the visitor's last connection closed; cleared when one opens again.
    left_at = models.DateTimeField(null=True, blank=True)
