"""Email-specific data: IMAP mailboxes and their polling state, what each inbound mail said
about itself (threading headers, automatic or not), attachments, and outbound mail state."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roadie.desk.crypto import EncryptedTextField


class AutoKind(models.TextChoices):
    """Mail sent by a machine rather than a person: never answered automatically."""

    NONE = "", _("Written by a person")
    AUTO_REPLY = "auto-reply", _("Automatic reply")
    BOUNCE = "bounce", _("Delivery report (bounce)")
    LIST = "list", _("Mailing list or bulk mail")


class Mailbox(models.Model):
    """A brand's own IMAP mailbox that roadie polls (``roadie imap-poll``)."""

    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="mailboxes")
    name = models.CharField(max_length=120, blank=True)
    host = models.CharField(max_length=254)
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True)
    starttls = models.BooleanField(default=False)
    user = models.CharField(max_length=254)
    password = EncryptedTextField(blank=True)  # encrypted at rest (roadie.desk.crypto)
    folder = models.CharField(max_length=254, default="INBOX")
    # File only mail the server received from this moment on (empty: all mail in the folder),
    # so that connecting a mailbox with years of history does not turn it into contacts.
    since = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    # A mailbox not polled successfully for this long raises an alert on the supervisor board.
    alert_after_minutes = models.PositiveIntegerField(default=15)
    # Optional: no new mail at all for this long is suspicious too (a broken forward, an MX change).
    quiet_alert_minutes = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Polling state: UIDs are only meaningful together with the folder's UIDVALIDITY.
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_mail_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name or f"{self.user}@{self.host}/{self.folder}"


class FetchedMail(models.Model):
    """One IMAP message already stored: (mailbox, UIDVALIDITY, UID) is read once."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="fetched")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    raw = models.ForeignKey("contacts.RawInbound", null=True, on_delete=models.SET_NULL)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="fetched_mail_unique")
        ]


class InboundMail(models.Model):
    """The email side of one inbound contacts.Message."""

    message = models.OneToOneField("contacts.Message", on_delete=models.CASCADE, related_name="mail")
    msgid = models.CharField(max_length=250, help_text="Message-ID, without brackets")
    from_address = models.CharField(max_length=254, blank=True)
    # The brand address it was sent to (replies go out from it).
    to_address = models.CharField(max_length=254, blank=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.JSONField(default=list, blank=True)
    # The addresses the customer copied (the Cc header), shown to the agent.
    cc = models.JSONField(default=list, blank=True)
    auto_kind = models.CharField(max_length=16, choices=AutoKind.choices, blank=True, default=AutoKind.NONE)
    # Sanitised HTML (nh3) when the mail had an HTML part; the Message body is plain text.
    html = models.TextField(blank=True)
    defects = models.JSONField(default=list, blank=True)


class Attachment(models.Model):
    message = models.ForeignKey("contacts.Message", on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200, blank=True)
    # As declared by the sender, and as recognised from the first bytes.
    content_type = models.CharField(max_length=120)
    detected_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField(blank=True)
    # Not stored (too large, type refused, content not what it claims): why.
    rejected_reason = models.CharField(max_length=200, blank=True)

    @property
    def stored(self) -> bool:
        return not self.rejected_reason


class OutboundStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent")
    HELD = "held", _("Held: no relay configured")
    REFUSED = "refused", _("Refused by the mail relay")
    BOUNCED = "bounced", _("Returned undelivered")


class OutboundMail(models.Model):
    """The email side of one outbound contacts.Message: its headers and what became of it."""

    message = models.OneToOneField("contacts.Message", on_delete=models.CASCADE, related_name="outbound_mail")
    msgid = models.CharField(max_length=250, unique=True, help_text="Message-ID, without brackets")
    from_address = models.CharField(max_length=254)
    to_address = models.CharField(max_length=254, blank=True)
    # The people the customer had copied whom the agent chose to copy too (the Cc header).
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=OutboundStatus.choices, blank=True)
    reason = models.CharField(max_length=250, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
