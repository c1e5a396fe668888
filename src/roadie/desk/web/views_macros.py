"""Saved replies (macros) of a brand: list, create, edit and delete, for supervisors (every
brand) and the brand's administrators (their own). Agents use them in the reply box."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from roadie.desk.accounts.access import brand_scope, can_edit_macros, can_supervise
from roadie.desk.brands.models import Brand
from roadie.desk.contacts import actions
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.macros import PLACEHOLDERS
from roadie.desk.contacts.models import Macro
from roadie.desk.web.guards import macros_page


def _brands(user):
    if can_supervise(user):
        return Brand.objects.filter(is_active=True).order_by("name")
    own = brand_scope(user)
    return Brand.objects.filter(pk=own) if own is not None else Brand.objects.none()


def _brand(user, slug: str) -> Brand:
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None or not can_edit_macros(user, brand.pk):
        raise Http404("No such brand")
    return brand


def _form(request) -> dict:
    return {k: request.POST.get(k, "") for k in ("title", "body", "language")}


@macros_page
def home(request):
    brands = list(_brands(request.user))
    if len(brands) == 1:
        return redirect("macros-brand", brand_slug=brands[0].slug)
    counts = {b.pk: 0 for b in brands}
    for brand_id in Macro.objects.filter(brand__in=brands).values_list("brand_id", flat=True):
        counts[brand_id] += 1
    return render(request, "roadie/macros.html", {
        "brands": [(b, counts[b.pk]) for b in brands]})


@macros_page
def brand_macros(request, brand_slug: str):
    brand = _brand(request.user, brand_slug)
    form, status = {"language": ""}, 200
    if request.method == "POST":
        form = _form(request)
        try:
            macro = actions.save_macro(request.user, brand, **form)
            messages.success(request, _("Saved reply “%(title)s” created.") % {"title": macro.title})
            return redirect("macros-brand", brand_slug=brand.slug)
        except ActionError as exc:
            messages.error(request, str(exc))
            status = 400
    return render(request, "roadie/macros_brand.html", {
        "brand": brand, "macros": Macro.objects.filter(brand=brand).order_by("title"), "form": form,
        "placeholders": PLACEHOLDERS, "several": len(_brands(request.user)[:2]) > 1,
    }, status=status)


def _macro(request, brand_slug: str, macro_id: int) -> Macro:
    brand = _brand(request.user, brand_slug)
    macro = Macro.objects.select_related("brand").filter(pk=macro_id, brand=brand).first()
    if macro is None:
        raise Http404("No such saved reply")
    return macro


@macros_page
def edit(request, brand_slug: str, macro_id: int):
    macro = _macro(request, brand_slug, macro_id)
    form, status = {"title": macro.title, "body": macro.body, "language": macro.language}, 200
    if request.method == "POST":
        form = _form(request)
        try:
            actions.save_macro(request.user, macro.brand, macro_id=macro.pk, **form)
            messages.success(request, _("Saved reply updated."))
            return redirect("macros-brand", brand_slug=brand_slug)
        except ActionError as exc:
            messages.error(request, str(exc))
            status = 400
    return render(request, "roadie/macro_edit.html", {
        "brand": macro.brand, "macro": macro, "form": form, "placeholders": PLACEHOLDERS}, status=status)


@macros_page
@require_POST
def delete(request, brand_slug: str, macro_id: int):
    macro = _macro(request, brand_slug, macro_id)
    try:
        actions.delete_macro(request.user, macro)
        messages.success(request, _("Saved reply “%(title)s” deleted.") % {"title": macro.title})
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("macros-brand", brand_slug=brand_slug)
