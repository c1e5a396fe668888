"""Business calendars: opening hours, closures, DST, and time counted in opening hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine.calendar import BusinessCalendar, CalendarError, OpeningRange

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def weekdays(opens: time, closes: time, days: range = range(6)) -> tuple[OpeningRange, ...]:
    return tuple(OpeningRange(d, opens, closes) for d in days)


SHOP = BusinessCalendar(ranges=weekdays(time(9), time(18)))  # Monday-Saturday 9-18, no Sunday


def test_saturday_night_email_is_due_in_opening_hours() -> None:
    # Saturday 2026-12-05 23:00; closed Sunday; a 4 h answer time is Monday 13:00.
    due = SHOP.add(paris(2026, 12, 5, 23, 0), 4 * 3600)
    assert due == paris(2026, 12, 7, 13, 0)
    assert not SHOP.is_open(paris(2026, 12, 6, 12, 0))
    assert SHOP.next_opening(paris(2026, 12, 5, 23, 0)) == paris(2026, 12, 7, 9, 0)


def test_several_ranges_a_day_and_a_closure() -> None:
    cal = BusinessCalendar(
        ranges=weekdays(time(9), time(12), range(5)) + weekdays(time(14), time(18), range(5)),
        closures=frozenset({date(2026, 12, 25)}),
    )
    assert cal.is_open(paris(2026, 12, 24, 11, 59))
    assert not cal.is_open(paris(2026, 12, 24, 12, 0))
    assert cal.add(paris(2026, 12, 24, 11, 0), 2 * 3600) == paris(2026, 12, 24, 15, 0)
    # Christmas (Friday) is closed, then the weekend: Monday 9:00 + 1 h.
    assert cal.add(paris(2026, 12, 24, 17, 30), 3600) == paris(2026, 12, 28, 9, 30)
    assert cal.between(paris(2026, 12, 24, 0, 0), paris(2026, 12, 29, 0, 0)) == 14 * 3600


def test_no_ranges_is_always_open_except_closures() -> None:
    cal = BusinessCalendar(closures=frozenset({date(2027, 1, 1)}))
    t = paris(2026, 12, 31, 23, 0)
    assert cal.add(t, 1800) == t + timedelta(minutes=30)
    assert cal.add(t, 7200) == paris(2027, 1, 2, 1, 0)
    # Absolute time: 10^7 s later crosses the change to summer time (wall clock +1 h more).
    assert BusinessCalendar().add(t, 10**7) == t.astimezone(UTC) + timedelta(seconds=10**7)
    assert BusinessCalendar().is_open(t)


def test_dst_days_keep_wall_clock_hours() -> None:
    every_day = BusinessCalendar(ranges=weekdays(time(1), time(5), range(7)))
    # 2026-03-29: clocks go from 02:00 to 03:00 in Paris: that day has 3 open hours.
    assert every_day.between(paris(2026, 3, 29, 0, 0), paris(2026, 3, 30, 0, 0)) == 3 * 3600
    # 2026-10-25: clocks go back from 03:00 to 02:00: 5 open hours.
    assert every_day.between(paris(2026, 10, 25, 0, 0), paris(2026, 10, 26, 0, 0)) == 5 * 3600
    nine_to_five = BusinessCalendar(ranges=weekdays(time(9), time(17), range(7)))
    assert nine_to_five.add(paris(2026, 3, 28, 16, 0), 2 * 3600) == paris(2026, 3, 29, 10, 0)
    assert nine_to_five.between(paris(2026, 3, 29, 0), paris(2026, 3, 30, 0)) == 8 * 3600


def test_ranges_around_the_clock_every_day_are_always_open() -> None:
    # Every day 00:00-00:00: the intervals join day after day (they once ran to year 9999).
    cal = BusinessCalendar(ranges=weekdays(time(0), time(0), range(7)), closures=frozenset({date(2026, 12, 25)}))
    assert cal.is_open(paris(2026, 12, 2, 3, 0)) and cal.is_open(paris(2027, 3, 28, 2, 30))
    assert not cal.is_open(paris(2026, 12, 25, 12, 0))
    assert cal.next_opening(paris(2026, 12, 25, 12, 0)) == paris(2026, 12, 26, 0, 0)
    assert cal.add(paris(2026, 12, 2, 10, 0), 3600) == paris(2026, 12, 2, 11, 0)
    assert cal.between(paris(2026, 12, 24, 12, 0), paris(2026, 12, 26, 12, 0)) == 24 * 3600


def test_overnight_range_and_midnight() -> None:
    night = BusinessCalendar(ranges=(OpeningRange(4, time(20), time(2)),))  # Friday 20:00-02:00
    assert night.is_open(paris(2026, 12, 5, 1, 0))  # Saturday 01:00
    assert not night.is_open(paris(2026, 12, 5, 2, 0))
    till_midnight = BusinessCalendar(ranges=(OpeningRange(0, time(18), time(0)),))
    assert till_midnight.between(paris(2026, 11, 30), paris(2026, 12, 1)) == 6 * 3600


def test_bad_input_is_refused() -> None:
    with pytest.raises(CalendarError, match="weekday"):
        OpeningRange(7, time(9), time(10))
    with pytest.raises(CalendarError, match="time zone"):
        BusinessCalendar(tz="Mars/Olympus")
    with pytest.raises(CalendarError, match="timezone-aware"):
        SHOP.is_open(datetime(2026, 12, 1, 10, 0))  # noqa: DTZ001 - the point of the test
    with pytest.raises(CalendarError, match="seconds"):
        SHOP.add(paris(2026, 12, 1, 10), -1)


# --- properties, against a brute-force reading of the wall clock ------------------------------

times = st.times().map(lambda t: t.replace(microsecond=0, second=0))
ranges = st.lists(
    st.builds(OpeningRange, weekday=st.integers(0, 6), opens=times, closes=times),
    min_size=0, max_size=6,
)
closures = st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=20)
calendars = st.builds(
    BusinessCalendar, ranges=ranges.map(tuple), closures=closures,
    tz=st.sampled_from(["Europe/Paris", "America/New_York", "UTC", "Australia/Lord_Howe"]),
)
instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=0))


def open_by_wall_clock(cal: BusinessCalendar, at: datetime) -> bool:
    """The obvious definition: read the local wall clock, look at today's and yesterday's ranges."""
    local = at.astimezone(ZoneInfo(cal.tz))
    today, now = local.date(), local.replace(tzinfo=None)
    if not cal.ranges:
        return today not in cal.closures
    for day in (today - timedelta(days=1), today):
        if day in cal.closures:
            continue
        for r in cal.ranges:
            if r.weekday != day.weekday():
                continue
            a = datetime.combine(day, r.opens)
            b = datetime.combine(day + timedelta(days=1) if r.overnight else day, r.closes)
            # Compare instants (a wall time skipped or repeated by DST is resolved with fold=0).
            a_utc = a.replace(tzinfo=ZoneInfo(cal.tz)).astimezone(UTC)
            b_utc = b.replace(tzinfo=ZoneInfo(cal.tz)).astimezone(UTC)
            if a_utc <= at < b_utc:
                return True
    del now
    return False


@settings(max_examples=300, deadline=None)
@given(cal=calendars, at=instants)
def test_is_open_matches_the_wall_clock(cal: BusinessCalendar, at: datetime) -> None:
    assert cal.is_open(at) == open_by_wall_clock(cal, at)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, at=instants, seconds=st.integers(0, 30 * 86400))
def test_add_and_between_agree(cal: BusinessCalendar, at: datetime, seconds: int) -> None:
    due = cal.add(at, seconds)
    assert due >= at
    assert cal.between(at, due) == seconds
    if seconds > 0:
        assert cal.is_open(due - timedelta(seconds=1)) or cal.between(
            due - timedelta(seconds=1), due) == 0
    opening = cal.next_opening(at)
    assert opening >= at and cal.is_open(opening)
    assert cal.between(at, opening) == 0


@settings(max_examples=200, deadline=None)
@given(cal=calendars, a=instants, b=instants, c=instants)
def test_between_adds_up(cal: BusinessCalendar, a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc, ac = cal.between(a, b), cal.between(b, c), cal.between(a, c)
    assert ab + bc == ac
    assert 0 <= ab <= (b - a).total_seconds()
    assert cal.between(b, a) == -ab
