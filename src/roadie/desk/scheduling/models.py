"""Self-scheduling: seats of published plan slots, the bookings roadies make of them, swaps,
waiting lists, notices, booking windows and per-pool rules.

The seat invariant (never more bookings than seats) is decided by the database: booking a seat
is a conditional UPDATE of ``SlotSeats.booked`` (``booked < seats``) and a check constraint
forbids ``booked > seats`` outright.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    RELEASED = "released", _("Released")
    SWAPPED = "swapped", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled")


# Allowed transitions (states and transitions as data).
BOOKING_TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.BOOKED: frozenset({BookingStatus.RELEASED, BookingStatus.SWAPPED,
                                     BookingStatus.CANCELLED}),
    BookingStatus.RELEASED: frozenset(),
    BookingStatus.SWAPPED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
}


class SlotSeats(models.Model):
    """The seat counter of one published slot, and the supervisor's fixed bonus on it."""

    slot = models.OneToOneField("planning.PlanSlot", on_delete=models.CASCADE,
                                related_name="seat_counter")
    seats = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)
    fixed_bonus = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(booked__lte=F("seats")) & Q(booked__gte=0),
                                   name="slot_seats_never_overbooked"),
        ]


class Booking(models.Model):
    """One seat of a slot, booked by one roadie. ``bonus`` is what the slot paid at booking."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="bookings")
    slot = models.ForeignKey("planning.PlanSlot", on_delete=models.CASCADE,
                             related_name="bookings")
    status = models.CharField(max_length=16, choices=BookingStatus.choices,
                              default=BookingStatus.BOOKED, db_index=True)
    bonus = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    booked_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    # A release inside the notice window, counted against the roadie's reliability.
    late_release = models.BooleanField(default=False)
    # The booking this one was taken over from (a swap), if any.
    swapped_from = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="swapped_to")
    # Decided once the start is 10 minutes past: None until then.
    no_show = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "slot"],
                                    condition=Q(status="booked"),
                                    name="one_live_booking_per_agent_and_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.slot_id} ({self.status})"


class SwapStatus(models.TextChoices):
    OPEN = "open", _("Offered")
    TAKEN = "taken", _("Taken")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


SWAP_TRANSITIONS: dict[str, frozenset[str]] = {
    SwapStatus.OPEN: frozenset({SwapStatus.TAKEN, SwapStatus.WITHDRAWN, SwapStatus.EXPIRED}),
    SwapStatus.TAKEN: frozenset(),
    SwapStatus.WITHDRAWN: frozenset(),
    SwapStatus.EXPIRED: frozenset(),
}


class Swap(models.Model):
    """A booked slot offered to a named colleague (``to_agent``) or to the board (no one)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="swaps")
    to_agent = models.ForeignKey("agents.Agent", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="swaps_offered_to_me")
    status = models.CharField(max_length=16, choices=SwapStatus.choices,
                              default=SwapStatus.OPEN, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    taken_by = models.ForeignKey("agents.Agent", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["booking"], condition=Q(status="open"),
                                    name="one_open_swap_per_booking"),
        ]


class WaitStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    SEATED = "seated", _("Given a seat")
    DECLINED = "declined", _("Declined")
    SKIPPED = "skipped", _("Skipped")
    LEFT = "left", _("Left the list")


WAIT_TRANSITIONS: dict[str, frozenset[str]] = {
    WaitStatus.WAITING: frozenset({WaitStatus.SEATED, WaitStatus.SKIPPED, WaitStatus.LEFT}),
    WaitStatus.SEATED: frozenset({WaitStatus.DECLINED}),
    WaitStatus.DECLINED: frozenset(),
    WaitStatus.SKIPPED: frozenset(),
    WaitStatus.LEFT: frozenset(),
}


class WaitlistEntry(models.Model):
    """A roadie waiting for a seat of a full slot; the first in line gets the next free seat."""

    slot = models.ForeignKey("planning.PlanSlot", on_delete=models.CASCADE,
                             related_name="waitlist")
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="waits")
    status = models.CharField(max_length=16, choices=WaitStatus.choices,
                              default=WaitStatus.WAITING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    # Why a waiting roadie was passed over (a rule code), if they were.
    skipped_code = models.CharField(max_length=32, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "agent"], condition=Q(status="waiting"),
                                    name="one_wait_per_agent_and_slot"),
        ]


class NoticeKind(models.TextChoices):
    WAITLIST_SEAT = "waitlist_seat", _("A seat from the waiting list")
    SWAP_OFFER = "swap_offer", _("A colleague offers you a slot")
    UNCOVERED = "uncovered", _("An uncovered slot needs you")
    CANCELLED = "booking_cancelled", _("The plan changed: this booking is cancelled")


class Notice(models.Model):
    """A notice shown on a roadie's desk (and for some kinds, also sent by email)."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=24, choices=NoticeKind.choices)
    slot = models.ForeignKey("planning.PlanSlot", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "kind", "slot"],
                                    condition=Q(kind="uncovered"),
                                    name="one_uncovered_notice_per_agent_and_slot"),
        ]


class PlanWindow(models.Model):
    """When a published plan opens for booking: everyone at ``opens_at`` (default: at
    publication), roadies with a reliability of at least ``early_min_reliability`` from
    ``early_opens_at``."""

    plan = models.OneToOneField("planning.SlotPlan", on_delete=models.CASCADE,
                                related_name="booking_window")
    opens_at = models.DateTimeField(null=True, blank=True)
    early_opens_at = models.DateTimeField(null=True, blank=True)
    early_min_reliability = models.DecimalField(max_digits=4, decimal_places=3,
                                                default=Decimal("0.950"))


class PoolRules(models.Model):
    """A pool's overrides of the operator's booking rules; a blank field keeps the default."""

    pool = models.OneToOneField("brands.Pool", on_delete=models.CASCADE,
                                related_name="booking_rules")
    max_day_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    max_week_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    min_week_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    rest_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    notice_hours = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    swap_close_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True,
                                           blank=True)
    # Euros per point (1 %) of service level gained by one more roadie on the slot.
    budget_per_point = models.DecimalField(max_digits=8, decimal_places=2, null=True,
                                           blank=True)
    login_outside_slots = models.BooleanField(default=True)


class CalendarFeed(models.Model):
    """The secret of a roadie's private iCalendar feed (a new secret revokes the old URL)."""

    agent = models.OneToOneField("agents.Agent", on_delete=models.CASCADE,
                                 related_name="calendar_feed")
    secret = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(default=timezone.now)
