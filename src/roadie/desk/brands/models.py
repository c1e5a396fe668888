"""Client brands, their channels, service-level policies, pools and confidentiality rules."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from roadie.desk.crypto import EncryptedJSONField


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from exc


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Web chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SOCIAL = "social", _("Social networks")
    VOICE = "voice", _("Phone")
    VIDEO = "video", _("Sign-language video")


class CustomerField(models.TextChoices):
    """Kinds of customer information a brand may hide from agents."""

    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    ADDRESS = "address", _("Postal address")
    ORDER_HISTORY = "order_history", _("Order history")
    PAYMENT = "payment", _("Payment data")


class Brand(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    default_language = models.CharField(max_length=8, default="fr")
    # Which CustomerField values agents must never see for this brand.
    masked_fields = models.JSONField(default=list, blank=True)
    # Whether an agent may see this customer's earlier contacts with the brand.
    show_history = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    # Opening hours and closures are read in this zone (an IANA name such as "Europe/Paris").
    timezone = models.CharField(max_length=64, default="Europe/Paris", validators=[validate_timezone])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def masks(self, field: str) -> bool:
        return field in self.masked_fields


class Channel(models.Model):
    """One way a brand's customers reach it (an address, a number, a widget)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    address = models.CharField(
        max_length=254, blank=True, help_text=_("Email address, phone number or account id")
    )
    enabled = models.BooleanField(default=True)
    sunday_open = models.BooleanField(default=False)
    # A premium line (e.g. "answer within 60 seconds") is billed per minute.
    premium = models.BooleanField(default=False)
    # The connector's settings and secrets (IMAP/SMTP credentials, app secrets, tokens,
    # webhook secrets), encrypted at rest as a whole; see ``roadie.desk.crypto``.
    config = EncryptedJSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "address"], name="channel_unique_address",
                                    condition=~models.Q(address="")),
        ]

    def __str__(self) -> str:
        return f"{self.brand.slug}/{self.kind}"


class ServiceLevelPolicy(models.Model):
    """Target: `target` of contacts answered within `answer_seconds` (per brand and channel)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="service_levels")
    channel = models.CharField(max_length=16, choices=ChannelKind.choices)
    target = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.800"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    answer_seconds = models.PositiveIntegerField(default=20)
    priority = models.SmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "channel"], name="one_sl_policy_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.brand.slug}/{self.channel}: {self.target:.0%} in {self.answer_seconds}s"


class Pool(models.Model):
    """A portfolio of brands served together; may overflow to a backup pool (weekend relay)."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    brands = models.ManyToManyField(Brand, related_name="pools", blank=True)
    overflow_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="overflow_from"
    )
    overflow_after_seconds = models.PositiveIntegerField(default=120)

    def __str__(self) -> str:
        return self.name


class WrapUpCode(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="wrap_up_codes")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=120, help_text=_("Label in French"))
    label_en = models.CharField(max_length=120, blank=True, help_text=_("Label in English (empty: the French one)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "code"], name="wrap_up_code_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        """The label in the active language (English when set, French otherwise)."""
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening range of a brand, on one weekday, for all its channels or for one channel.

    A day may have several ranges (9:00-12:00 and 14:00-18:00). A channel with no range of its
    own uses the brand's ranges (those with an empty `channel`); a brand with no range at all is
    open around the clock. A range whose `closes` is not after `opens` runs past midnight
    (`closes` 00:00 means "until midnight"). Times are wall-clock times in the brand's time zone.
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="opening_hours")
    channel = models.CharField(
        max_length=16, choices=ChannelKind.choices, blank=True,
        help_text=_("Empty: every channel of the brand without hours of its own"),
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["brand", "channel", "weekday", "opens"]
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return f"{self.brand.slug}/{self.channel or '*'} {self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(models.Model):
    """A date a brand (or only one of its channels) is closed: a public holiday, a closing."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    channel = models.CharField(
        max_length=16, choices=ChannelKind.choices, blank=True,
        help_text=_("Empty: the whole brand is closed that day"),
    )
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["brand", "date"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "date", "channel"], name="closure_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.brand.slug}/{self.channel or '*'} closed {self.date}"
