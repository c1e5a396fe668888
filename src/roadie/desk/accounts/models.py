"""People who log in to roadie, their role, and their API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Operator administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    QA = "qa", _("Quality reviewer")
    FINANCE = "finance", _("Finance")
    AGENT = "agent", _("Agent")
    BRAND_ADMIN = "brand_admin", _("Brand administrator")
    BRAND = "brand", _("Brand viewer")


# Staff of the operator (as opposed to agents and brand users). What each of them may do is
# decided by the capability predicates of ``roadie.desk.accounts.access``, not by this set.
OPERATOR_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.QA, Role.FINANCE})
BRAND_ROLES = frozenset({Role.BRAND_ADMIN, Role.BRAND})


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    # A brand user belongs to exactly one brand; other roles have none.
    brand = models.ForeignKey(
        "brands.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    language = models.CharField(max_length=8, default="fr", help_text=_("Interface language"))

    @property
    def is_operator(self) -> bool:
        return self.role in OPERATOR_ROLES

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT

    @property
    def is_brand_user(self) -> bool:
        return self.role in BRAND_ROLES


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, label: str = "") -> str:
        raw = "rd_" + secrets.token_urlsafe(32)
        cls.objects.create(user=user, digest=cls.hash(raw), label=label)
        return raw
