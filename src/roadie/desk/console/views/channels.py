"""Console pages of a brand's channels: create and change them, their connector settings (shown
back) and secrets (write-only: never shown again), and "test connection" where the connector
provides one (mailboxes). Writes go through ``roadie.desk.brands.actions``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.brands import actions
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.console import registry
from roadie.desk.console.views.common import brand_or_404, checked, errors_of
from roadie.desk.web.guards import console_page


def parse_settings(text: str) -> dict[str, str]:
    """``key = value`` lines (blank lines and ``#`` comments skipped)."""
    out = {}
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationError({"settings": [_("line %(n)d: write name = value") % {"n": n}]})
        out[key.strip()] = value.strip()
    return out


def _secrets_from(post, kind: str) -> dict[str, str | None]:
    secrets: dict[str, str | None] = {}
    for name in registry.CHANNEL_SECRETS.get(kind, ()):
        secrets[name] = post.get(f"secret-{name}", "")
    for name in post.getlist("remove-secret"):
        secrets[name] = None
    extra_name = post.get("secret-new-name", "").strip()
    if extra_name:
        secrets[extra_name] = post.get("secret-new-value", "")
    return secrets


def _rows(brand):
    return [{"channel": c, "settings": actions.public_settings(c), "secrets": actions.secret_names(c),
             "testable": c.kind in registry.CONNECTION_TESTS}
            for c in brand.channels.order_by("kind", "pk")]


@console_page
def channels(request, slug: str):
    brand = brand_or_404(request.user, slug)
    errors, values = {}, {"kind": request.GET.get("kind", ChannelKind.EMAIL), "enabled": True}
    if request.method == "POST":
        post = request.POST
        values = {"kind": post.get("kind", ""), "address": post.get("address", ""), "settings": post.get("settings", ""),
                  "enabled": checked(post, "enabled"), "sunday_open": checked(post, "sunday_open"),
                  "premium": checked(post, "premium")}
        try:
            channel = actions.create_channel(
                request.user, brand, kind=values["kind"], address=values["address"],
                enabled=values["enabled"], sunday_open=values["sunday_open"], premium=values["premium"],
                settings=parse_settings(values["settings"]), secrets=_secrets_from(post, values["kind"]))
        except ValidationError as exc:
            errors = errors_of(exc)
        else:
            messages.success(request, _("Channel created."))
            return redirect("console-channel", slug=brand.slug, channel_id=channel.pk)
    return render(request, "console/channels.html", {
        "brand": brand, "rows": _rows(brand), "kinds": ChannelKind.choices, "errors": errors, "values": values,
        "secret_names": registry.CHANNEL_SECRETS, "sections": registry.BRAND_SECTIONS,
    }, status=422 if errors else 200)


def _channel_context(brand, channel, **extra) -> dict:
    settings = actions.public_settings(channel)
    return {"brand": brand, "channel": channel, "errors": {}, "checks": None,
            "settings_text": "\n".join(f"{k} = {v}" for k, v in settings.items()),
            "secrets": actions.secret_names(channel),
            "known_secrets": registry.CHANNEL_SECRETS.get(channel.kind, ()),
            "testable": channel.kind in registry.CONNECTION_TESTS, "sections": registry.BRAND_SECTIONS, **extra}


@console_page
def channel(request, slug: str, channel_id: int):
    brand = brand_or_404(request.user, slug)
    item = get_object_or_404(Channel, pk=channel_id, brand=brand)
    if request.method == "POST":
        post = request.POST
        try:
            actions.update_channel(
                request.user, item, address=post.get("address", ""), enabled=checked(post, "enabled"),
                sunday_open=checked(post, "sunday_open"), premium=checked(post, "premium"),
                settings=parse_settings(post.get("settings", "")), secrets=_secrets_from(post, item.kind))
        except ValidationError as exc:
            item.refresh_from_db()
            ctx = _channel_context(brand, item, errors=errors_of(exc))
            ctx["settings_text"] = post.get("settings", "")
            return render(request, "console/channel.html", ctx, status=422)
        messages.success(request, _("Channel saved. Secrets are not shown again."))
        return redirect("console-channel", slug=brand.slug, channel_id=item.pk)
    return render(request, "console/channel.html", _channel_context(brand, item))


@console_page
@require_POST
def channel_test(request, slug: str, channel_id: int):
    """Really connect to the servers the channel uses and show what they answered."""
    brand = brand_or_404(request.user, slug)
    item = get_object_or_404(Channel, pk=channel_id, brand=brand)
    test = registry.CONNECTION_TESTS.get(item.kind)
    checks = test(item) if test else []
    return render(request, "console/channel.html", _channel_context(brand, item, checks=checks))
