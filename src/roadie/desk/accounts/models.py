"""People who log in to roadie, their role, and their API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
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


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """``roadie createsuperuser`` makes an operator administrator (console and API)."""
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    # A brand user belongs to exactly one brand; other roles have none.
    brand = models.ForeignKey(
        "brands.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    language = models.CharField(max_length=8, default="fr", help_text=_("Interface language"))
    # A QA reviewer sees the customer fields brands mask only when granted this.
    unmasked_access = models.BooleanField(
        default=False, help_text=_("Quality reviewers: see the customer fields brands mask")
    )

    objects = UserManager()


class TokenScope(models.TextChoices):
    """What a token may do, on top of what its user's role allows."""

    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")
    ADMIN = "admin", _("Administer (console settings)")


SCOPE_RANK = {TokenScope.READ: 0, TokenScope.WRITE: 1, TokenScope.ADMIN: 2}


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    scope = models.CharField(max_length=8, choices=TokenScope.choices, default=TokenScope.WRITE)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def is_valid(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def allows(self, scope: str) -> bool:
        return SCOPE_RANK[self.scope] >= SCOPE_RANK[scope]

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, label: str = "", scope: str = TokenScope.WRITE,
              expires_at=None) -> str:
        """A new token; the raw value is returned once and never stored."""
        return cls.create(user, label=label, scope=scope, expires_at=expires_at)[1]

    @classmethod
    def create(cls, user: User, *, label: str = "", scope: str = TokenScope.WRITE,
               expires_at=None) -> tuple[ApiToken, str]:
        raw = "rd_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, digest=cls.hash(raw), label=label, scope=scope,
                                   expires_at=expires_at)
        return token, raw
