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
    # Fencing token: the lease (pool partition) a dispatcher held when it wrote the offer, and
    # that lease's epoch then. A trigger refuses the insert unless the lease is still at that
    # epoch (migration 0003). Both NULL: written by a person's act or a connector's event
    # (a call answered, a snooze ending, a hand-over), not by a dispatcher: not fenced.
    lease = models.CharField(max_length=60, null=True, blank=True)
    epoch = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], name="one_active_offer_per_contact",
                condition=models.Q(status__in=["pending", "accepted"]),
            ),
            models.CheckConstraint(
                condition=models.Q(lease__isnull=True, epoch__isnull=True)
                | models.Q(lease__isnull=False, epoch__isnull=False),
                name="offer_lease_with_its_epoch",
            ),
        ]
        indexes = [models.Index(fields=["agent", "status"]), models.Index(fields=["status", "expires_at"])]


class Lease(models.Model):
    """Leadership of a singleton process (a dispatcher of one pool partition), renewed while
    alive.

    Taken with a conditional UPDATE on SQLite (a standby takes over when the holder stops
    renewing); on PostgreSQL the leader also holds a session advisory lock, freed the moment
    its process dies (:mod:`roadie.desk.routing.partitions`). ``epoch`` counts the terms:
    bumped each time the lease changes hands (or is given up), it is the fencing token every
    dispatcher's offer row carries.
    """

    name = models.CharField(max_length=60, primary_key=True)
    holder = models.CharField(max_length=120)
    expires_at = models.DateTimeField()
    epoch = models.PositiveBigIntegerField(default=1)
    # Contacts and agents the holder's reconciliations found different from the database
    # (and repaired), since it took the lead.
    divergences = models.PositiveIntegerField(default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)
