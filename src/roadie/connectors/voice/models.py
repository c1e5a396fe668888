"""A call (voice, or a sign-language video call) and its clock: offered, queued, answered,
ended, wrapped up; what it is billed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Medium(models.TextChoices):
    VOICE = "voice", _("Phone call")
    VIDEO = "video", _("Sign-language video call")


class Callback(models.TextChoices):
    """How a sign-language call-back request tells the customer an adviser who signs is ready."""

    EMAIL = "email", _("the meeting link by email")
    PAGE = "page", _("on the request's own page")


class CallState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")
    ABANDONED = "abandoned", _("Hung up before an answer")


class Call(models.Model):
    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="call")
    medium = models.CharField(max_length=8, choices=Medium.choices, default=Medium.VOICE)
    provider = models.CharField(max_length=20, default="generic")
    call_id = models.CharField(max_length=200)
    caller = models.CharField(max_length=60, blank=True)
    line = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=12, choices=CallState.choices, default=CallState.WAITING)
    # A premium line ("answered within 60 seconds") is billed per started second.
    premium = models.BooleanField(default=False)
    # The brand's own team was off (calendar): the call went to the roadie relay pool.
    relay = models.BooleanField(default=False)
    target_seconds = models.PositiveIntegerField(default=60)
    offered_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="calls")
    # The agent put the caller on hold (since then; None: not on hold) and the time held so far.
    held_at = models.DateTimeField(null=True, blank=True)
    hold_seconds = models.FloatField(default=0)
    holds = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    wrapped_at = models.DateTimeField(null=True, blank=True)
    answer_seconds = models.FloatField(null=True, blank=True)
    talk_seconds = models.FloatField(null=True, blank=True)
    wrap_seconds = models.FloatField(null=True, blank=True)
    within_target = models.BooleanField(null=True, blank=True)
    billable_seconds = models.PositiveIntegerField(default=0)
    price_per_minute = models.DecimalField(max_digits=6, decimal_places=4, default=0)
    amount = models.DecimalField(max_digits=10, decimal_places=4, default=0)
    # Video calls: the meeting both sides join.
    meeting_url = models.URLField(max_length=500, blank=True)
    token = models.CharField(max_length=64, blank=True, db_index=True)
    # A call-back request (nobody who signs was free when the customer asked): how they are
    # told once an adviser who signs takes it. Empty: the customer is waiting live.
    callback = models.CharField(max_length=8, choices=Callback.choices, blank=True)

    class Meta:
        ordering = ["-offered_at"]
        indexes = [models.Index(fields=["premium", "offered_at"])]

    def __str__(self) -> str:
        return f"{self.medium} {self.call_id}"
