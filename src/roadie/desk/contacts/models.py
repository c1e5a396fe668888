"""Customers, contacts (one conversation with a brand), their messages and history,
the raw inbound payloads they came from, and escalations to a supervisor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roadie.desk.brands.models import ChannelKind


class Customer(models.Model):
    """An end customer of one brand. Each field here may be masked by the brand."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="customers")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True, db_index=True)
    address = models.TextField(blank=True)
    # Free-form data from the brand's own systems (orders, payment means...).
    order_history = models.JSONField(default=list, blank=True)
    payment = models.JSONField(default=dict, blank=True)
    external_ref = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # False for a visitor known only by what they typed (chat, offline form, video form):
    # never matched to another customer by that email or phone until the address is
    # confirmed by a link or vouched for by the brand's signed identity token.
    verified = models.BooleanField(default=True)

    class Meta:
        # A verified customer is found by their email, else their phone, else the brand's
        # reference (roadie.desk.contacts.actions): one customer per key, so that two
        # deliveries at once from a new customer cannot make two.
        constraints = [
            models.UniqueConstraint(
                models.F("brand"), Lower("email"), name="customer_unique_verified_email",
                condition=models.Q(verified=True) & ~models.Q(email="")),
            models.UniqueConstraint(
                fields=["brand", "phone"], name="customer_unique_verified_phone",
                condition=models.Q(verified=True, email="") & ~models.Q(phone="")),
            models.UniqueConstraint(
                fields=["brand", "external_ref"], name="customer_unique_verified_ref",
                condition=models.Q(verified=True, email="", phone="") & ~models.Q(external_ref="")),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"customer {self.pk}"


class Status(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    OFFERED = "offered", _("Offered")
    ACTIVE = "active", _("In progress")
    WAITING = "waiting", _("Waiting on the customer")
    RESOLVED = "resolved", _("Resolved")
    ABANDONED = "abandoned", _("Abandoned")


OPEN_STATUSES = frozenset({Status.QUEUED, Status.OFFERED, Status.ACTIVE, Status.WAITING})

# Allowed status changes (states and transitions as data, checked by actions).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.QUEUED: frozenset({Status.OFFERED, Status.ABANDONED, Status.RESOLVED}),
    Status.OFFERED: frozenset({Status.ACTIVE, Status.QUEUED, Status.ABANDONED}),
    Status.ACTIVE: frozenset({Status.RESOLVED, Status.QUEUED, Status.WAITING}),
    # Waiting on the customer: the agent's capacity is freed and the answer clock stops;
    # the customer's reply puts the contact back in the queue with a fresh answer target.
    Status.WAITING: frozenset({Status.QUEUED, Status.RESOLVED, Status.ACTIVE}),
    Status.RESOLVED: frozenset({Status.QUEUED}),  # the customer writes again
    Status.ABANDONED: frozenset({Status.QUEUED}),
}


def promised_at():
    """The database expression of ``Contact.promised_at`` (its first arrival's deadline)."""
    from django.db.models.functions import Coalesce

    return Coalesce("first_deadline_at", "deadline_at")


class Contact(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="contacts")
    channel = models.CharField(max_length=16, choices=ChannelKind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contacts")
    subject = models.CharField(max_length=250, blank=True)
    language = models.CharField(max_length=8, default="fr")
    # Skills beyond brand and language, e.g. "lsf" or "area:billing".
    extra_skills = models.JSONField(default=list, blank=True)
    priority = models.SmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    # The first arrival, what the history counts: never moved, not even by a reopening.
    arrived_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When it last entered the queue (its arrival, the customer writing again, a wake-up or a
    # transfer after waiting): its place in the queue, kept across re-queues after a decline.
    # Empty: its arrival (``queue_since``).
    queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Times it came back after being resolved, abandoned or waiting on the customer (each
    # one is also a "reopened" ContactEvent, with its time).
    reopened = models.PositiveIntegerField(default=0)
    # The answer promise now: its arrival's, then a fresh one at each return to the queue (the
    # customer's answer, a reopening, a wake-up, a transfer after waiting); what the router
    # orders by and what "at risk" reads.
    deadline_at = models.DateTimeField()
    # The promise of its first arrival, never moved: what the service level judges the first
    # answer (``answered_at``) against (docs/concepts.md#service-level). Empty: ``deadline_at``
    # (rows written in bulk); ``save`` fills it.
    first_deadline_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        "agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    wrap_up_code = models.CharField(max_length=40, blank=True)
    # A contact whose raw input could not be parsed: kept, shown, never lost.
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=250, blank=True)
    # Idempotency key from the channel (call id, chat id, client-supplied key).
    external_id = models.CharField(max_length=200, blank=True)
    # Agents who declined or let the offer lapse: offered to others first.
    declined_by = models.JSONField(default=list, blank=True)
    # Labels agents and supervisors put on the contact (lower-case slugs).
    tags = models.JSONField(default=list, blank=True)
    # Waiting on the customer since; hidden from the agent's list until snoozed_until.
    waiting_since = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "channel", "external_id"], name="contact_external_id_unique",
                condition=~models.Q(external_id=""),
            )
        ]
        indexes = [
            models.Index(fields=["brand", "status", "channel"]),
            # Today's figures of the board and the dashboards (answered / resolved since
            # midnight) read a day's rows, not every contact (bench/bench_pages.py).
            models.Index(fields=["answered_at"], name="contact_answered_at"),
            models.Index(fields=["resolved_at"], name="contact_resolved_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def promised_at(self):
        """The deadline the service level judges it by: its first arrival's."""
        return self.first_deadline_at or self.deadline_at

    @property
    def queue_since(self):
        """Its place in the queue: when it last entered it."""
        return self.queued_at or self.arrived_at

    def save(self, *args, **kwargs):
        if self.queued_at is None and self.arrived_at is not None:
            self.queued_at = self.arrived_at
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "queued_at"}
        if self.first_deadline_at is None and self.deadline_at is not None:
            self.first_deadline_at = self.deadline_at
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "first_deadline_at"}
        super().save(*args, **kwargs)


class Direction(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("To the customer")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # Channel message id (email Message-ID, WhatsApp wamid...) for dedup and threading.
    external_id = models.CharField(max_length=250, blank=True, db_index=True)
    raw = models.ForeignKey("contacts.RawInbound", null=True, blank=True, on_delete=models.SET_NULL)
    # Delivery state for outbound messages (sent by the worker through the channel).
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The final failure: refused for good by the provider, or every attempt failed.
    failed_at = models.DateTimeField(null=True, blank=True)
    delivery_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "external_id"], name="message_external_id_unique",
                condition=~models.Q(external_id=""),
            )
        ]


class RawStatus(models.TextChoices):
    STORED = "stored", _("Stored, not parsed yet")
    PARSED = "parsed", _("Parsed")
    FAILED = "failed", _("Could not be parsed")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate of an earlier delivery")


class RawInbound(models.Model):
    """Every inbound payload, exactly as received, stored before it is parsed."""

    channel = models.CharField(max_length=16, choices=ChannelKind.choices)
    source = models.CharField(max_length=40, help_text=_("api, smtp, imap, webhook..."))
    brand = models.ForeignKey("brands.Brand", null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    payload = models.BinaryField()
    content_type = models.CharField(max_length=120, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=RawStatus.choices, default=RawStatus.STORED)
    error = models.TextField(blank=True)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL)


class EventKind(models.TextChoices):
    ARRIVED = "arrived", _("Arrived")
    MESSAGE = "message", _("Customer wrote")
    REPLIED = "replied", _("Agent replied")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Offer timed out")
    REQUEUED = "requeued", _("Back in queue")
    RESOLVED = "resolved", _("Resolved")
    ABANDONED = "abandoned", _("Abandoned")
    ESCALATED = "escalated", _("Escalated")
    REOPENED = "reopened", _("Reopened")
    NOTE = "note", _("Internal note")
    TAGGED = "tagged", _("Tags changed")
    WAITING = "waiting", _("Waiting on the customer")
    SNOOZED = "snoozed", _("Snoozed")
    TAKEN_OVER = "taken_over", _("Taken over by a supervisor")
    REASSIGNED = "reassigned", _("Reassigned")
    TRANSFERRED = "transferred", _("Transferred to a pool")
    RESUMED = "resumed", _("Resumed before the customer replied")
    WOKEN = "woken", _("Snooze ended")
    NOT_DELIVERED = "not_delivered", _("Reply not delivered")
    IDENTIFIED = "identified", _("Visitor gave a name or email")


class ContactEvent(models.Model):
    """The full history of a contact: every routing and handling step."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Escalation(models.Model):
    """An agent asks a supervisor for help; it has its own response-time clock."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="escalations")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)


class Macro(models.Model):
    """A brand's saved reply. Its body may hold placeholders: {customer_name}, {agent_name},
    {brand_name}, {contact_id} (see roadie.desk.contacts.macros)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="macros")
    title = models.CharField(max_length=120)
    body = models.TextField()
    language = models.CharField(max_length=8, blank=True, help_text=_("Empty: every language"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["brand", "title"]
        constraints = [models.UniqueConstraint(fields=["brand", "title"], name="one_macro_title")]

    def __str__(self) -> str:
        return self.title
