"""Slot plans proposed for a brand pool's week, and the slots they open once published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


# Allowed transitions (states and transitions as data).
PLAN_TRANSITIONS = {
    PlanStatus.PROPOSED: {PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED},
    PlanStatus.PUBLISHED: {PlanStatus.SUPERSEDED},
    PlanStatus.SUPERSEDED: set(),
}


class SlotPlan(models.Model):
    """The slots the planning engine proposes for ``days`` days from ``first_day``."""

    pool = models.ForeignKey("brands.Pool", on_delete=models.CASCADE, related_name="slot_plans")
    first_day = models.DateField()
    days = models.PositiveSmallIntegerField(default=7)
    status = models.CharField(max_length=16, choices=PlanStatus.choices,
                              default=PlanStatus.PROPOSED, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    required_hours = models.DecimalField(max_digits=10, decimal_places=2)
    paid_hours = models.DecimalField(max_digits=10, decimal_places=2)
    uncovered_hours = models.DecimalField(max_digits=10, decimal_places=2)
    solver_status = models.CharField(max_length=32)
    solver_gap = models.FloatField()
    # Per series: forecast contacts for the week, and the chart (SVG) shown on the page.
    forecast_contacts = models.JSONField(default=dict)
    chart_svg = models.TextField(blank=True)
    # The same chart with its words in each language of the desk ({"en": svg, "fr": svg}).
    charts = models.JSONField(default=dict, blank=True)
    # Per series: the parameters the plan was made with (AHT, targets, patience, ...).
    series_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pool} {self.first_day} ({self.status})"


class PlanSlot(models.Model):
    """A slot to open: ``roadies`` people, one piece or two (a split day)."""

    plan = models.ForeignKey(SlotPlan, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    second_starts_at = models.DateTimeField(null=True, blank=True)
    second_ends_at = models.DateTimeField(null=True, blank=True)
    roadies = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["starts_at", "ends_at", "pk"]

    @property
    def hours(self) -> float:
        total = (self.ends_at - self.starts_at).total_seconds()
        if self.second_starts_at and self.second_ends_at:
            total += (self.second_ends_at - self.second_starts_at).total_seconds()
        return total / 3600.0


class RequestStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


REQUEST_TRANSITIONS = {
    RequestStatus.QUEUED: {RequestStatus.RUNNING, RequestStatus.FAILED},
    RequestStatus.RUNNING: {RequestStatus.DONE, RequestStatus.FAILED},
    RequestStatus.DONE: set(),
    RequestStatus.FAILED: set(),
}


class PlanRequest(models.Model):
    """A planner's "Propose slots": run by the background worker (``roadie worker``), which
    reports its progress here and links the plan it made."""

    pool = models.ForeignKey("brands.Pool", on_delete=models.CASCADE,
                             related_name="plan_requests")
    first_day = models.DateField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Per series ("brand/channel"): the parameters the planner changed before proposing.
    overrides = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=RequestStatus.choices,
                              default=RequestStatus.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    step = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    plan = models.ForeignKey(SlotPlan, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
