"""Quality: brand scorecards (versioned), workloads and their draws, reviews, disputes,
calibration sessions, customer surveys and supervisors' verdicts on escalations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roadie.desk.brands.models import ChannelKind


class Scorecard(models.Model):
    """A brand's scorecard; its content lives in numbered, immutable versions."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="scorecards")
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["brand__name", "name"]

    def __str__(self) -> str:
        return f"{self.brand.slug}/{self.name}"

    def current(self) -> ScorecardVersion | None:
        return self.versions.order_by("-number").first()


class ScorecardVersion(models.Model):
    """One immutable version: sections and criteria as the engine reads them
    (``roadie.engine.quality.scorecard.Scorecard.from_dict``)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scorecard", "number"],
                                               name="scorecard_version_unique")]


class Cycle(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class Workload(models.Model):
    """Which contacts of a brand (or of a pool's brands) are drawn for review, how many per
    roadie and cycle, and who reviews them."""

    name = models.CharField(max_length=120)
    brand = models.ForeignKey("brands.Brand", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="workloads")
    pool = models.ForeignKey("brands.Pool", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="workloads")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="workloads")
    cycle = models.CharField(max_length=8, choices=Cycle.choices, default=Cycle.WEEKLY)
    # channel, wrap_up_code, escalated, low_csat, min_handle_minutes, new_roadie_days
    filters = models.JSONField(default=dict, blank=True)
    quota_per_agent = models.PositiveSmallIntegerField(default=2)
    weighted = models.BooleanField(default=False, help_text=_("Favour escalated, low-CSAT and long contacts"))
    seed = models.BigIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class WorkloadReviewer(models.Model):
    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workload", "user"], name="one_reviewer_per_workload")]


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    DONE = "done", _("Reviewed")


class Assignment(models.Model):
    """A drawn contact waiting in a reviewer's queue (one per contact and workload cycle)."""

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="assignments")
    cycle_start = models.DateField()
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="quality_assignments")
    status = models.CharField(max_length=8, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["workload", "cycle_start", "contact"],
                                               name="one_draw_per_cycle")]


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISPUTED = "disputed", _("Disputed")
    RESOLVED = "resolved", _("Dispute resolved")
    FROZEN = "frozen", _("Dispute rejected, scores frozen")


# The roadie acknowledges or disputes a submitted review; QA resolves the dispute.
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    ReviewStatus.SUBMITTED: frozenset({ReviewStatus.ACKNOWLEDGED, ReviewStatus.DISPUTED}),
    ReviewStatus.ACKNOWLEDGED: frozenset(),
    ReviewStatus.DISPUTED: frozenset({ReviewStatus.RESOLVED, ReviewStatus.FROZEN}),
    ReviewStatus.RESOLVED: frozenset(),
    ReviewStatus.FROZEN: frozenset(),
}


class Review(models.Model):
    """A reviewer's scores for one contact on one scorecard version."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="reviews")
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="reviews")
    assignment = models.OneToOneField(Assignment, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="review")
    calibration = models.ForeignKey("quality.Calibration", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="reviews")
    # {criterion key: {"value": number or null (N/A), "comment": "..."}}
    answers = models.JSONField(default=dict)
    comment = models.TextField(blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=2)
    critical_failed = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices,
                              default=ReviewStatus.SUBMITTED, db_index=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["calibration", "contact", "reviewer"],
                                               name="one_calibration_review")]


class DisputeOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTLY = "partly", _("Partly accepted, new scores")
    REJECTED = "rejected", _("Rejected")


class Dispute(models.Model):
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="dispute")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=10, choices=DisputeOutcome.choices, blank=True)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    score_before = models.DecimalField(max_digits=6, decimal_places=2)
    score_after = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]


class Calibration(models.Model):
    """Several reviewers score the same contacts blind; an expert's scores are the reference."""

    name = models.CharField(max_length=120)
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="calibrations")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="quality_calibrations")
    contacts = models.ManyToManyField("contacts.Contact", related_name="+")
    threshold = models.DecimalField(max_digits=4, decimal_places=3, default="0.667")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # filled when closed: alpha per criterion, deviation per reviewer, flagged
    results = models.JSONField(default=dict, blank=True)
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]


class LowRatingReason(models.TextChoices):
    """Why a customer rated 1 to 3; the first three were in the roadie's hands."""

    ATTITUDE = "attitude", _("The person who answered")
    ANSWER = "answer", _("The answer did not solve my problem")
    WAIT = "wait", _("The answer took too long")
    DELIVERY = "delivery", _("Delivery")
    POLICY = "policy", _("The brand's policy")
    PRODUCT = "product", _("The product")
    OTHER = "other", _("Something else")


UNCONTROLLABLE_REASONS = frozenset({LowRatingReason.DELIVERY, LowRatingReason.POLICY,
                                    LowRatingReason.PRODUCT})


class SurveyStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")


class Survey(models.Model):
    """One satisfaction survey per resolved contact, answered on the contact's channel."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="survey")
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="surveys")
    channel = models.CharField(max_length=16, choices=ChannelKind.choices)
    nonce = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=10, choices=SurveyStatus.choices,
                              default=SurveyStatus.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    reason = models.CharField(max_length=10, choices=LowRatingReason.choices, blank=True)
    # False when a low rating's reason was out of the roadie's hands (kept, not in their score)
    controllable = models.BooleanField(default=True)
    raw = models.ForeignKey("contacts.RawInbound", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    # the channel's id of the answering message (a WhatsApp wamid): a replay is known as such
    answer_ref = models.CharField(max_length=250, blank=True)


class EscalationVerdict(models.Model):
    """A supervisor's judgement of an escalation: was asking for help justified?"""

    escalation = models.OneToOneField("contacts.Escalation", on_delete=models.CASCADE,
                                      related_name="verdict")
    justified = models.BooleanField()
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    judged_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
