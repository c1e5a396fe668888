"""The audit log: every read of customer data and every sensitive write."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=40)  # e.g. "contact.read", "customer.read"
    brand = models.ForeignKey("brands.Brand", null=True, on_delete=models.SET_NULL)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    # Which customer fields were shown (masked ones are never shown, so never listed).
    fields = models.JSONField(default=list, blank=True)
    via = models.CharField(max_length=16, default="page")  # page | api

    class Meta:
        ordering = ["-at"]
