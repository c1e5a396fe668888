"""The audit log viewer: who read or changed what, filtered by user, brand, object and date,
newest first, 50 a page. The administrator sees every entry; a brand administrator their brand's."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from roadie.desk.accounts import access
from roadie.desk.audit.models import AuditEntry
from roadie.desk.console.views.common import administered_brands
from roadie.desk.web.guards import role_page

audit_page = role_page(access.can_read_audit, "administrators only")
PER_PAGE = 50


def _day(value: str):
    try:
        return datetime.fromisoformat(value).date()
    except (TypeError, ValueError):
        return None


@audit_page
def audit(request):
    entries = AuditEntry.objects.select_related("user", "brand").order_by("-at", "-pk")
    if not access.is_admin(request.user):
        entries = entries.filter(brand_id=request.user.brand_id)
    q = request.GET
    if q.get("user"):
        entries = entries.filter(user__username=q["user"].strip())
    if q.get("brand"):
        entries = entries.filter(brand__slug=q["brand"])
    if q.get("object"):
        kind, _sep, pk = q["object"].strip().partition(":")
        entries = entries.filter(object_type=kind.lower())
        if pk:
            entries = entries.filter(object_id=pk)
    if q.get("action"):
        entries = entries.filter(action__startswith=q["action"].strip())
    tz = timezone.get_current_timezone()
    start, end = _day(q.get("from")), _day(q.get("to"))
    if start:
        entries = entries.filter(at__gte=datetime.combine(start, time(0), tz))
    if end:
        entries = entries.filter(at__lt=datetime.combine(end + timedelta(days=1), time(0), tz))
    page = Paginator(entries, PER_PAGE).get_page(q.get("page"))
    query = q.copy()
    query.pop("page", None)
    return render(request, "console/audit.html", {
        "page": page, "filters": q, "brands": administered_brands(request.user),
        "query": query.urlencode(), "types": sorted(set(AuditEntry.objects.values_list("object_type", flat=True)
                                                        .order_by().distinct()[:50])),
    })
