"""Money: the double-entry ledger (transactions and their legs), pay rule versions,
periods, statements, contests, self-billing mandates and invoices, brand contracts and
invoices, premium lines and their metered calls.

Ledger rows are written only by ``roadie.desk.pay.actions.post`` and never updated or
deleted (a correction is a reversing transaction); PostgreSQL checks at commit that every
transaction has at least two legs summing to zero (migration 0002).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")


class Account(models.Model):
    code = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=12, choices=AccountKind.choices)
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    brand = models.ForeignKey("brands.Brand", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    def __str__(self) -> str:
        return self.code


class Transaction(models.Model):
    """One balanced movement, from one source event, booked in one period."""

    key = models.CharField(max_length=160, unique=True, help_text=_("Idempotency key of the source event"))
    period = models.CharField(max_length=7, db_index=True)
    # The period the source event belongs to, when it is booked later as an adjustment.
    origin_period = models.CharField(max_length=7, blank=True)
    source_kind = models.CharField(max_length=30)
    source_id = models.CharField(max_length=60)
    occurred_at = models.DateTimeField()
    booked_at = models.DateTimeField(default=timezone.now)
    memo = models.CharField(max_length=250, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")

    class Meta:
        indexes = [models.Index(fields=["source_kind", "source_id"])]


class Entry(models.Model):
    """One leg: a signed amount (debit positive, credit negative) on one account, with the
    rule that produced it and its evidence."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(**MONEY)
    kind = models.CharField(max_length=30)
    rule = models.CharField(max_length=60)
    rule_version = models.PositiveIntegerField()
    evidence_kind = models.CharField(max_length=30)
    evidence_id = models.CharField(max_length=60)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("1"))
    base = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    multiplier = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal("1"))
    label = models.CharField(max_length=300, blank=True)  # English
    # The label as codes with arguments (roadie.engine.pay.labels), shown in the reader's language
    label_parts = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "transaction"])]


class RuleSet(models.Model):
    """One version of a pay rule set: plain data, immutable once saved."""

    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    brand = models.ForeignKey("brands.Brand", null=True, blank=True, on_delete=models.PROTECT)
    pool = models.ForeignKey("brands.Pool", null=True, blank=True, on_delete=models.PROTECT)
    channel = models.CharField(max_length=16, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="pay_rule_version_unique")]
        ordering = ["code", "version"]


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Period(models.Model):
    month = models.CharField(max_length=7, unique=True)
    status = models.CharField(max_length=8, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    premium_revenue = models.DecimalField(**MONEY, default=Decimal("0"))
    premium_shares = models.DecimalField(**MONEY, default=Decimal("0"))
    # Highest source ids seen at close: later rows with earlier dates are late events.
    contact_event_watermark = models.BigIntegerField(default=0)
    premium_call_watermark = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-month"]


class Statement(models.Model):
    """What a closed period paid one roadie: total and the SHA-256 of its CSV at close."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="statements")
    period = models.CharField(max_length=7)
    total = models.DecimalField(**MONEY)
    lines = models.PositiveIntegerField()
    csv_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "period"], name="one_statement")]
        ordering = ["-period"]


class ContestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Contest(models.Model):
    """A roadie disputes one statement line: a review case for finance."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="contests")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="contests")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=ContestStatus.choices, default=ContestStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]


class Mandate(models.Model):
    """The self-billing mandate a roadie accepted, and the details their invoices carry."""

    agent = models.OneToOneField("agents.Agent", on_delete=models.PROTECT, related_name="mandate")
    legal_name = models.CharField(max_length=200)
    siret = models.CharField(max_length=14)
    address = models.CharField(max_length=300)
    vat_franchise = models.BooleanField(default=True)
    vat_number = models.CharField(max_length=20, blank=True)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    accepted_at = models.DateTimeField()


class SelfBilledInvoice(models.Model):
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="self_invoices")
    period = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=40, unique=True)
    issued_at = models.DateTimeField()
    net = models.DecimalField(**MONEY)
    vat = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    vat_franchise = models.BooleanField()
    due_on = models.DateField()
    franchise_warning = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "sequence"], name="self_invoice_sequence"),
            models.UniqueConstraint(fields=["agent", "period"], name="one_self_invoice_per_period"),
        ]


class BrandContract(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="contracts")
    effective_from = models.DateField()
    data = models.JSONField(default=dict)
    legal_name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "effective_from"], name="one_contract_version")]


class BrandInvoice(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="invoices")
    period = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField(unique=True)
    number = models.CharField(max_length=40, unique=True)
    issued_at = models.DateTimeField()
    lines = models.JSONField(default=list)
    usage = models.JSONField(default=list)
    net = models.DecimalField(**MONEY)
    vat = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    due_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brand", "period"], name="one_brand_invoice")]
        ordering = ["-period", "brand"]


class PremiumPurpose(models.TextChoices):
    EXPERTISE = "expertise", _("Optional expertise or advice")
    AFTER_SALES = "after_sales", _("After-sales: having a contract performed")
    COMPLAINT = "complaint", _("Complaints")


# French consumer law (Code de la consommation, art. L. 224-41): a customer calling to have
# a contract performed or a complaint handled must not pay a surcharge.
PREMIUM_FORBIDDEN = frozenset({PremiumPurpose.AFTER_SALES, PremiumPurpose.COMPLAINT})
PRICE_CAP_PER_MINUTE = Decimal("0.60")


class PremiumLine(models.Model):
    """A premium-rate number on a brand's voice channel: price, purpose, answer guarantee."""

    channel = models.OneToOneField("brands.Channel", on_delete=models.PROTECT, related_name="premium_line")
    purpose = models.CharField(max_length=16, choices=PremiumPurpose.choices)
    price_per_minute = models.DecimalField(max_digits=6, decimal_places=4)
    answer_within_seconds = models.PositiveIntegerField(default=60)
    configured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(price_per_minute__lte=PRICE_CAP_PER_MINUTE)
                                   & models.Q(price_per_minute__gte=0), name="premium_price_capped"),
            models.CheckConstraint(condition=~models.Q(purpose__in=sorted(PREMIUM_FORBIDDEN)),
                                   name="premium_not_after_sales"),
        ]


class PremiumCall(models.Model):
    """An answered premium call as metered (the voice connector reports it here)."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.PROTECT, related_name="premium_call")
    line = models.ForeignKey(PremiumLine, null=True, blank=True, on_delete=models.PROTECT, related_name="calls")
    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=60)
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField()
    answered_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField()
    answer_seconds = models.FloatField()
    within_target = models.BooleanField()
    billed_seconds = models.PositiveIntegerField()
    price_per_minute = models.DecimalField(max_digits=6, decimal_places=4)
    revenue = models.DecimalField(**MONEY)
