"""Every write on users and API tokens: create and change users (with their role), invite
links, issue and revoke tokens. Each checks who may do it (``access``), validates its input
(``ValidationError`` naming the field, nothing written) and records the change in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from roadie.desk.accounts import access
from roadie.desk.accounts.models import BRAND_ROLES, ApiToken, Role, TokenScope, User
from roadie.desk.audit.actions import record_change

USER_FIELDS = ("username", "email", "first_name", "last_name", "role", "brand", "language",
               "is_active", "unmasked_access")


def _check_role(actor, *, role: str, brand) -> None:
    if role not in Role.values:
        raise ValidationError({"role": [f"unknown role {role!r}; one of {', '.join(Role.values)}"]})
    if role not in access.roles_grantable_by(actor):
        raise PermissionDenied(f"you may not give the role {role}")
    if role in BRAND_ROLES and brand is None:
        raise ValidationError({"brand": ["a brand user needs a brand"]})
    if role not in BRAND_ROLES and brand is not None:
        raise ValidationError({"brand": ["only brand users belong to a brand"]})
    if not access.can_manage_users(actor, brand_id=getattr(brand, "pk", None)):
        raise PermissionDenied("you may not manage users of this brand")


def _clean(user: User) -> None:
    if user.language not in ("fr", "en"):
        raise ValidationError({"language": ["fr or en"]})
    if user.email:
        try:
            validate_email(user.email)
        except ValidationError:
            raise ValidationError({"email": [f"{user.email!r} is not an email address"]}) from None
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


def create_user(actor, *, username: str, role: str, email: str = "", brand=None,
                first_name: str = "", last_name: str = "", language: str = "fr",
                unmasked_access: bool = False, password: str | None = None,
                via: str = "console") -> User:
    """A new user; without a password they set one from an invite link (``invite_path``)."""
    _check_role(actor, role=role, brand=brand)
    user = User(username=username.strip(), email=email.strip(), role=role, brand=brand,
                first_name=first_name, last_name=last_name, language=language or "fr",
                unmasked_access=bool(unmasked_access) and role == Role.QA)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    _clean(user)
    with transaction.atomic():
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same username created meanwhile (full_clean raced)
            raise ValidationError({"username": ["a user with that username already exists"]}) from None
        record_change(actor, action="user.create", obj=user, brand_id=user.brand_id,
                      fields=["username", "role"], via=via)
    return user


def update_user(actor, user: User, *, via: str = "console", **changes) -> User:
    """Change a user's fields (``USER_FIELDS``); a role change is checked like a creation."""
    unknown = set(changes) - set(USER_FIELDS)
    if unknown:
        raise ValidationError({f: ["not a field you can change"] for f in sorted(unknown)})
    if not access.can_manage_users(actor, brand_id=user.brand_id):
        raise PermissionDenied("you may not manage this user")
    role = changes.get("role", user.role)
    brand = changes.get("brand", user.brand)
    _check_role(actor, role=role, brand=brand)
    if user.pk == getattr(actor, "pk", None) and (changes.get("is_active") is False
                                                  or role != user.role):
        raise ValidationError({"role": ["you cannot change your own role or deactivate yourself"]})
    changed = [f for f, v in changes.items() if getattr(user, f) != v]
    for field, value in changes.items():
        setattr(user, field, value)
    if user.role != Role.QA:
        user.unmasked_access = False
    _clean(user)
    with transaction.atomic():
        user.save()
        if changes.get("is_active") is False:
            ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
        if changed:
            record_change(actor, action="user.update", obj=user, brand_id=user.brand_id,
                          fields=changed, via=via)
    return user


def invite_path(user: User) -> str:
    """The one-time link a new user sets their password from: it stops working once the
    password is set (Django's token covers the password hash and the last login)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("invite", args=[uid, default_token_generator.make_token(user)])


def send_invitation(actor, user: User, *, via: str = "console") -> None:
    """Mail the user their one-time link (``accounts.tasks.send_invitation``, after commit)."""
    if not access.can_manage_users(actor, brand_id=user.brand_id):
        raise PermissionDenied("you may not invite this user")
    if not user.is_active:
        raise ValidationError({"is_active": ["this user is turned off"]})
    if user.has_usable_password():
        raise ValidationError({"password": ["this user already has a password"]})
    if not user.email:
        raise ValidationError({"email": ["this user has no email address to send the invitation to"]})
    from roadie.desk.accounts.tasks import send_invitation as task

    with transaction.atomic():
        record_change(actor, action="user.invite", obj=user, brand_id=user.brand_id, fields=["email"], via=via)
        transaction.on_commit(lambda: task.enqueue(user.pk))


def invite_valid(user: User, token: str) -> bool:
    return bool(user.is_active) and default_token_generator.check_token(user, token)


def set_password_from_invite(user: User, *, token: str, password: str) -> User:
    if not invite_valid(user, token):
        raise PermissionDenied("this link was already used or has expired")
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record_change(user, action="user.password_set", obj=user, brand_id=user.brand_id,
                      fields=["password"])
    return user


def create_token(actor, *, user: User | None = None, label: str = "", scope: str = TokenScope.WRITE,
                 expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new API token (the raw value is returned once). Users issue their own; the
    administrator may issue one for anyone. An admin scope needs a user who administers."""
    user = user or actor
    if user.pk != actor.pk and not access.is_admin(actor):
        raise PermissionDenied("you may only issue tokens for yourself")
    if scope not in TokenScope.values:
        raise ValidationError({"scope": [f"unknown scope {scope!r}; one of read, write, admin"]})
    if scope == TokenScope.ADMIN and not access.can_administer_any_brand(user):
        raise ValidationError({"scope": ["only administrators get admin tokens"]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": ["the expiry must be in the future"]})
    if len(label) > 100:
        raise ValidationError({"label": ["at most 100 characters"]})
    with transaction.atomic():
        token, raw = ApiToken.create(user, label=label, scope=scope, expires_at=expires_at)
        record_change(actor, action="token.create", obj=token, brand_id=user.brand_id,
                      fields=["scope", "label", "expires_at"])
    return token, raw


def revoke_token(actor, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not access.is_admin(actor):
        raise PermissionDenied("you may only revoke your own tokens")
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_change(actor, action="token.revoke", obj=token, brand_id=token.user.brand_id,
                          fields=["revoked_at"])
    return token


def visible_tokens(actor):
    tokens = ApiToken.objects.select_related("user").order_by("-created_at")
    return tokens if access.is_admin(actor) else tokens.filter(user=actor)
