"""Delivery statuses WhatsApp reports for the replies roadie sent (sent, delivered, read, failed)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryState(models.TextChoices):
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class DeliveryStatus(models.Model):
    """One status callback for one outbound message (looked up by its wamid)."""

    wamid = models.CharField(max_length=250, db_index=True)
    message = models.ForeignKey("contacts.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="whatsapp_statuses")
    state = models.CharField(max_length=16, choices=DeliveryState.choices)
    at = models.DateTimeField()
    recipient = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wamid", "state"], name="one_whatsapp_status")]
        ordering = ["at", "pk"]
