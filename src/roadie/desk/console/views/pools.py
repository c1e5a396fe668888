"""Console page of the pools (operator administrator): which brands each serves together, and
where and after how long its contacts overflow. Writes go through ``brands.pools.save_pool``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from roadie.desk.brands.models import Brand, Pool
from roadie.desk.brands.pools import save_pool
from roadie.desk.console.views.agents import admin_page
from roadie.desk.console.views.common import errors_of


@admin_page
def pools(request):
    errors, failed = {}, None
    if request.method == "POST":
        post = request.POST
        pool = Pool.objects.filter(slug=post.get("pool", "")).first() if post.get("pool") else None
        try:
            save_pool(request.user, pool=pool, slug=post.get("slug", ""), name=post.get("name", ""),
                      brands=post.getlist("brands"), overflow_to=post.get("overflow_to") or None,
                      overflow_after_seconds=post.get("overflow_after_seconds", "120"))
        except ValidationError as exc:
            errors, failed = errors_of(exc), post.get("pool") or "new"
        else:
            messages.success(request, _("Pool saved."))
            return redirect("console-pools")
    return render(request, "console/pools.html", {
        "pools": Pool.objects.prefetch_related("brands").select_related("overflow_to").order_by("name"),
        "all_brands": Brand.objects.order_by("name"), "errors": errors, "failed": failed,
    }, status=422 if errors else 200)
