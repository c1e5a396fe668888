"""Every write on a brand's settings: the brand itself, its channels (settings and secrets),
opening hours and closures, service-level policies and wrap-up codes.

The console pages and the REST API both call these. Each checks who may do it
(``roadie.desk.accounts.access``), validates its input (``ValidationError`` naming the field,
nothing written), writes inside a transaction and records the change in the audit log (the
names of the fields changed, never their values: some are secrets).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from roadie.desk.accounts import access
from roadie.desk.audit.actions import record_change
from roadie.desk.brands.models import (
    Brand,
    Channel,
    ChannelKind,
    Closure,
    CustomerField,
    OpeningHours,
    ServiceLevelPolicy,
    WrapUpCode,
)
from roadie.desk.console.registry import is_secret
from roadie.desk.routing.wakeup import notify_routing

BRAND_FIELDS = ("name", "default_language", "timezone", "masked_fields", "show_history", "is_active")
CHANNEL_FIELDS = ("address", "enabled", "sunday_open", "premium")


def _may_create_brands(actor) -> None:
    if not access.is_admin(actor):
        raise PermissionDenied("only the operator administrator creates brands")


def _may_administer(actor, brand: Brand) -> None:
    if not access.can_administer_brand(actor, brand.pk):
        raise PermissionDenied("you may not change this brand's settings")


def _masked(value) -> list[str]:
    values = list(value or [])
    unknown = [v for v in values if v not in CustomerField.values]
    if unknown:
        raise ValidationError({"masked_fields": [
            f"unknown field {unknown[0]!r}; one of {', '.join(CustomerField.values)}"]})
    return sorted(set(values))


def _clean_brand(brand: Brand) -> None:
    try:
        brand.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


def create_brand(actor, *, slug: str, name: str, default_language: str = "fr",
                 timezone: str = "Europe/Paris", masked_fields: Iterable[str] = (),
                 show_history: bool = True, is_active: bool = True, via: str = "console") -> Brand:
    _may_create_brands(actor)
    brand = Brand(slug=(slug or "").strip(), name=(name or "").strip(),
                  default_language=(default_language or "fr").strip(), timezone=timezone,
                  masked_fields=_masked(masked_fields), show_history=bool(show_history),
                  is_active=bool(is_active))
    _clean_brand(brand)
    with transaction.atomic():
        try:
            with transaction.atomic():
                brand.save()
        except IntegrityError:  # the same slug created meanwhile
            raise ValidationError({"slug": [f"a brand {brand.slug!r} already exists"]}) from None
        record_change(actor, action="brand.create", obj=brand, brand_id=brand.pk,
                      fields=["slug", "name"], via=via)
        notify_routing()  # the dispatcher takes the new brand into its partitions at once
    return brand


def update_brand(actor, brand: Brand, *, via: str = "console", **changes) -> Brand:
    """Change a brand's fields (``BRAND_FIELDS``; the slug never changes: it is in addresses
    and integrations). Only the administrator turns a brand off or on."""
    _may_administer(actor, brand)
    unknown = set(changes) - set(BRAND_FIELDS)
    if unknown:
        raise ValidationError({f: ["not a field you can change"] for f in sorted(unknown)})
    if "is_active" in changes and changes["is_active"] != brand.is_active and not access.is_admin(actor):
        raise PermissionDenied("only the operator administrator turns a brand on or off")
    if "masked_fields" in changes:
        changes["masked_fields"] = _masked(changes["masked_fields"])
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    changed = [f for f, v in changes.items() if getattr(brand, f) != v]
    for field, value in changes.items():
        setattr(brand, field, value)
    _clean_brand(brand)
    with transaction.atomic():
        brand.save()
        if changed:
            record_change(actor, action="brand.update", obj=brand, brand_id=brand.pk,
                          fields=changed, via=via)
    return brand


# Channels ------------------------------------------------------------------------------------


def public_settings(channel: Channel) -> dict:
    """A channel's settings without its secrets (what pages and the API show)."""
    return {k: v for k, v in (channel.config or {}).items() if not is_secret(k, channel.kind)}


def secret_names(channel: Channel) -> list[str]:
    """The names of the secrets a channel has (their values are never shown again)."""
    return sorted(k for k, v in (channel.config or {}).items() if is_secret(k, channel.kind) and v)


def _check_settings(kind: str, settings: Mapping | None, secrets: Mapping | None) -> None:
    for key in settings or {}:
        if is_secret(key, kind):
            raise ValidationError({"settings": [f"{key!r} is a secret: send it in secrets"]})
        if not isinstance(key, str) or not key.strip():
            raise ValidationError({"settings": ["setting names are non-empty strings"]})
    for key, value in (secrets or {}).items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError({"secrets": ["secret names are non-empty strings"]})
        if value is not None and not isinstance(value, str):
            raise ValidationError({"secrets": [f"{key!r}: a secret is a string (or null to remove it)"]})


def _check_address(kind: str, address: str, *, exclude_pk: int | None = None) -> str:
    address = (address or "").strip()
    if kind == ChannelKind.EMAIL:
        if not address:
            raise ValidationError({"address": ["an email channel needs its address"]})
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"address": [f"{address!r} is not an email address"]}) from None
        address = address.lower()
    if len(address) > 254:
        raise ValidationError({"address": ["at most 254 characters"]})
    if address and Channel.objects.filter(kind=kind, address=address).exclude(pk=exclude_pk).exists():
        raise ValidationError({"address": [f"{address} is already the address of another {kind} channel"]})
    return address


def _save_channel(channel: Channel) -> None:
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError:
        raise ValidationError({"address": ["already the address of another channel"]}) from None


def create_channel(actor, brand: Brand, *, kind: str, address: str = "", enabled: bool = True,
                   sunday_open: bool = False, premium: bool = False, settings: Mapping | None = None,
                   secrets: Mapping | None = None, via: str = "console") -> Channel:
    """A new channel of a brand. ``settings`` are shown back; ``secrets`` (IMAP/SMTP passwords,
    app secrets, tokens, webhook secrets) are stored encrypted and never shown again."""
    _may_administer(actor, brand)
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": [f"unknown kind {kind!r}; one of {', '.join(ChannelKind.values)}"]})
    _check_settings(kind, settings, secrets)
    config = dict(settings or {})
    config.update({k: v for k, v in (secrets or {}).items() if v})
    channel = Channel(brand=brand, kind=kind, address=_check_address(kind, address),
                      enabled=bool(enabled), sunday_open=bool(sunday_open), premium=bool(premium),
                      config=config)
    with transaction.atomic():
        _save_channel(channel)
        record_change(actor, action="channel.create", obj=channel, brand_id=brand.pk,
                      fields=["kind", "address", *sorted(config)], via=via)
    return channel


def update_channel(actor, channel: Channel, *, settings: Mapping | None = None,
                   secrets: Mapping | None = None, via: str = "console", **changes) -> Channel:
    """Change a channel. ``settings`` (when given) replaces every non-secret setting; each key of
    ``secrets`` sets that secret (an empty value keeps it, ``None`` removes it); secrets not
    named are kept. The kind never changes."""
    _may_administer(actor, channel.brand)
    unknown = set(changes) - set(CHANNEL_FIELDS)
    if unknown:
        raise ValidationError({f: ["not a field you can change"] for f in sorted(unknown)})
    _check_settings(channel.kind, settings, secrets)
    if "address" in changes:
        changes["address"] = _check_address(channel.kind, changes["address"], exclude_pk=channel.pk)
    changed = [f for f, v in changes.items() if getattr(channel, f) != v]
    config = dict(channel.config or {})
    if settings is not None:
        config = {k: v for k, v in config.items() if is_secret(k, channel.kind)}
        config.update(settings)
    for key, value in (secrets or {}).items():
        if value is None:
            config.pop(key, None)
        elif value:
            config[key] = value
    changed += sorted(k for k in set(config) | set(channel.config or {})
                      if config.get(k) != (channel.config or {}).get(k))
    for field, value in changes.items():
        setattr(channel, field, value)
    channel.config = config
    with transaction.atomic():
        _save_channel(channel)
        if changed:
            record_change(actor, action="channel.update", obj=channel, brand_id=channel.brand_id,
                          fields=changed, via=via)
    return channel


# Calendars, service levels, wrap-up codes ----------------------------------------------------


@dataclass(frozen=True)
class Range:
    """One opening range: a weekday (0 = Monday), opening and closing wall-clock times, and the
    channel it is for (empty: every channel without hours of its own)."""

    weekday: int
    opens: time
    closes: time
    channel: str = ""


def _check_channel_name(value: str, field: str) -> str:
    if value and value not in ChannelKind.values:
        raise ValidationError({field: [f"unknown channel {value!r}; one of {', '.join(ChannelKind.values)}"]})
    return value or ""


def set_opening_hours(actor, brand: Brand, ranges: Iterable[Range], *, channel: str | None = None,
                      via: str = "console") -> list[OpeningHours]:
    """Replace a brand's opening hours with these ranges (none: open around the clock). With
    ``channel`` ("" for the brand-wide ranges), only the ranges of that channel are replaced."""
    _may_administer(actor, brand)
    if channel is not None:
        channel = _check_channel_name(channel, "channel")
        ranges = [Range(weekday=r.weekday, opens=r.opens, closes=r.closes, channel=channel) for r in ranges]
    rows = []
    for i, r in enumerate(ranges):
        if not 0 <= int(r.weekday) <= 6:
            raise ValidationError({"opening_hours": [f"range {i + 1}: weekday is 0 (Monday) to 6 (Sunday)"]})
        if not isinstance(r.opens, time) or not isinstance(r.closes, time):
            raise ValidationError({"opening_hours": [f"range {i + 1}: opens and closes are times (HH:MM)"]})
        if r.opens == r.closes and r.opens != time(0):
            raise ValidationError({"opening_hours": [f"range {i + 1}: opens and closes at the same time"]})
        rows.append(OpeningHours(brand=brand, weekday=int(r.weekday), opens=r.opens, closes=r.closes,
                                 channel=_check_channel_name(r.channel, "opening_hours")))
    with transaction.atomic():
        old = OpeningHours.objects.filter(brand=brand)
        (old if channel is None else old.filter(channel=channel)).delete()
        OpeningHours.objects.bulk_create(rows)
        record_change(actor, action="brand.opening_hours", obj=brand, brand_id=brand.pk,
                      fields=["opening_hours"], via=via)
    return list(OpeningHours.objects.filter(brand=brand))


def add_closure(actor, brand: Brand, *, day: date, channel: str = "", reason: str = "",
                via: str = "console") -> Closure:
    _may_administer(actor, brand)
    if not isinstance(day, date):
        raise ValidationError({"date": ["a date (YYYY-MM-DD)"]})
    channel = _check_channel_name(channel, "channel")
    if len(reason or "") > 120:
        raise ValidationError({"reason": ["at most 120 characters"]})
    if Closure.objects.filter(brand=brand, date=day, channel=channel).exists():
        raise ValidationError({"date": [f"{day} is already a closure of this brand"]})
    with transaction.atomic():
        closure = Closure.objects.create(brand=brand, date=day, channel=channel, reason=reason or "")
        record_change(actor, action="closure.create", obj=closure, brand_id=brand.pk,
                      fields=["date", "channel", "reason"], via=via)
    return closure


def remove_closure(actor, closure: Closure, *, via: str = "console") -> None:
    _may_administer(actor, closure.brand)
    with transaction.atomic():
        record_change(actor, action="closure.delete", obj=closure, brand_id=closure.brand_id,
                      fields=["date"], via=via)
        closure.delete()


def set_service_level(actor, brand: Brand, *, channel: str, target, answer_seconds,
                      priority: int = 0, via: str = "console") -> ServiceLevelPolicy:
    """Create or change a brand's service-level policy for one channel: ``target`` (0 to 1) of
    contacts answered within ``answer_seconds``."""
    _may_administer(actor, brand)
    if channel not in ChannelKind.values:
        raise ValidationError({"channel": [f"unknown channel {channel!r}; one of {', '.join(ChannelKind.values)}"]})
    try:
        target = Decimal(str(target))
    except (InvalidOperation, ValueError):
        raise ValidationError({"target": ["a number between 0 and 1 (0.8 is 80 %)"]}) from None
    if not Decimal(0) <= target <= Decimal(1):
        raise ValidationError({"target": ["a number between 0 and 1 (0.8 is 80 %)"]})
    try:
        answer_seconds = int(answer_seconds)
    except (TypeError, ValueError):
        raise ValidationError({"answer_seconds": ["a whole number of seconds"]}) from None
    if not 1 <= answer_seconds <= 7 * 86400:
        raise ValidationError({"answer_seconds": ["between 1 second and a week"]})
    with transaction.atomic():
        policy, _ = ServiceLevelPolicy.objects.update_or_create(
            brand=brand, channel=channel,
            defaults={"target": target.quantize(Decimal("0.001")), "answer_seconds": answer_seconds,
                      "priority": int(priority or 0)})
        record_change(actor, action="service_level.set", obj=policy, brand_id=brand.pk,
                      fields=["target", "answer_seconds", "priority"], via=via)
    return policy


def set_wrap_up_code(actor, brand: Brand, *, code: str, label: str, label_en: str = "",
                     via: str = "console") -> WrapUpCode:
    """Create or relabel a wrap-up code of a brand: ``label`` in French, ``label_en`` in English."""
    _may_administer(actor, brand)
    item = WrapUpCode.objects.filter(brand=brand, code=(code or "").strip()).first() or \
        WrapUpCode(brand=brand, code=(code or "").strip())
    item.label = (label or "").strip()
    item.label_en = (label_en or "").strip()
    try:
        item.full_clean(exclude=["brand"], validate_unique=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    created = item.pk is None
    with transaction.atomic():
        item.save()
        record_change(actor, action="wrap_up_code.create" if created else "wrap_up_code.update",
                      obj=item, brand_id=brand.pk, fields=["code", "label", "label_en"], via=via)
    return item
