"""Reads for planning: a pool's contact history and its series' parameters, as engine data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

import pandas as pd
from django.conf import settings

from roadie.desk.brands.models import Channel, ChannelKind, Closure, Pool, ServiceLevelPolicy
from roadie.desk.contacts.models import Contact
from roadie.desk.planning.models import PlanStatus, SlotPlan
from roadie.engine.forecast import DayMatrix, ForecastConfig, history_from_frame
from roadie.engine.pipeline import SeriesParams

HISTORY_WEEKS = 8
INTERVAL_MINUTES = 30
# the forecast's settings for the pages (public holidays of its country, France)
FORECAST_CONFIG = ForecastConfig(interval_minutes=INTERVAL_MINUTES)
# engine kind and default handle time (seconds) per channel when the history has too few
KIND = {
    ChannelKind.VOICE: ("call", 300.0), ChannelKind.VIDEO: ("call", 600.0),
    ChannelKind.CHAT: ("chat", 420.0), ChannelKind.WHATSAPP: ("chat", 480.0),
    ChannelKind.SOCIAL: ("chat", 480.0), ChannelKind.EMAIL: ("email", 360.0),
}
MIN_SAMPLES_FOR_AHT = 30


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


def pool_history(pool: Pool, *, before: dt.date) -> dict[str, DayMatrix]:
    """Contacts of the pool's brands per series (brand/channel) and 30-minute interval over the
    last HISTORY_WEEKS weeks before ``before`` (local days), from the first day with contacts.

    A day on which a series had no contact is a day of zeros when the desk was receiving
    contacts that day (some contact of any brand arrived): the series was quiet. A day on
    which no contact at all reached the desk is not taken as zero: the desk may not have been
    running, so the engine reads it as it reads a day with no rows in an export (closed on a
    weekday that is seldom open or on a public holiday, else missing: left out of the fit).
    A brand's closures (``Closure``, the whole brand or that channel) are closed days of its
    series."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(before - dt.timedelta(weeks=HISTORY_WEEKS), dt.time(), zone)
    end = dt.datetime.combine(before, dt.time(), zone)
    rows = Contact.objects.filter(
        brand__in=pool.brands.all(), arrived_at__gte=start, arrived_at__lt=end
    ).values_list("brand__slug", "channel", "arrived_at")
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for slug, channel, arrived in rows.iterator():
        local = arrived.astimezone(zone)
        slot = local.replace(minute=local.minute - local.minute % INTERVAL_MINUTES, second=0,
                             microsecond=0)
        counts[(slug, channel, slot.isoformat())] += 1
    if not counts:
        return {}
    series = {(slug, channel) for slug, channel, _ in counts}
    frame = pd.DataFrame(
        [(start_, slug, channel, n) for (slug, channel, start_), n in counts.items()],
        columns=["start", "brand", "channel", "contacts"],
    )
    # the days the desk received contacts (of any brand): there, a quiet day is a day of zeros
    running = {day.date() for day in Contact.objects.filter(
        arrived_at__gte=start, arrived_at__lt=end).datetimes("arrived_at", "day", tzinfo=zone)}
    first = min(dt.date.fromisoformat(key[2][:10]) for key in counts)
    quiet_days = [
        (dt.datetime.combine(day, dt.time(), zone).isoformat(), s, c, 0)
        for day in (first + dt.timedelta(days=d) for d in range((before - first).days))
        if day in running for s, c in series
    ]
    # and the first day in every slot, so the data's own interval reads as 30 minutes
    quiet_days += [
        ((dt.datetime.combine(first, dt.time(), zone)
          + dt.timedelta(minutes=INTERVAL_MINUTES * k)).isoformat(), s, c, 0)
        for k in range(24 * 60 // INTERVAL_MINUTES) for s, c in series
    ]
    frame = pd.concat([frame, pd.DataFrame(quiet_days, columns=frame.columns)],
                      ignore_index=True)
    closures: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    for slug, channel, day in Closure.objects.filter(
            brand__in=pool.brands.all(), date__gte=first, date__lt=before,
    ).values_list("brand__slug", "channel", "date"):
        closures[(slug, channel)].add(day)
    out: dict[str, DayMatrix] = {}
    for slug, channel in sorted(series):
        part = frame[(frame["brand"] == slug) & (frame["channel"] == channel)]
        out.update(history_from_frame(
            part, interval_minutes=INTERVAL_MINUTES, tz=settings.TIME_ZONE,
            closed_days=frozenset(closures[(slug, "")] | closures[(slug, channel)]),
            country=FORECAST_CONFIG.country))
    return out


def pool_params(pool: Pool, series: list[str]) -> dict[str, SeriesParams]:
    """Targets from the brands' service-level policies, Sunday opening from their channels,
    handle times measured on resolved contacts when there are enough of them."""
    policies = {(p.brand.slug, p.channel): p
                for p in ServiceLevelPolicy.objects.filter(brand__in=pool.brands.all())
                .select_related("brand")}
    sundays = {(c.brand.slug, c.kind) for c in Channel.objects.filter(
        brand__in=pool.brands.all(), enabled=True, sunday_open=True).select_related("brand")}
    params = {}
    for name in series:
        slug, channel = name.split("/", 1)
        kind, default_aht = KIND.get(channel, ("call", 300.0))
        measured = Contact.objects.filter(
            brand__slug=slug, channel=channel, answered_at__isnull=False,
            resolved_at__isnull=False,
        ).order_by("-arrived_at")[:500]
        handled = [c.resolved_at - c.answered_at for c in measured.only("answered_at",
                                                                         "resolved_at")]
        aht = default_aht
        if len(handled) >= MIN_SAMPLES_FOR_AHT:
            aht = max(sum(h.total_seconds() for h in handled) / len(handled), 30.0)
        policy = policies.get((slug, channel))
        params[name] = SeriesParams(
            pool=pool.slug, kind=kind, aht_seconds=aht,
            service_level=float(policy.target) if policy and 0 < policy.target < 1 else 0.8,
            answer_seconds=float(policy.answer_seconds) if policy else 20.0,
            shrinkage=0.3, concurrency=2 if kind == "chat" else 1,
            sunday_open=(slug, channel) in sundays,
        )
    return params


def latest_plan(pool: Pool, first_day: dt.date) -> SlotPlan | None:
    return (SlotPlan.objects.filter(pool=pool, first_day=first_day)
            .exclude(status=PlanStatus.SUPERSEDED).first())


def pools_overview(first_day: dt.date) -> list[dict]:
    out = []
    for pool in Pool.objects.order_by("name").prefetch_related("brands"):
        plan = latest_plan(pool, first_day)
        out.append({"pool": pool, "plan": plan})
    return out



# --------------------------------------------------------------------------------------------
# the parameters a planner may change before proposing
# --------------------------------------------------------------------------------------------

# form field -> (SeriesParams field, lowest, highest, factor from the form to the engine)
EDITABLE = {
    "aht": ("aht_seconds", 1.0, 7200.0, 1.0),
    "target": ("service_level", 1.0, 99.9, 0.01),
    "answer": ("answer_seconds", 0.0, 7 * 86400.0, 1.0),  # email: up to a week
    "patience": ("patience_seconds", 1.0, 7200.0, 1.0),
    "shrinkage": ("shrinkage", 0.0, 90.0, 0.01),
    "concurrency": ("concurrency", 1.0, 10.0, 1.0),
}


def series_rows(pool: Pool, *, before: dt.date, plan: SlotPlan | None = None) -> list[dict]:
    """The pool's series (brand x channel with contacts in the last HISTORY_WEEKS weeks), with
    their brand and channel names and the parameters a proposal would use, as form values:
    those ``plan`` was made with where it has the series (``from_plan``), else the defaults."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(before - dt.timedelta(weeks=HISTORY_WEEKS), dt.time(), zone)
    end = dt.datetime.combine(before, dt.time(), zone)
    found = (Contact.objects.filter(brand__in=pool.brands.all(), arrived_at__gte=start,
                                    arrived_at__lt=end)
             .values_list("brand__slug", "brand__name", "channel").distinct())
    names = {f"{slug}/{channel}": (brand, channel) for slug, brand, channel in found}
    params = pool_params(pool, sorted(names))
    used = (plan.series_params or {}) if plan is not None else {}
    rows = []
    for i, series in enumerate(sorted(names, key=lambda s: (names[s][0], s))):
        brand, channel = names[series]
        p = params[series]
        if series in used:
            p = replace(p, **engine_fields(used[series]))
        rows.append({
            "index": i, "series": series, "brand": brand,
            "channel": ChannelKind(channel).label if channel in ChannelKind.values else channel,
            "kind": p.kind,
            "aht": round(p.aht_seconds), "target": round(p.service_level * 100, 1),
            "answer": round(p.answer_seconds), "shrinkage": round(p.shrinkage * 100, 1),
            "patience": "" if p.patience_seconds is None else round(p.patience_seconds),
            "concurrency": p.concurrency, "from_plan": series in used,
        })
    return rows


def parse_overrides(data, rows: list[dict]) -> dict[str, dict]:
    """The form's values per series, checked; ValueError names the series and the field."""
    from django.utils.translation import gettext as _

    out: dict[str, dict] = {}
    for row in rows:
        values: dict = {}
        for name, (field, low, high, factor) in EDITABLE.items():
            text = str(data.get(f"s{row['index']}-{name}", "")).strip().replace(",", ".")
            if text == "":
                if name == "patience":
                    values[field] = None  # nobody hangs up: Erlang C
                    continue
                raise ValueError(_("%(series)s: %(field)s is required")
                                 % {"series": f"{row['brand']} {row['channel']}", "field": name})
            try:
                number = float(text)
            except ValueError:
                number = float("nan")
            if not low <= number <= high or (name == "concurrency" and number != int(number)):
                raise ValueError(_("%(series)s: %(field)s must be a number from %(low)s to "
                                   "%(high)s") % {"series": f"{row['brand']} {row['channel']}",
                                                  "field": name, "low": f"{low:g}",
                                                  "high": f"{high:g}"})
            values[field] = int(number) if name == "concurrency" else number * factor
        out[row["series"]] = values
    return out


def engine_fields(changes: dict) -> dict:
    """Stored overrides -> SeriesParams keyword arguments (only the editable fields)."""
    allowed = {field for field, *_ in EDITABLE.values()}
    return {k: v for k, v in changes.items() if k in allowed}


def latest_request(pool: Pool, first_day: dt.date):
    from roadie.desk.planning.models import PlanRequest

    return PlanRequest.objects.filter(pool=pool, first_day=first_day).first()
