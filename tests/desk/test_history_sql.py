"""The history's sums are made by the database (``web.reports``: one grouped query per
interval, brand and channel). They must stay what the per-contact count in Python gave: the
same intervals in Europe/Paris (a contact at 00:30 Paris is on the next day; the two 02:30 of
the autumn change share one hour, the missing hour of the spring change has none), the same
service level (docs/concepts.md#service-level), volumes, abandons and handle times, on the
pages and in the CSV. The reference below is that Python count, kept as it was."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.desk.contacts.models import Contact, Customer, Status
from roadie.desk.web.reports import CSV_HEADER, Bucket, Period, history, history_csv

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
STATUSES = [Status.QUEUED, Status.OFFERED, Status.ACTIVE, Status.WAITING, Status.RESOLVED,
            Status.ABANDONED]


# --- the reference: the history as it was counted in Python, one row per contact ----------

def _classify(status, answered_at, resolved_at, deadline_at, now) -> str:
    if answered_at is not None:
        return "answered_in_time" if answered_at <= deadline_at else "answered_late"
    if status == Status.ABANDONED:
        return "abandoned_late" if resolved_at and resolved_at > deadline_at else "abandoned_early"
    if status in (Status.QUEUED, Status.OFFERED):
        return "waiting_late" if deadline_at < now else "waiting_in_time"
    return ""


def _key(at: datetime, by: str) -> str:
    local = at.astimezone(PARIS)
    return local.strftime("%Y-%m-%d") if by == "day" else local.strftime("%Y-%m-%d %H:00")


def reference_cells(brands, period: Period, now: datetime) -> dict[tuple[str, str, str], Bucket]:
    cells: dict[tuple[str, str, str], Bucket] = {}
    for c in Contact.objects.filter(brand__in=brands, arrived_at__gte=period.start_at,
                                    arrived_at__lt=period.end_at).select_related("brand"):
        key = (_key(c.arrived_at, period.by), c.brand.name, c.channel)
        b = cells.setdefault(key, Bucket(key=key[0]))
        b.arrived += 1
        b.answered += c.answered_at is not None
        b.abandoned += c.status == Status.ABANDONED
        kind = _classify(c.status, c.answered_at, c.resolved_at, c.first_deadline_at or c.deadline_at, now)
        if kind:
            b.sl[kind] += 1
        if c.status == Status.RESOLVED and c.answered_at and c.resolved_at:
            b.handled += 1
            b.handle_seconds += (c.resolved_at - c.answered_at).total_seconds()
    return cells


def reference_csv(cells) -> list[list[str]]:
    rows = [CSV_HEADER]
    for (interval, brand_name, chan), b in sorted(cells.items()):
        sl = b.service_level
        rows.append([interval, brand_name, chan, str(b.arrived), str(b.answered), str(b.abandoned),
                     "" if sl is None else f"{sl:.4f}", str(b.counts.answered_in_time),
                     str(b.counts.counted), str(b.handled), "" if b.aht_seconds is None else str(b.aht_seconds)])
    return rows


def _figures(b: Bucket) -> tuple:
    return (b.arrived, b.answered, b.abandoned, b.handled, b.counts, b.aht_seconds,
            round(b.handle_seconds, 3))


def assert_same_as_reference(brands, period: Period, now: datetime) -> None:
    cells = reference_cells(brands, period, now)
    hist = history(brands, period, now=now)
    totals: dict[str, Bucket] = defaultdict(lambda: Bucket(key=""))
    per_channel: dict[tuple[str, str], Bucket] = defaultdict(lambda: Bucket(key=""))
    queues: dict[tuple[str, str], Bucket] = defaultdict(lambda: Bucket(key=""))
    total = Bucket(key="total")
    for (interval, brand_name, chan), cell in cells.items():
        for b in (totals[interval], per_channel[(chan, interval)], queues[(brand_name, chan)], total):
            b.add(cell)
    assert len(hist.series) == ((period.end - period.start).days + 1) * (1 if period.by == "day" else 24)
    assert {b.key: _figures(b) for b in hist.series if b.arrived} == {k: _figures(b) for k, b in totals.items()}
    assert sum(b.arrived for b in hist.series) == total.arrived
    assert {(c, b.key): _figures(b) for c, bs in hist.by_channel_series.items() for b in bs if b.arrived} == {
        k: _figures(b) for k, b in per_channel.items()}
    assert {k: _figures(b) for k, b in hist.by_queue.items()} == {k: _figures(b) for k, b in queues.items()}
    assert list(hist.by_queue) == sorted(queues)
    assert _figures(hist.total) == _figures(total)
    assert list(csv.reader(io.StringIO(history_csv(brands, period, now=now)))) == reference_csv(cells)


# --- the seeded contacts ---------------------------------------------------------------

def _seed(brands, specs, *, origin: datetime) -> None:
    """``specs``: (brand index, channel, minutes after ``origin``, status, answer delay, resolve
    delay, deadline delay, first deadline kept) per contact, written as rows."""
    customers = {b.pk: Customer.objects.create(brand=b, name="C") for b in brands}
    rows = []
    for brand_i, channel, minutes, status, answer_s, resolve_s, deadline_s, first in specs:
        brand = brands[brand_i]
        arrived = origin + timedelta(minutes=minutes)
        deadline = arrived + timedelta(seconds=deadline_s)
        answered = arrived + timedelta(seconds=answer_s) if answer_s is not None else None
        resolved = None
        if status in (Status.RESOLVED, Status.ABANDONED) and resolve_s is not None:
            resolved = (answered or arrived) + timedelta(seconds=resolve_s, microseconds=resolve_s * 7919 % 10**6)
        rows.append(Contact(brand=brand, channel=channel, customer=customers[brand.pk], status=status,
                            arrived_at=arrived, queued_at=arrived, deadline_at=deadline,
                            first_deadline_at=deadline - timedelta(seconds=30) if first else None,
                            answered_at=answered, resolved_at=resolved))
    Contact.objects.bulk_create(rows)


def _random_specs(rng: random.Random, n: int, *, span_minutes: int):
    return [(rng.randrange(2), rng.choice(["chat", "email", "voice"]), rng.randrange(-180, span_minutes + 180),
             rng.choice(STATUSES), rng.choice([None, rng.randrange(1, 400)]),
             rng.choice([None, rng.randrange(0, 4000)]), rng.randrange(0, 300), rng.random() < 0.5)
            for _ in range(n)]


@pytest.mark.parametrize("by", ["day", "hour"])
@pytest.mark.parametrize(("start", "days"), [
    (date(2026, 10, 24), 3),  # the autumn change: 03:00 CEST becomes 02:00 CET on the 25th
    (date(2026, 3, 28), 3),  # the spring change: 02:00 CET becomes 03:00 CEST on the 29th
    (date(2026, 11, 30), 2),  # an ordinary day boundary
])
def test_sums_in_the_database_match_the_count_per_contact(by, start, days, make_brand):
    brands = [make_brand(), make_brand()]
    period = Period(start=start, end=start + timedelta(days=days - 1), by=by)
    rng = random.Random(f"{start}-{by}")
    _seed(brands, _random_specs(rng, 240, span_minutes=days * 24 * 60), origin=period.start_at)
    now = period.start_at + timedelta(days=days / 2)
    assert_same_as_reference(brands, period, now)


def test_a_paris_night_and_the_autumn_change_fall_in_the_right_intervals(make_brand):
    brand = make_brand()
    customer = Customer.objects.create(brand=brand, name="C")
    arrivals = [
        datetime(2026, 10, 23, 22, 30, tzinfo=UTC),  # 00:30 Paris on the 24th
        datetime(2026, 10, 24, 21, 59, tzinfo=UTC),  # 23:59 Paris on the 24th
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, the same wall-clock hour
        datetime(2026, 10, 25, 22, 59, tzinfo=UTC),  # 23:59 CET on the 25th
        datetime(2026, 10, 25, 23, 0, tzinfo=UTC),  # 00:00 on the 26th: after the period
    ]
    Contact.objects.bulk_create(Contact(brand=brand, channel="chat", customer=customer, status=Status.RESOLVED,
                                        arrived_at=at, queued_at=at, deadline_at=at + timedelta(minutes=1),
                                        answered_at=at + timedelta(seconds=20),
                                        resolved_at=at + timedelta(minutes=5)) for at in arrivals)
    now = datetime(2026, 10, 27, 12, tzinfo=PARIS)
    by_day = history([brand], Period(start=date(2026, 10, 24), end=date(2026, 10, 25)), now=now)
    assert [(b.key, b.arrived) for b in by_day.series] == [("2026-10-24", 2), ("2026-10-25", 3)]
    assert by_day.total.service_level == 1.0 and by_day.total.aht_seconds == 280
    by_hour = history([brand], Period(start=date(2026, 10, 25), end=date(2026, 10, 25), by="hour"), now=now)
    assert len(by_hour.series) == 24
    assert {b.key: b.arrived for b in by_hour.series if b.arrived} == {"2026-10-25 02:00": 2, "2026-10-25 23:00": 1}
    assert_same_as_reference([brand], Period(start=date(2026, 10, 24), end=date(2026, 10, 25), by="hour"), now)


contact_spec = st.tuples(st.integers(0, 1), st.sampled_from(["chat", "email"]), st.integers(-90, 60 * 48 + 90),
                         st.sampled_from(STATUSES), st.one_of(st.none(), st.integers(0, 200)),
                         st.one_of(st.none(), st.integers(0, 3000)), st.integers(0, 200), st.booleans())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(contact_spec, max_size=25), now_minutes=st.integers(0, 60 * 48),
       by=st.sampled_from(["day", "hour"]))
def test_any_contacts_give_the_same_history_as_the_count_per_contact(specs, now_minutes, by, make_brand):
    Contact.objects.all().delete()
    brands = [make_brand(), make_brand()]
    period = Period(start=date(2026, 10, 24), end=date(2026, 10, 25), by=by)
    _seed(brands, specs, origin=period.start_at)
    assert_same_as_reference(brands, period, period.start_at + timedelta(minutes=now_minutes))
