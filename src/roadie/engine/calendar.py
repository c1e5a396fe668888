"""Business calendars: opening hours and closures, and time counted in opening hours.

A `BusinessCalendar` holds a brand's (or one channel's) weekly opening ranges, the dates it is
closed, and its time zone. Its methods answer, for timezone-aware instants:

- `is_open(at)`: is the calendar open at this instant;
- `next_opening(at)`: the first instant at or after `at` when it is open;
- `add(start, seconds)`: the instant reached after `seconds` of opening time from `start`
  (a service-level deadline counted in business hours);
- `between(start, end)`: how many seconds of opening time lie between two instants.

`contact_deadline` is the deadline of a contact, the one function the desk (``deadline_at``)
and the simulator (its service level) call; `channel_calendar` picks a channel's calendar from
a brand's opening ranges and closures, as the desk stores them and as a scenario gives them.

Wall-clock ranges are read in the calendar's time zone (Europe/Paris by default), so a day of
daylight-saving change is 23 or 25 hours long and an opening range keeps its wall-clock times.
A range whose closing time is not after its opening time runs past midnight (``closes=00:00``
means "until midnight"); it belongs to the day it opens on. A calendar with no ranges is open
around the clock, except on its closure dates. Pure Python: no Django, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Paris"
_UTC = UTC
_DAY = timedelta(days=1)
_FOREVER = datetime.max.replace(tzinfo=_UTC)


class CalendarError(ValueError):
    """An opening range or an instant the calendar cannot use."""


@dataclass(frozen=True, order=True)
class OpeningRange:
    """Open on `weekday` (0 = Monday ... 6 = Sunday) from `opens` to `closes` (wall clock)."""

    weekday: int
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise CalendarError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise CalendarError("opening times are wall-clock times, without a time zone")

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening ranges, closure dates and a time zone; no ranges means always open."""

    ranges: tuple[OpeningRange, ...] = ()
    closures: frozenset[date] = field(default_factory=frozenset)
    tz: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except Exception as exc:  # ZoneInfoNotFoundError, ValueError on a malformed key
            raise CalendarError(f"unknown time zone {self.tz!r}") from exc

    @classmethod
    def always_open(cls, tz: str = DEFAULT_TIMEZONE) -> BusinessCalendar:
        return cls(tz=tz)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @cached_property
    def _by_weekday(self) -> tuple[tuple[OpeningRange, ...], ...]:
        days: list[list[OpeningRange]] = [[] for _ in range(7)]
        for r in sorted(self.ranges):
            days[r.weekday].append(r)
        return tuple(tuple(d) for d in days)

    # --- the questions ------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        at = _aware(at)
        for start, end in self._intervals(at - _DAY - _DAY):
            if start > at:
                return False
            if at < end:
                return True
        raise AssertionError("unreachable: intervals never end")  # pragma: no cover

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself if open then, else the start of the next opening interval (UTC)."""
        at = _aware(at)
        for start, end in self._intervals(at - _DAY - _DAY):
            if end <= at:
                continue
            return max(start, at)
        raise AssertionError("unreachable")  # pragma: no cover

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant after `seconds` of opening time counted from `start` (UTC).

        ``add(t, 0)`` is `t` when open, else the next opening: a contact that arrives while the
        brand is closed is due once the brand has been open for its answer time.
        """
        if seconds < 0 or math.isnan(seconds) or math.isinf(seconds):
            raise CalendarError(f"seconds must be a finite number >= 0, not {seconds}")
        start = _aware(start)
        left = timedelta(seconds=seconds)
        for a, b in self._intervals(start - _DAY - _DAY):
            if b <= start:
                continue
            a = max(a, start)
            if b - a >= left:
                return a + left
            left -= b - a
        raise AssertionError("unreachable")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> float:
        """Seconds of opening time in [start, end); negative when `end` is before `start`."""
        start, end = _aware(start), _aware(end)
        if end < start:
            return -self.between(end, start)
        total = timedelta(0)
        for a, b in self._intervals(start - _DAY - _DAY):
            if a >= end:
                break
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += hi - lo
        return total.total_seconds()

    # --- the intervals ------------------------------------------------------------------------

    def _intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Disjoint, sorted opening intervals (UTC) from the local day of `since` on, forever.

        Closures are finite, so past the last one every week has the same shape and the walk
        always reaches an open interval; a calendar without ranges is open around the clock
        past its last closure: one endless interval.
        """
        day = since.astimezone(self.zone).date()
        last_closure = max(self.closures, default=date.min)
        pending: tuple[datetime, datetime] | None = None
        while True:
            if not self.ranges and day > last_closure:
                midnight = _local(day, time(0), self.zone)
                if pending is not None and pending[1] < midnight:
                    yield pending
                    pending = None
                yield (pending[0] if pending else midnight, _FOREVER)
                return
            for a, b in self._day_intervals(day):
                if pending is None:
                    pending = (a, b)
                elif a <= pending[1]:
                    pending = (pending[0], max(pending[1], b))
                else:
                    yield pending
                    pending = (a, b)
            if pending is not None and day > last_closure:
                # Ranges that join day after day (open around the clock): once one interval
                # covers a whole week past the last closure, every later week is the same.
                covered_from = max(pending[0].astimezone(self.zone).date(), last_closure + _DAY)
                if (day - covered_from).days >= 8:
                    yield (pending[0], _FOREVER)
                    return
            day += _DAY

    @cached_property
    def _days(self) -> dict[date, list[tuple[datetime, datetime]]]:
        """Each local day's intervals once computed (a simulation asks the same days again and
        again; live calendars are short-lived). A day's intervals never change."""
        return {}

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        cached = self._days.get(day)
        if cached is None:
            cached = self._days[day] = self._compute_day(day)
        return cached

    def _compute_day(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.closures:
            return []
        if not self.ranges:
            return [(_local(day, time(0), self.zone), _local(day + _DAY, time(0), self.zone))]
        out = []
        for r in self._by_weekday[day.weekday()]:
            a = _local(day, r.opens, self.zone)
            b = _local(day + _DAY if r.overnight else day, r.closes, self.zone)
            if b > a:
                out.append((a, b))
        out.sort()
        return out


def _local(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time; a time skipped by DST moves forward by the gap."""
    # fold=0: a time repeated when clocks go back is its first occurrence; a time skipped when
    # they go forward takes the offset before the change (02:30 becomes 03:30 summer time).
    return datetime.combine(day, wall, tzinfo=zone).astimezone(_UTC)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise CalendarError("business calendars work on timezone-aware datetimes only")
    return at.astimezone(_UTC)


# --- the deadline of a contact, live and simulated ---------------------------------------------

# Answer targets when a brand has no service-level policy for a channel (seconds).
DEFAULT_ANSWER_SECONDS: dict[str, int] = {
    "voice": 20, "video": 60, "chat": 30, "whatsapp": 300, "social": 3600, "email": 4 * 3600,
}
FALLBACK_ANSWER_SECONDS = 3600  # a channel not in the table


def answer_seconds(channel: str, policy_seconds: float | None = None) -> float:
    """The answer time of a channel: the brand's policy when it has one, else the default."""
    if policy_seconds is not None:
        return float(policy_seconds)
    return float(DEFAULT_ANSWER_SECONDS.get(channel, FALLBACK_ANSWER_SECONDS))


def contact_deadline(calendar: BusinessCalendar, start: datetime, *, seconds: float) -> datetime:
    """When a contact entering the queue at `start` is due: `seconds` of the calendar's opening
    time later (`BusinessCalendar.add`). The desk sets `deadline_at` with it at intake and at
    each return to the queue; the simulator judges its service level by it."""
    return calendar.add(start, seconds)


@dataclass(frozen=True, order=True)
class ChannelHours:
    """One opening range of a brand, for one channel (``channel=""``: every channel)."""

    channel: str
    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True, order=True)
class ChannelClosure:
    """A date a brand is closed, on one channel (``channel=""``: every channel)."""

    channel: str
    day: date


def channel_calendar(hours: Iterable[ChannelHours], closures: Iterable[ChannelClosure], *,
                     channel: str, tz: str = DEFAULT_TIMEZONE) -> BusinessCalendar:
    """The calendar of one channel of a brand: the channel's own ranges when it has some, else
    the brand's ranges for every channel; the closures of every channel and of this one."""
    hours = list(hours)
    own = [h for h in hours if channel and h.channel == channel]
    chosen = own or [h for h in hours if not h.channel]
    return BusinessCalendar(
        ranges=tuple(OpeningRange(h.weekday, h.opens, h.closes) for h in chosen),
        closures=frozenset(c.day for c in closures if not c.channel or c.channel == channel),
        tz=tz,
    )
