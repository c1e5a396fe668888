"""What the console's views share: the brand a user may administer, reading form fields, and
turning the write paths' refusals into field errors on the page."""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import ValidationError
from django.http import Http404

from roadie.desk.accounts import access
from roadie.desk.brands.models import Brand


def administered_brands(user):
    if access.is_admin(user):
        return Brand.objects.all()
    return Brand.objects.filter(pk=user.brand_id) if access.can_administer_any_brand(user) else Brand.objects.none()


def brand_or_404(user, slug: str) -> Brand:
    """The brand, when this user administers it; another brand is 404 (it is not theirs to know)."""
    brand = administered_brands(user).filter(slug=slug).first()
    if brand is None:
        raise Http404("no such brand")
    return brand


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    """Field → messages; errors about the whole form under ``form`` (templates cannot read
    Django's ``__all__``)."""
    if hasattr(exc, "error_dict"):
        return {("form" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
    return {"form": exc.messages}


def checked(post, name: str) -> bool:
    return post.get(name) in ("on", "1", "true")


def words(value: str) -> list[str]:
    """``"fr, en  de"`` → ``["fr", "en", "de"]``."""
    return [w for w in (value or "").replace(",", " ").split() if w]


def parse_time(value: str, field: str) -> time | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: [f"{value!r} is not a time (HH:MM)"]}) from None


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError({field: [f"{value!r} is not a date (YYYY-MM-DD)"]}) from None
