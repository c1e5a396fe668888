"""The calendar of one forecast (:mod:`roadie.engine.forecast`): which days of the history
are regular (every fit uses them) and which are irregular, the weekday level, the holiday
factor, each future holiday's own factor (its ratio on the same holiday a year before, when
the history has it), and the days next to a closure with their factors (docs/planning.md,
design item 6 "Irregular days" and "Sixth revision", item 1). One definition, for the
forecast and for :func:`roadie.engine.forecast.level_shifts` alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import holidays as holidays_lib
import numpy as np

from roadie.engine.forecast import (
    AdjacentDays,
    DayMatrix,
    ForecastConfig,
    _holiday_set,
    _uplift,
    _weekday_level,
)

# days next to a closure are irregular days (docs/planning.md, "Sixth revision", item 1); off
# only where a test compares with the forecast before that rule
_ADJACENT_DAYS = True
# closures are looked for this many days past the horizon too (the horizon's last open day
# is the day before a closure just after it, past a weekend), so that the history's days do
# not depend on the horizon
_LOOK_PAST = 7
# a future holiday takes its own ratio on the same holiday a year before; off only where a
# test compares with the forecast before that rule
_OWN_HOLIDAYS = True
# the same holiday a year before: same name, this many days before (never the other day of
# a two-day holiday with one name), and its weekday's local level over this many days around
_OWN_WINDOW = (300, 400)
_LOCAL_DAYS = 28


class HolidayFactor(NamedTuple):
    """A future holiday's factor: ``source`` "own" (its ratio on ``own``, the same holiday a
    year before), "median" (the median over the history's holidays) or "sunday" (no
    holiday in the history: ``factor`` is None and the day is forecast like a Sunday)."""

    factor: float | None
    source: str
    own: dt.date | None = None


@dataclass(frozen=True)
class Days:
    """One forecast's calendar: per history day its weekday, uplift and masks, the regular
    days (those every fit uses), the weekday level, the holiday factor (the median rule) and
    each future holiday's factor (its own, or the median rule's); ``future`` runs
    ``_LOOK_PAST`` days past the horizon, ``near`` over the horizon only."""

    future: list[dt.date]
    holiday: set[dt.date]
    weekdays: np.ndarray
    uplift: np.ndarray
    is_holiday: np.ndarray
    closed: np.ndarray
    missing: np.ndarray
    adjacent_mask: np.ndarray  # history days after or before a closure
    regular: np.ndarray
    level: np.ndarray
    holiday_factor: float | None
    holiday_factors: dict[dt.date, HolidayFactor]  # per future holiday, over ``future``
    near: np.ndarray  # per horizon day: its factor as a day after / before a closure, else 1
    adjacent: AdjacentDays


def irregular_days(history: DayMatrix, config: ForecastConfig, series: str,
                   horizon_days: int) -> Days:
    """The calendar of a forecast of ``horizon_days`` days after ``history``.

    A day is regular when it is no holiday, no special period, not closed, not missing and
    not next to a closure. A *closure* is a closed day on a weekday the centre usually opens
    (open on at least half of that weekday's days in the history): in the history a closed
    day (declared, a closed holiday, the history's own), in the future a declared closing or
    a public holiday whose factor is 0. A future holiday's factor is its own ratio when the
    history has the same holiday a year before (same name in the ``holidays`` table, 300 to
    400 days before, not missing): 0 if the centre closed it, else its total over the median
    of the regular same weekdays within 28 days of it; otherwise the holiday factor, the
    median ratio of the history's holidays (a declared ``holiday_days`` date has no name, so
    no own ratio). The day after (before) it is the first
    (last) open day after (before) it, over the history and the future together; a day both
    is a day after; a holiday, a missing day or a special period's day is neither. Each
    history day after (before) a closure is a ratio of its total to its weekday's level; the
    forecast's such days are multiplied by the median ratio (by 1 when there is none)."""
    dates = history.dates
    n = len(dates)
    horizon = max(horizon_days, 0)
    future = [history.start + dt.timedelta(days=n + i) for i in range(horizon + _LOOK_PAST)]
    holiday = _holiday_set(config.country, dates + future) | set(config.holiday_days)
    weekdays = np.array([d.weekday() for d in dates])
    uplift = np.array([_uplift(config, d, series) for d in dates])
    is_holiday = np.array([d in holiday for d in dates], dtype=bool)
    closed, missing = closed_and_missing(history, config, is_holiday)
    plain = ~is_holiday & (uplift == 1.0) & ~closed & ~missing
    totals = history.values.sum(axis=1)
    weeks = config.profile_weeks
    own = _own_occurrences(config.country, dates, future, holiday, is_holiday & ~missing)
    after = before = np.zeros(n + len(future), bool)
    if _ADJACENT_DAYS and n:
        usually_open = np.array([bool((weekdays == w).any())
                                 and float(np.mean(~closed[weekdays == w])) >= 0.5
                                 for w in range(7)])
        future_weekdays = np.array([d.weekday() for d in future])
        future_holiday = np.array([d in holiday for d in future], dtype=bool)
        declared = np.array([d in config.closed_days or d.weekday() in config.closed_weekdays
                             for d in future], dtype=bool)
        # whether the future's holidays are closed: their factors before this rule
        first = _holiday_factors(
            dates, own, totals, weekdays, plain, closed,
            _holiday_factor(totals, weekdays, _weekday_level(totals, weekdays, plain, n, weeks),
                            is_holiday, closed, missing))
        future_closed = declared | np.array([d in first and first[d].factor == 0.0
                                             for d in future], dtype=bool)
        every_closed = np.concatenate([closed, future_closed | ~usually_open[future_weekdays]])
        closure = np.concatenate([closed, future_closed]) & usually_open[
            np.concatenate([weekdays, future_weekdays])]
        special = np.array([_uplift(config, d, series) != 1.0 for d in future], dtype=bool)
        unmarked = np.concatenate([is_holiday | missing | (uplift != 1.0),
                                   future_holiday | special])
        after, before = _next_to_closures(every_closed, closure, unmarked)
    adjacent_mask = after[:n] | before[:n]
    regular = plain & ~adjacent_mask
    level = _weekday_level(totals, weekdays, regular, n, weeks)
    holiday_factor = _holiday_factor(totals, weekdays, level, is_holiday, closed, missing)
    factors, counts, marked = {}, {}, {}
    near = np.ones(horizon)
    for side, mask in (("after", after), ("before", before)):
        ratios = [totals[i] / level[weekdays[i]] for i in np.flatnonzero(mask[:n])
                  if level[weekdays[i]] > 0]
        factors[side] = float(np.median(ratios)) if ratios else None
        counts[side] = len(ratios)
        ahead = mask[n: n + horizon]
        marked[side] = tuple(d for d, m in zip(future[:horizon], ahead, strict=True) if m)
        if factors[side] is not None:
            near[ahead] = factors[side]
    return Days(
        future=future, holiday=holiday, weekdays=weekdays, uplift=uplift,
        is_holiday=is_holiday, closed=closed, missing=missing, adjacent_mask=adjacent_mask,
        regular=regular, level=level,
        holiday_factor=holiday_factor,
        holiday_factors=_holiday_factors(dates, own, totals, weekdays, regular, closed,
                                         holiday_factor),
        near=near, adjacent=AdjacentDays(factors, counts, marked))


def _own_occurrences(country: str | None, dates: list[dt.date], future: list[dt.date],
                     holiday: set[dt.date], present: np.ndarray) -> dict[dt.date, int | None]:
    """Per future holiday, the history index of the same holiday a year before (same name in
    the ``holidays`` table, ``_OWN_WINDOW`` days before, a ``present`` day: with data or
    closed), None when there is none; of two such days (a holiday of two days with one name)
    the one at the same place in its run of days, else the later."""
    own: dict[dt.date, int | None] = {d: None for d in future if d in holiday}
    if not _OWN_HOLIDAYS or not country or not dates or not own:
        return own
    table = holidays_lib.country_holidays(country, years=range(dates[0].year,
                                                               future[-1].year + 1))
    names = {dates[i]: (table.get(dates[i]), i) for i in np.flatnonzero(present)
             if dates[i] in table}
    lo, hi = _OWN_WINDOW
    for day in own:
        name = table.get(day)
        if name is None:  # a declared holiday_days date
            continue
        found = [(_place(table, d, name) == _place(table, day, name), i)
                 for d, (other, i) in names.items()
                 if other == name and lo <= (day - d).days <= hi]
        if found:
            own[day] = int(max(found)[1])
    return own


def _place(table, day: dt.date, name: str) -> int:
    """How many days in a row named ``name`` come just before ``day``."""
    k = 0
    while table.get(day - dt.timedelta(days=k + 1)) == name:
        k += 1
    return k


def _holiday_factors(dates: list[dt.date], own: dict[dt.date, int | None],
                     totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray,
                     closed: np.ndarray, median: float | None) -> dict[dt.date, HolidayFactor]:
    """Per future holiday its factor: its own ratio on ``own`` (0 when closed, else its
    total over the median total of the ``regular`` same weekdays within ``_LOCAL_DAYS`` days
    of it, its own year's level), else the ``median`` rule (None: like a Sunday)."""
    rule = HolidayFactor(median, "median" if median is not None else "sunday")
    factors = {}
    for day, i in own.items():
        factors[day] = rule
        if i is None:
            continue
        near = np.flatnonzero(weekdays == weekdays[i])
        near = near[(np.abs(near - i) <= _LOCAL_DAYS) & regular[near]]
        local = float(np.median(totals[near])) if near.size else 0.0
        if local > 0:
            ratio = 0.0 if closed[i] else float(totals[i] / local)
            factors[day] = HolidayFactor(ratio, "own", dates[i])
    return factors


def _holiday_factor(totals: np.ndarray, weekdays: np.ndarray, level: np.ndarray,
                    is_holiday: np.ndarray, closed: np.ndarray, missing: np.ndarray
                    ) -> float | None:
    """The median ratio of the history's holidays to their weekday's level (a holiday the
    centre closed on counts 0, a missing one not at all); None when there is none."""
    ratios = [0.0 if closed[i] else totals[i] / level[weekdays[i]]
              for i in np.flatnonzero(is_holiday & ~missing) if level[weekdays[i]] > 0]
    return float(np.median(ratios)) if ratios else None


def _next_to_closures(closed: np.ndarray, closure: np.ndarray, unmarked: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per day, whether it is the day after / the day before a closure: the first / the last
    day not ``closed`` after / before one; a day both is a day after, an ``unmarked`` day
    neither."""
    after = np.zeros(closed.size, bool)
    before = np.zeros(closed.size, bool)
    for c in np.flatnonzero(closure):
        j = c + 1
        while j < closed.size and closed[j]:
            j += 1
        if j < closed.size:
            after[j] = True
        j = c - 1
        while j >= 0 and closed[j]:
            j -= 1
        if j >= 0:
            before[j] = True
    return after & ~unmarked, before & ~after & ~unmarked


def closed_and_missing(history: DayMatrix, config: ForecastConfig, is_holiday: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The days closed (the history's, the configuration's closings, and a missing day that
    is a holiday: the centre closed that holiday) and the days missing (usually open, no
    data), per day of ``history``."""
    dates = history.dates
    missing = history.missing_mask
    closed = history.closed_mask | (missing & is_holiday) | np.array(
        [d in config.closed_days or d.weekday() in config.closed_weekdays for d in dates])
    return closed, missing & ~closed
