"""Console pages of a brand: create it, its settings (name, language, time zone, masked fields,
history, active), opening hours per channel, closures, service levels and wrap-up codes. Every
write goes through ``roadie.desk.brands.actions`` (the same path as the REST API)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.accounts import access
from roadie.desk.brands import actions
from roadie.desk.brands.models import ChannelKind, Closure, CustomerField, Weekday
from roadie.desk.console.views.common import (
    brand_or_404,
    checked,
    errors_of,
    parse_date,
    parse_time,
)
from roadie.desk.web.guards import console_page

RANGES_PER_DAY = 2


def _hours_grid(brand, scope: str) -> list[dict]:
    ranges = {}
    for h in brand.opening_hours.filter(channel=scope).order_by("weekday", "opens"):
        ranges.setdefault(h.weekday, []).append(h)
    grid = []
    for value, label in Weekday.choices:
        day = ranges.get(value, [])
        grid.append({"weekday": value, "label": label,
                     "ranges": [{"n": n, "opens": day[n].opens if n < len(day) else None,
                                 "closes": day[n].closes if n < len(day) else None}
                                for n in range(max(RANGES_PER_DAY, len(day)))]})
    return grid


def _context(request, brand, **extra) -> dict:
    scope = request.GET.get("hours", "") if request.method == "GET" else request.POST.get("scope", "")
    scope = scope if scope in ChannelKind.values else ""
    policies = {p.channel: p for p in brand.service_levels.all()}
    return {
        "brand": brand, "is_admin": access.is_admin(request.user),
        "customer_fields": CustomerField.choices, "kinds": ChannelKind.choices,
        "scope": scope, "hours_grid": _hours_grid(brand, scope),
        "hour_scopes": sorted({h.channel for h in brand.opening_hours.all()}),
        "closures": brand.closures.order_by("date"),
        "policies": [{"channel": v, "label": label, "policy": policies.get(v)} for v, label in ChannelKind.choices],
        "wrap_up_codes": brand.wrap_up_codes.order_by("code"),
        "errors": {}, "section": "", **extra,
    }


def _render(request, brand, status=200, **extra):
    return render(request, "console/brand.html", _context(request, brand, **extra), status=status)


def _save_section(request, brand, *, section: str, write, done: str, to: str | None = None,
                  refresh: bool = False):
    """One section of the brand page saved by ``write()``: a refusal shows the page again (422)
    with the section's errors, nothing written; otherwise ``done`` and back to the brand page."""
    try:
        write()
    except ValidationError as exc:
        if refresh:
            brand.refresh_from_db()
        return _render(request, brand, status=422, errors=errors_of(exc), section=section)
    messages.success(request, done)
    return redirect(to or reverse("console-brand", args=[brand.slug]))


@console_page
def brand_new(request):
    if not access.is_admin(request.user):
        raise PermissionDenied("only the operator administrator creates brands")
    errors = {}
    values = {"show_history": True, "masked_fields": [], "default_language": "fr", "timezone": "Europe/Paris"}
    if request.method == "POST":
        form = request.POST
        values = {"slug": form.get("slug", ""), "name": form.get("name", ""),
                  "default_language": form.get("default_language", "fr"), "timezone": form.get("timezone", ""),
                  "masked_fields": form.getlist("masked_fields"), "show_history": checked(form, "show_history")}
        try:
            brand = actions.create_brand(
                request.user, slug=form.get("slug", ""), name=form.get("name", ""),
                default_language=form.get("default_language", "fr"),
                timezone=form.get("timezone", "").strip() or "Europe/Paris",
                masked_fields=form.getlist("masked_fields"), show_history=checked(form, "show_history"))
        except ValidationError as exc:
            errors = errors_of(exc)
        else:
            messages.success(request, _("Brand created. Add its channels, hours and service levels."))
            return redirect("console-brand", slug=brand.slug)
    return render(request, "console/brand_new.html",
                  {"errors": errors, "values": values, "customer_fields": CustomerField.choices},
                  status=422 if errors else 200)


@console_page
def brand(request, slug: str):
    brand = brand_or_404(request.user, slug)
    if request.method != "POST":
        return _render(request, brand)
    form = request.POST
    changes = {"name": form.get("name", ""), "default_language": form.get("default_language", "fr"),
               "timezone": form.get("timezone", "").strip(), "masked_fields": form.getlist("masked_fields"),
               "show_history": checked(form, "show_history")}
    if access.is_admin(request.user):
        changes["is_active"] = checked(form, "is_active")
    return _save_section(request, brand, section="settings", refresh=True, done=_("Brand settings saved."),
                         write=lambda: actions.update_brand(request.user, brand, **changes))


@console_page
@require_POST
def hours(request, slug: str):
    brand = brand_or_404(request.user, slug)
    scope = request.POST.get("scope", "")

    def write():
        ranges = []
        for value, label in Weekday.choices:
            for n in range(RANGES_PER_DAY):
                opens = parse_time(request.POST.get(f"h-{value}-{n}-opens"), "opening_hours")
                closes = parse_time(request.POST.get(f"h-{value}-{n}-closes"), "opening_hours")
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None:
                    raise ValidationError({"opening_hours": [_("%(day)s: give both the opening and the closing time")
                                                             % {"day": label}]})
                ranges.append(actions.Range(weekday=value, opens=opens, closes=closes))
        actions.set_opening_hours(request.user, brand, ranges, channel=scope)

    return _save_section(request, brand, section="hours", write=write, done=_("Opening hours saved."),
                         to=reverse("console-brand", args=[brand.slug]) + f"?hours={scope}#hours-h")


@console_page
@require_POST
def closure_add(request, slug: str):
    brand = brand_or_404(request.user, slug)
    return _save_section(request, brand, section="closures", done=_("Closure added."), write=lambda: actions.add_closure(
        request.user, brand, day=parse_date(request.POST.get("date"), "date"),
        channel=request.POST.get("channel", ""), reason=request.POST.get("reason", "").strip()))


@console_page
@require_POST
def closure_delete(request, slug: str, closure_id: int):
    brand = brand_or_404(request.user, slug)
    actions.remove_closure(request.user, get_object_or_404(Closure, pk=closure_id, brand=brand))
    messages.success(request, _("Closure removed."))
    return redirect("console-brand", slug=brand.slug)


@console_page
@require_POST
def service_levels(request, slug: str):
    brand = brand_or_404(request.user, slug)

    def write():
        for kind in ChannelKind.values:
            target, seconds = request.POST.get(f"sl-{kind}-target", "").strip(), request.POST.get(f"sl-{kind}-seconds", "").strip()
            if not target and not seconds:
                continue
            try:
                share = float(target.replace(",", ".")) / 100
            except ValueError:
                raise ValidationError({"target": [_("%(kind)s: the target is a percentage") % {"kind": kind}]}) from None
            actions.set_service_level(request.user, brand, channel=kind, target=round(share, 3), answer_seconds=seconds)

    return _save_section(request, brand, section="service_levels", write=write, done=_("Service levels saved."))


@console_page
@require_POST
def wrap_up(request, slug: str):
    brand = brand_or_404(request.user, slug)

    def write():
        for item in brand.wrap_up_codes.all():
            label = request.POST.get(f"w-{item.pk}-label")
            if label is not None and (label != item.label or request.POST.get(f"w-{item.pk}-label_en", "") != item.label_en):
                actions.set_wrap_up_code(request.user, brand, code=item.code, label=label,
                                         label_en=request.POST.get(f"w-{item.pk}-label_en", ""))
        code = request.POST.get("new-code", "").strip()
        if code:
            actions.set_wrap_up_code(request.user, brand, code=code, label=request.POST.get("new-label", ""),
                                     label_en=request.POST.get("new-label_en", ""))

    return _save_section(request, brand, section="wrap_up", write=write, done=_("Wrap-up codes saved."))
