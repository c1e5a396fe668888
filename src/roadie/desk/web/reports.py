"""History for the board and the brand dashboard: service level (the one definition of
``roadie.engine.service_level``), volumes, handle times and abandonment per brand, channel
and day or hour over a chosen period. One query whatever the period; CSV rows the same."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from roadie.desk.contacts.models import Contact, Status, promised_at
from roadie.engine.service_level import ServiceLevelCounts

MAX_DAYS = 92
GROUPINGS = ("day", "hour")


class PeriodError(ValueError):
    """A period that cannot be reported on (the message names the field)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    by: str = "day"

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time()))

    @property
    def end_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time()))


def parse_period(params, *, today: date | None = None) -> Period:
    """``start``, ``end`` (YYYY-MM-DD, default: the last 7 days) and ``by`` (day or hour)."""
    today = today or timezone.localdate()
    try:
        end = date.fromisoformat(params.get("end") or today.isoformat())
    except ValueError:
        raise PeriodError("end: give a date as YYYY-MM-DD") from None
    try:
        start = date.fromisoformat(params.get("start") or (end - timedelta(days=6)).isoformat())
    except ValueError:
        raise PeriodError("start: give a date as YYYY-MM-DD") from None
    by = params.get("by") or "day"
    if by not in GROUPINGS:
        raise PeriodError(f"by: expected one of {', '.join(GROUPINGS)}")
    if start > end:
        raise PeriodError("start: must be on or before end")
    if (end - start).days >= MAX_DAYS:
        raise PeriodError(f"end: a period of at most {MAX_DAYS} days")
    return Period(start=start, end=end, by=by)


@dataclass
class Bucket:
    """The contacts that arrived in one interval (one brand and channel, or all of them)."""

    key: str
    arrived: int = 0
    answered: int = 0
    abandoned: int = 0
    handled: int = 0
    handle_seconds: float = 0.0
    sl: dict = field(default_factory=lambda: defaultdict(int))

    @property
    def counts(self) -> ServiceLevelCounts:
        return ServiceLevelCounts(**self.sl)

    @property
    def service_level(self) -> float | None:
        return self.counts.value

    @property
    def aht_seconds(self) -> int | None:
        return int(self.handle_seconds / self.handled) if self.handled else None

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.arrived if self.arrived else None


def _classify(status, answered_at, resolved_at, deadline_at, now) -> str:
    """How a contact stands in the service level; ``deadline_at``: its first arrival's promise."""
    if answered_at is not None:
        return "answered_in_time" if answered_at <= deadline_at else "answered_late"
    if status == Status.ABANDONED:
        return "abandoned_late" if resolved_at and resolved_at > deadline_at else "abandoned_early"
    if status in (Status.QUEUED, Status.OFFERED):
        return "waiting_late" if deadline_at < now else "waiting_in_time"
    return ""


def bucket_key(at: datetime, by: str) -> str:
    local = timezone.localtime(at)
    return local.strftime("%Y-%m-%d") if by == "day" else local.strftime("%Y-%m-%d %H:00")


def bucket_keys(period: Period) -> list[str]:
    keys = []
    day = period.start
    while day <= period.end:
        if period.by == "day":
            keys.append(day.isoformat())
        else:
            keys += [f"{day.isoformat()} {h:02d}:00" for h in range(24)]
        day += timedelta(days=1)
    return keys


@dataclass(frozen=True)
class History:
    period: Period
    series: list[Bucket]  # every interval, all brands and channels together
    by_queue: dict[tuple[str, str], Bucket]  # (brand name, channel) over the whole period
    by_channel_series: dict[str, list[Bucket]]  # channel -> one bucket per interval
    total: Bucket


def history(brands, period: Period, *, channel: str = "", now: datetime | None = None) -> History:
    now = now or timezone.now()
    query = Contact.objects.filter(brand__in=brands, arrived_at__gte=period.start_at,
                                   arrived_at__lt=period.end_at)
    if channel:
        query = query.filter(channel=channel)
    keys = bucket_keys(period)
    series = {k: Bucket(key=k) for k in keys}
    channels: dict[str, dict[str, Bucket]] = {}
    queues: dict[tuple[str, str], Bucket] = {}
    total = Bucket(key="total")
    rows = query.annotate(promised=promised_at()).values_list(
        "brand__name", "channel", "status", "arrived_at", "answered_at", "resolved_at", "promised")
    for brand_name, chan, status, arrived_at, answered_at, resolved_at, deadline_at in rows.iterator():
        key = bucket_key(arrived_at, period.by)
        per_channel = channels.setdefault(chan, {k: Bucket(key=k) for k in keys})
        targets = [series.get(key), per_channel.get(key), total,
                   queues.setdefault((brand_name, chan), Bucket(key=f"{brand_name}/{chan}"))]
        kind = _classify(status, answered_at, resolved_at, deadline_at, now)
        for b in targets:
            if b is None:
                continue
            b.arrived += 1
            b.answered += answered_at is not None
            b.abandoned += status == Status.ABANDONED
            if kind:
                b.sl[kind] += 1
            if status == Status.RESOLVED and answered_at and resolved_at:
                b.handled += 1
                b.handle_seconds += (resolved_at - answered_at).total_seconds()
    return History(period=period, series=[series[k] for k in keys],
                   by_queue=dict(sorted(queues.items())),
                   by_channel_series={c: [v[k] for k in keys] for c, v in sorted(channels.items())},
                   total=total)


CSV_HEADER = ["interval", "brand", "channel", "arrived", "answered", "abandoned", "service_level",
              "answered_in_time", "counted", "handled", "aht_seconds"]


def history_csv(brands, period: Period, *, channel: str = "", now: datetime | None = None) -> str:
    """One row per interval, brand and channel (intervals without contacts left out)."""
    now = now or timezone.now()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    cells: dict[tuple[str, str, str], Bucket] = {}
    query = Contact.objects.filter(brand__in=brands, arrived_at__gte=period.start_at,
                                   arrived_at__lt=period.end_at)
    if channel:
        query = query.filter(channel=channel)
    for brand_name, chan, status, arrived_at, answered_at, resolved_at, deadline_at in query.annotate(
            promised=promised_at()).values_list("brand__name", "channel", "status", "arrived_at",
                                                "answered_at", "resolved_at", "promised").iterator():
        key = (bucket_key(arrived_at, period.by), brand_name, chan)
        b = cells.setdefault(key, Bucket(key=key[0]))
        b.arrived += 1
        b.answered += answered_at is not None
        b.abandoned += status == Status.ABANDONED
        kind = _classify(status, answered_at, resolved_at, deadline_at, now)
        if kind:
            b.sl[kind] += 1
        if status == Status.RESOLVED and answered_at and resolved_at:
            b.handled += 1
            b.handle_seconds += (resolved_at - answered_at).total_seconds()
    for (interval, brand_name, chan), b in sorted(cells.items()):
        sl = b.service_level
        writer.writerow([interval, brand_name, chan, b.arrived, b.answered, b.abandoned,
                         "" if sl is None else f"{sl:.4f}", b.counts.answered_in_time, b.counts.counted,
                         b.handled, "" if b.aht_seconds is None else b.aht_seconds])
    return out.getvalue()
