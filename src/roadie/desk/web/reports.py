"""History for the board and the brand dashboard: service level (the one definition of
``roadie.engine.service_level``), volumes, handle times and abandonment per brand, channel
and day or hour over a chosen period. The database does the sums: one grouped query whatever
the period and the number of contacts (one row per interval, brand and channel); CSV rows the
same."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
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

    def add(self, other: Bucket) -> None:
        self.arrived += other.arrived
        self.answered += other.answered
        self.abandoned += other.abandoned
        self.handled += other.handled
        self.handle_seconds += other.handle_seconds
        for kind, n in other.sl.items():
            self.sl[kind] += n

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.arrived if self.arrived else None


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


def _cells(brands, period: Period, *, channel: str, now: datetime) -> dict[tuple[str, str, str], Bucket]:
    """The sums per interval, brand and channel, computed by the database in one grouped query:
    the interval is the arrival's local day (and hour) in the current time zone, computed
    natively (UTC seconds plus the zone's offset, ``_offset_seconds``), each contact
    counted once in the service level by its first answer against its first arrival's promise
    (docs/concepts.md#service-level)."""
    query = Contact.objects.filter(brand__in=brands, arrived_at__gte=period.start_at,
                                   arrived_at__lt=period.end_at)
    if channel:
        query = query.filter(channel=channel)
    size = 86400 if period.by == "day" else 3600
    group = {"slot": ExpressionWrapper((_Epoch("arrived_at") + _offset_seconds(period)) / Value(size),
                                       output_field=IntegerField())}
    answered = Q(answered_at__isnull=False)
    unanswered = Q(answered_at__isnull=True)
    abandoned = unanswered & Q(status=Status.ABANDONED)
    waiting = unanswered & Q(status__in=[Status.QUEUED, Status.OFFERED])
    handled = Q(status=Status.RESOLVED, answered_at__isnull=False, resolved_at__isnull=False)
    sl = {
        "answered_in_time": answered & Q(answered_at__lte=F("promised")),
        "answered_late": answered & Q(answered_at__gt=F("promised")),
        "abandoned_late": abandoned & Q(resolved_at__gt=F("promised")),
        "abandoned_early": abandoned & (Q(resolved_at__isnull=True) | Q(resolved_at__lte=F("promised"))),
        "waiting_late": waiting & Q(promised__lt=now),
        "waiting_in_time": waiting & Q(promised__gte=now),
    }
    duration = ExpressionWrapper(F("resolved_at") - F("answered_at"), output_field=DurationField())
    rows = (query.annotate(promised=promised_at(), **group)
            .values(*group, "brand__name", "channel").order_by()
            .annotate(n_arrived=Count("pk"), n_answered=Count("pk", filter=answered),
                      n_abandoned=Count("pk", filter=Q(status=Status.ABANDONED)),
                      n_handled=Count("pk", filter=handled), handle=Sum(duration, filter=handled),
                      **{f"sl_{k}": Count("pk", filter=q) for k, q in sl.items()}))
    cells: dict[tuple[str, str, str], Bucket] = {}
    for row in rows:
        local = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(row["slot"]) * size)  # wall clock
        key = local.strftime("%Y-%m-%d" if period.by == "day" else "%Y-%m-%d %H:00")
        cell = Bucket(
            key=key, arrived=row["n_arrived"], answered=row["n_answered"],
            abandoned=row["n_abandoned"], handled=row["n_handled"],
            handle_seconds=row["handle"].total_seconds() if row["handle"] else 0.0,
            sl=defaultdict(int, {k: row[f"sl_{k}"] for k in sl if row[f"sl_{k}"]}))
        # The autumn change's two 02:00 local hours are one interval.
        cells.setdefault((key, row["brand__name"], row["channel"]), Bucket(key=key)).add(cell)
    return cells


class _Epoch(Func):
    """Whole seconds since 1970 of a datetime (UTC), natively on each database (no per-row
    Python function on SQLite)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection,
                           template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)", **extra)


def _offset_seconds(period: Period):
    """The current time zone's UTC offset at each arrival of the period, as an SQL CASE over
    the offset's changes (daylight saving) within it: local seconds = UTC seconds + offset."""
    tz = timezone.get_current_timezone()
    start, end = period.start_at.astimezone(UTC), period.end_at.astimezone(UTC)  # steps in real time

    def offset(at: datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())

    changes, at, current = [], start, offset(start)
    while at < end:  # offsets change on the quarter hour at most
        step = at + timedelta(minutes=15)
        if offset(step) != current:
            changes.append((step, current))
            current = offset(step)
        at = step
    if not changes:
        return Value(current, output_field=IntegerField())
    return Case(*(When(arrived_at__lt=change, then=Value(before)) for change, before in changes),
                default=Value(current), output_field=IntegerField())


def history(brands, period: Period, *, channel: str = "", now: datetime | None = None) -> History:
    now = now or timezone.now()
    keys = bucket_keys(period)
    series = {k: Bucket(key=k) for k in keys}
    channels: dict[str, dict[str, Bucket]] = {}
    queues: dict[tuple[str, str], Bucket] = {}
    total = Bucket(key="total")
    for (key, brand_name, chan), cell in _cells(brands, period, channel=channel, now=now).items():
        per_channel = channels.setdefault(chan, {k: Bucket(key=k) for k in keys})
        for b in (series.get(key), per_channel.get(key), total,
                  queues.setdefault((brand_name, chan), Bucket(key=f"{brand_name}/{chan}"))):
            if b is not None:
                b.add(cell)
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
    for (interval, brand_name, chan), b in sorted(_cells(brands, period, channel=channel, now=now).items()):
        sl = b.service_level
        writer.writerow([interval, brand_name, chan, b.arrived, b.answered, b.abandoned,
                         "" if sl is None else f"{sl:.4f}", b.counts.answered_in_time, b.counts.counted,
                         b.handled, "" if b.aht_seconds is None else b.aht_seconds])
    return out.getvalue()
