"""Offers of contacts to agents (the assignment history) and the dispatcher's leadership lease."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the agent")
    ACCEPTED = "accepted", _("Accepted, being handled")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Timed out")
    RELEASED = "released", _("Released (agent left)")
    COMPLETED = "completed", _("Completed")


ACTIVE_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED)


class Offer(models.Model):
    """One contact offered to one agent. An accepted offer is the assignment.

    The database itself forbids a second active offer for the same contact, so that no
    process, however confused, can offer one contact to two agents at once.
    """

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    # Capacity units this contact uses on the agent while the offer is active.
    cost = models.PositiveSmallIntegerField()
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], name="one_active_offer_per_contact",
                condition=models.Q(status__in=["pending", "accepted"]),
            )
        ]
        indexes = [models.Index(fields=["agent", "status"]), models.Index(fields=["status", "expires_at"])]


class Lease(models.Model):
    """Leadership of a singleton process (the dispatcher), renewed while alive.

    Portable to SQLite and PostgreSQL: taken with a conditional UPDATE; a standby takes
    over when the holder stops renewing.
    """

    name = models.CharField(max_length=60, primary_key=True)
    holder = models.CharField(max_length=120)
    expires_at = models.DateTimeField()
    # Contacts and agents the holder's reconciliations found different from the database
    # (and repaired), since it took the lead.
    divergences = models.PositiveIntegerField(default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)
