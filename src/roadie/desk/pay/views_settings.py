"""Finance settings: pay rule versions and brand contracts, from a page. Writes go through
``pay.actions.add_rule_version`` (also ``POST /api/pay/rules``) and
``pay.actions.set_brand_contract``."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from roadie.desk.accounts.access import can_handle_money
from roadie.desk.brands.models import Brand, Pool
from roadie.desk.pay import actions
from roadie.desk.pay.models import BrandContract, RuleSet
from roadie.desk.web.guards import role_page
from roadie.engine.pay.invoice import DEFAULT_CONTRACT
from roadie.engine.pay.rules import CHANNELS, DEFAULT_RULES, RuleError

money_page = role_page(can_handle_money, "finance only")


def _json(raw: str, field: str) -> dict:
    try:
        data = json.loads(raw or "")
    except json.JSONDecodeError as exc:
        raise actions.PayError(_("%(field)s: not valid JSON (%(error)s)") % {"field": field, "error": exc.msg}) from None
    if not isinstance(data, dict):
        raise actions.PayError(_("%(field)s: a JSON object") % {"field": field})
    return data


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        raise actions.PayError(_("effective_from: a date, YYYY-MM-DD")) from None


@money_page
def settings(request):
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        form = request.POST.get("form", "")
        try:
            if form == "rule":
                return _rule(request)
            if form == "contract":
                return _contract(request)
            errors["form"] = _("Unknown form.")
        except (actions.PayError, RuleError) as exc:
            errors[form] = str(exc)
    return render(request, "roadie/pay/settings.html", {
        "rules": RuleSet.objects.select_related("brand", "pool").order_by("code", "-version"),
        "contracts": BrandContract.objects.select_related("brand").order_by("brand__name", "-effective_from"),
        "brands": Brand.objects.order_by("name"), "pools": Pool.objects.order_by("name"),
        "channels": CHANNELS, "errors": errors, "values": values,
        "default_rules": json.dumps(DEFAULT_RULES, indent=2),
        "default_contract": json.dumps(DEFAULT_CONTRACT, indent=2),
    }, status=422 if errors else 200)


def _scope(request):
    brand = Brand.objects.filter(slug=request.POST.get("brand") or "-").first()
    pool = Pool.objects.filter(slug=request.POST.get("pool") or "-").first()
    if request.POST.get("brand") and brand is None:
        raise actions.PayError(_("brand: no such brand"))
    if request.POST.get("pool") and pool is None:
        raise actions.PayError(_("pool: no such pool"))
    return brand, pool


def _rule(request):
    brand, pool = _scope(request)
    rule = actions.add_rule_version(
        request.user, code=request.POST.get("code", "").strip(),
        effective_from=_date(request.POST.get("effective_from", "")),
        data=_json(request.POST.get("data", ""), "data"), brand=brand, pool=pool,
        channel=request.POST.get("channel", ""))
    messages.success(request, _("Rule %(code)s version %(version)s saved.")
                     % {"code": rule.code, "version": rule.version})
    return redirect("pay-settings")


def _contract(request):
    brand = Brand.objects.filter(slug=request.POST.get("brand") or "-").first()
    if brand is None:
        raise actions.PayError(_("brand: choose the brand"))
    contract = actions.set_brand_contract(
        request.user, brand=brand, effective_from=_date(request.POST.get("effective_from", "")),
        data=_json(request.POST.get("data", ""), "data"),
        legal_name=request.POST.get("legal_name", ""), address=request.POST.get("address", ""))
    messages.success(request, _("Contract of %(brand)s from %(date)s saved.")
                     % {"brand": brand.name, "date": contract.effective_from})
    return redirect("pay-settings")
