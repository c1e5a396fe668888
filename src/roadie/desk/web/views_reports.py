"""History (charts and CSV) and contact lists, for supervisors (every brand) and for a brand's
own users (their brand only)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from roadie.desk.brands.models import Brand, ChannelKind, ServiceLevelPolicy
from roadie.desk.contacts.access import visible_contacts
from roadie.desk.contacts.models import Status
from roadie.desk.routing.lib import all_brands
from roadie.desk.web.charts import volume_and_sl_svg
from roadie.desk.web.guards import brand_page, supervisor_page
from roadie.desk.web.lib import shown_rows
from roadie.desk.web.reports import PeriodError, history, history_csv, parse_period

PAGE_SIZE = 50
STATUS_FILTERS = {
    "waiting": [Status.QUEUED, Status.OFFERED], "active": [Status.ACTIVE],
    "customer": [Status.WAITING], "resolved": [Status.RESOLVED], "abandoned": [Status.ABANDONED],
}


def _charts(hist, *, targets: dict[str, float]) -> list[dict]:
    labels = [b.key[5:] if hist.period.by == "day" else b.key[11:13] for b in hist.series]
    out = [{"title": _("All channels"), "svg": volume_and_sl_svg(
        labels, [b.arrived for b in hist.series], [b.service_level for b in hist.series],
        title=_("All channels"), volume_label=_("contacts"), level_label=_("service level"),
        description=_("Contacts per interval (bars) and service level (line)."))}]
    for channel, buckets in hist.by_channel_series.items():
        label = ChannelKind(channel).label if channel in ChannelKind.values else channel
        out.append({"title": label, "svg": volume_and_sl_svg(
            labels, [b.arrived for b in buckets], [b.service_level for b in buckets],
            title=str(label), target=targets.get(channel), volume_label=_("contacts"),
            level_label=_("service level"),
            description=_("Contacts per interval (bars) and service level (line) against the target (dashed)."))})
    return out


def _history_page(request, brands, *, template: str, extra: dict):
    channel = request.GET.get("channel", "")
    if channel and channel not in ChannelKind.values:
        return HttpResponse(f"channel: expected one of {', '.join(ChannelKind.values)}", status=400,
                            content_type="text/plain")
    try:
        period = parse_period(request.GET)
    except PeriodError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    if request.GET.get("format") == "csv":
        response = HttpResponse(history_csv(brands, period, channel=channel), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="roadie-history-{period.start}-{period.end}.csv"'
        return response
    hist = history(brands, period, channel=channel)
    targets = {p.channel: float(p.target) for p in ServiceLevelPolicy.objects.filter(brand__in=brands)}
    query = request.GET.copy()
    query["format"] = "csv"
    return render(request, template, {
        **extra, "hist": hist, "period": period, "channel": channel, "channels": ChannelKind.choices,
        "charts": _charts(hist, targets=targets), "csv_query": query.urlencode(),
    })


@supervisor_page
def board_history(request):
    brands = list(all_brands())
    slug = request.GET.get("brand", "")
    chosen = [b for b in brands if b.slug == slug] if slug else brands
    if slug and not chosen:
        return HttpResponse(f"brand: no brand {slug!r}", status=400, content_type="text/plain")
    return _history_page(request, chosen, template="roadie/history.html",
                         extra={"brands": brands, "brand_slug": slug, "audience": "board"})


def _contact_list(request, brands, *, template: str, extra: dict):
    query = visible_contacts(request.user).filter(brand__in=brands).select_related("brand", "customer", "agent__user")
    status = request.GET.get("status", "")
    if status and status not in STATUS_FILTERS:
        return HttpResponse(f"status: expected one of {', '.join(STATUS_FILTERS)}", status=400,
                            content_type="text/plain")
    if status:
        query = query.filter(status__in=STATUS_FILTERS[status])
    channel = request.GET.get("channel", "")
    if channel:
        query = query.filter(channel=channel)
    slug = request.GET.get("brand", "")
    if slug:
        query = query.filter(brand__slug=slug)
    q = request.GET.get("q", "").strip()
    if q:
        match = Q(subject__icontains=q) | Q(customer__name__icontains=q) | Q(tags__icontains=q)
        if q.lstrip("#").isdigit():
            match |= Q(pk=int(q.lstrip("#")))
        query = query.filter(match)
    if request.GET.get("format") == "csv":
        from roadie.desk.web.contacts_csv import contacts_csv

        response = HttpResponse(contacts_csv(request.user, query, brands=brands), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="roadie-contacts-{timezone.localdate()}.csv"'
        return response
    order = "deadline_at" if status == "waiting" else "-arrived_at"
    page = Paginator(query.order_by(order, "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    shown_rows(request.user, list(page.object_list))
    params = request.GET.copy()
    params.pop("page", None)
    csv_params = params.copy()
    csv_params["format"] = "csv"
    return render(request, template, {
        **extra, "page": page, "csv_query": csv_params.urlencode(), "rows": page.object_list, "status": status, "channel": channel,
        "q": q, "brand_slug": slug, "channels": ChannelKind.choices, "params": params.urlencode(),
        "statuses": [("waiting", _("Waiting")), ("active", _("In progress")),
                     ("customer", _("Waiting on the customer")), ("resolved", _("Resolved")),
                     ("abandoned", _("Abandoned"))],
    })


@supervisor_page
def board_contacts(request):
    brands = list(all_brands())
    return _contact_list(request, brands, template="roadie/contacts.html",
                         extra={"brands": brands, "audience": "board"})


def _own_brand(request) -> list[Brand]:
    return list(Brand.objects.filter(pk=request.user.brand_id))


@brand_page
def brand_contacts(request):
    return _contact_list(request, _own_brand(request), template="roadie/contacts.html",
                         extra={"brands": [], "audience": "brand", "brand": request.user.brand})


@brand_page
def brand_history(request):
    return _history_page(request, _own_brand(request), template="roadie/history.html",
                         extra={"brands": [], "audience": "brand", "brand": request.user.brand})
