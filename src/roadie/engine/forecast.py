"""Contact forecasts per series (brand x channel) per 15- or 30-minute interval.

The model is the call-centre classic, made explicit:

forecast(day, interval) = daily total(day) x intraday profile(weekday, interval)

- *Daily totals*: the average ("blend") of Holt-Winters exponential smoothing (statsmodels
  ``ExponentialSmoothing``, additive weekly season, last 52 weeks) and the mean of the same
  weekday over the last ``profile_weeks`` weeks, fitted on the history's daily totals after
  the irregular days (public holidays, declared special periods) have been replaced by the
  same-weekday level, so that they do not bend the season. Short histories (under three
  weeks) use the weekday mean alone.
- *Intraday profile*: per weekday, each interval's share of the day, averaged over the last
  ``profile_weeks`` regular weeks. Intervals that were always empty stay at zero (closed
  hours), as do intervals outside the declared opening hours.
- *Public holidays* (the ``holidays`` package, France by default): in the history they are
  measured against the regular level and the median ratio becomes the holiday factor (a
  holiday the centre closed on a weekday it usually opens is a ratio of 0); with no holiday
  in the history a holiday is forecast like a Sunday. A holiday whose last occurrence is in
  the history (same name, 300 to 400 days before) takes its own ratio instead: 0 if closed,
  else its total over the median of the regular same weekdays within 28 days of it.
- *Days next to a closure* (a closed holiday or a declared closing on a weekday the centre
  usually opens; not its regular weekend): the first open day after it and the last open day
  before it are left out of every fit, like holidays, and forecast at the median ratio of
  the history's own days after (before) a closure to their weekday's level, as ordinary
  days when it has none (:class:`AdjacentDays`).
- *Missing days* (usually open, no data: :attr:`DayMatrix.missing`) are left out of every
  fit, like holidays, and never scored by :func:`roadie.engine.forecast_backtest.backtest`.
- *Special periods* (sales, launches): declared with an uplift factor; the history is divided
  by it before fitting and the forecast multiplied by it.

Data is held as a :class:`DayMatrix`: local calendar days x wall-clock slots, so weekly
seasonality is a row shift and daylight-saving days need no special case (the missing spring
hour is empty, the repeated autumn hour is summed).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np
import pandas as pd

METHODS = ("auto", "blend", "ets", "weekday_mean")
QUANTILES = (0.1, 0.5, 0.9)

__all__ = [
    "AdjacentDays",
    "DayMatrix",
    "ForecastConfig",
    "SpecialPeriod",
    "Forecast",
    "forecast_distribution",
    "forecast_quantiles",
    "point_forecast",
    "forecast_with",
    "forecast_series",
    "history_from_frame",
    "level_shifts",
    "synthetic_history",
    "to_frame",
]


class HistoryError(ValueError):
    """The history cannot be forecast from (gaps, wrong interval, negative counts)."""


@dataclass(frozen=True)
class DayMatrix:
    """Counts for consecutive local days: ``values[d, s]`` = contacts on ``start + d`` days in
    wall-clock slot ``s`` (slot length ``interval_minutes``)."""

    start: dt.date
    interval_minutes: int
    values: np.ndarray
    # days the centre was closed (no data expected: a weekday it never opens, a declared
    # closing, a public holiday with no data); None: none
    closed: np.ndarray | None = None
    # days usually open with no data (their counts are unknown: zero in ``values``, left out
    # of every fit and of the back-test's scores); None: none
    missing: np.ndarray | None = None

    @property
    def days(self) -> int:
        return int(self.values.shape[0])

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    @property
    def closed_mask(self) -> np.ndarray:
        return np.zeros(self.days, bool) if self.closed is None else self.closed

    @property
    def missing_mask(self) -> np.ndarray:
        return np.zeros(self.days, bool) if self.missing is None else self.missing

    @property
    def missing_dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=int(i)) for i in np.flatnonzero(self.missing_mask)]

    def head(self, days: int) -> DayMatrix:
        return self.slice(0, days)

    def slice(self, first: int, last: int) -> DayMatrix:
        closed = None if self.closed is None else self.closed[first:last]
        missing = None if self.missing is None else self.missing[first:last]
        return DayMatrix(self.start + dt.timedelta(days=first), self.interval_minutes,
                         self.values[first:last], closed, missing)


@dataclass(frozen=True)
class SpecialPeriod:
    """Days (inclusive) with a known uplift, e.g. the sales: ``uplift=1.8`` = 80 % more."""

    name: str
    first_day: dt.date
    last_day: dt.date
    uplift: float
    series: str | None = None  # None: every series

    def covers(self, day: dt.date, series: str) -> bool:
        return self.first_day <= day <= self.last_day and self.series in (None, series)


@dataclass(frozen=True)
class ForecastConfig:
    interval_minutes: int = 30
    country: str | None = "FR"
    special_periods: tuple[SpecialPeriod, ...] = ()
    open_from: dt.time | None = None  # declared opening hours; None: learnt from history
    open_until: dt.time | None = None  # may be past midnight (e.g. 01:00)
    profile_weeks: int = 8
    # "auto" (settings chosen in-sample, forecast_auto), or the older "ets", "weekday_mean"
    # and their average "blend"
    method: str = "auto"
    holiday_days: frozenset[dt.date] = field(default_factory=frozenset)  # extra holidays
    closed_days: frozenset[dt.date] = field(default_factory=frozenset)  # declared closings
    closed_weekdays: frozenset[int] = field(default_factory=frozenset)  # 0 = Monday
    quantile: float | None = None  # forecast this quantile instead of the mean ("auto")


@dataclass(frozen=True)
class AdjacentDays:
    """Days next to a closure (docs/planning.md, "Sixth revision", item 1), per side
    ("after", "before"): the factor the forecast's such days were multiplied by (the median
    of the history's own such days' ratios to their weekday's regular level; None when the
    history has none, and then they are ordinary days), how many history days that median is
    of, and the forecast's days it applies to."""

    factors: dict[str, float | None]
    counts: dict[str, int]
    days: dict[str, tuple[dt.date, ...]]

    def applied(self, since: dt.date | None = None) -> dict[str, float]:
        """The factors that multiplied at least one forecast day (on or after ``since``)."""
        return {side: factor for side, factor in self.factors.items()
                if factor is not None
                and any(since is None or d >= since for d in self.days[side])}


@dataclass(frozen=True)
class Forecast:
    """One series' forecast: the expected counts (``mean``, what staffing takes), the point
    forecast (``point``, the one number per interval the back-test scores: chosen per series
    among the median rule, the mean, the top-down family's median, one of those averaged with
    the median-k baseline and the median-k baseline, docs/planning.md "Third", "Fifth" and
    "Sixth revision"), the quantiles by level, and the default method's model (None
    otherwise)."""

    mean: DayMatrix
    point: DayMatrix
    quantiles: dict[float, DayMatrix]
    model: object | None = None  # forecast_auto.AutoModel for the default method
    adjacent: AdjacentDays | None = None  # the days next to a closure and their factors
    # per future holiday: (factor, "own" | "median" | "sunday", the day its own ratio is of)
    holiday_factors: dict[dt.date, tuple] | None = None

    @property
    def adjacent_factors(self) -> dict[str, float | None]:
        """'after' and 'before' a closure: the factor used, None when the history had none."""
        if self.adjacent is None:
            return {"after": None, "before": None}
        return dict(self.adjacent.factors)

    @property
    def choice(self) -> str:
        """``mean/point`` as chosen, e.g. ``combination/median`` (``combination/median+median-k``
        for its average with the median-k baseline); "-" for other methods."""
        if self.model is None:
            return "-"
        return f"{self.model.mean_choice}/{self.model.point_choice}"


# --------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------


def history_from_frame(
    frame: pd.DataFrame,
    *,
    interval_minutes: int,
    tz: str = "Europe/Paris",
    fill_gaps: bool = False,
    closed_days: frozenset[dt.date] = frozenset(),
    closed_weekdays: frozenset[int] = frozenset(),
    country: str | None = None,
    holiday_days: frozenset[dt.date] = frozenset(),
) -> dict[str, DayMatrix]:
    """Turn rows ``start, contacts[, brand][, channel]`` into one DayMatrix per series.

    ``start`` is an ISO 8601 time (an offset is honoured; a naive time is read in ``tz``).
    Without a ``contacts`` column the frame is a call log: each row is one contact arriving
    at ``start`` (to the second), counted in the interval it falls in.
    Intervals absent inside a day are zero. A whole day absent between the first and the last
    is *closed* when it is declared so (``closed_days``, ``closed_weekdays``), when its
    weekday has data on fewer than half of its dates (the weekend of a Monday-to-Friday
    centre) or when it is a public holiday (of ``country``, or one of ``holiday_days``: the
    centre closed that holiday); a day absent on a weekday that is usually open is
    *missing* (``DayMatrix.missing``: its counts are unknown, it is left out of every fit
    and of the back-test's scores), or with ``fill_gaps`` filled with the same day of the
    previous week (then it counts as data).
    """
    if interval_minutes not in (5, 6, 10, 15, 20, 30, 60):
        raise HistoryError("the interval must be one of 5, 6, 10, 15, 20, 30 or 60 minutes")
    if "start" not in frame.columns:
        found = ", ".join(map(str, frame.columns))
        raise HistoryError(f"history lacks column start (columns found: {found})")
    unknown = set(frame.columns) - {"start", "contacts", "brand", "channel"}
    if unknown:
        raise HistoryError(f"unknown history column(s): {', '.join(sorted(unknown))}")
    if frame.empty:
        raise HistoryError("the history is empty")
    # no contacts column: a call log, one row per contact (its arrival time)
    call_log = "contacts" not in frame.columns
    if call_log:
        contacts = pd.Series(1.0, frame.index)
    else:
        contacts = pd.to_numeric(frame["contacts"], errors="coerce")
    if contacts.isna().any():
        row = int(np.flatnonzero(contacts.isna().to_numpy())[0]) + 2
        raise HistoryError(f"line {row}: contacts is not a number")
    if (contacts < 0).any():
        row = int(np.flatnonzero((contacts < 0).to_numpy())[0]) + 2
        raise HistoryError(f"line {row}: contacts is negative")
    if not np.isfinite(contacts.to_numpy(float)).all():
        row = int(np.flatnonzero(~np.isfinite(contacts.to_numpy(float)))[0]) + 2
        raise HistoryError(f"line {row}: contacts is not a finite number")
    for column in ("start", "brand", "channel"):
        if column in frame:
            empty = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
            if empty.any():
                raise HistoryError(f"line {int(np.flatnonzero(empty.to_numpy())[0]) + 2}: "
                                   f"{column} is empty")
    zone = ZoneInfo(tz)
    text = frame["start"].astype(str).str.strip().str.replace(r"z$", "Z", regex=True)
    # an offset (Z, +01, +0100, +01:00) after a time of day
    offset = text.str.contains(r"\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)$",
                               regex=True)
    if offset.any() and not offset.all():
        row = int(np.flatnonzero((offset != offset.iloc[0]).to_numpy())[0])
        kinds = ("a local time", "a time with an offset")
        raise HistoryError(
            f"line {row + 2}: start {text.iloc[row]!r} is {kinds[int(offset.iloc[row])]}, "
            f"line 2's is {kinds[int(offset.iloc[0])]} (do not mix the two in one file)")
    try:
        stamps = pd.to_datetime(text, format="ISO8601", utc=bool(offset.all()))
    except (ValueError, TypeError) as exc:
        bad = pd.to_datetime(text, format="ISO8601", utc=bool(offset.all()), errors="coerce")
        if bad.isna().any():
            row = int(np.flatnonzero(bad.isna().to_numpy())[0])
            raise HistoryError(f"line {row + 2}: cannot read the start time "
                               f"{text.iloc[row]!r} (write e.g. 2026-03-02T08:00:00+01:00)"
                               ) from None
        raise HistoryError(f"cannot read the start times: {str(exc).splitlines()[0]}") from None
    local = stamps.dt.tz_convert(zone).dt.tz_localize(None) if offset.all() else stamps
    brand = frame["brand"].astype(str) if "brand" in frame else pd.Series("all", frame.index)
    channel = frame["channel"].astype(str) if "channel" in frame else None
    key = brand if channel is None else brand + "/" + channel
    minutes = local.dt.hour * 60 + local.dt.minute
    native = _native_step(minutes.to_numpy())
    starts = np.unique(minutes.to_numpy())
    if not call_log and starts.size < 2 and interval_minutes < 24 * 60:
        raise HistoryError(
            f"every row starts at {int(starts[0]) // 60:02d}:{int(starts[0]) % 60:02d}, so the "
            f"history's own interval cannot be told (daily figures cannot be forecast in "
            f"{interval_minutes}-minute intervals)")
    # a step the rows' few distinct start times fall on by chance (a small series with its
    # empty intervals omitted) is not the file's interval: refused only when the chance that
    # rows of a finer file all land on it is under 1 %
    chance = (math.gcd(native, interval_minutes) / native) ** starts.size
    if not call_log and interval_minutes % native and chance < 0.01:
        raise HistoryError(
            f"history comes in {native}-minute intervals, which do not add up to "
            f"{interval_minutes}-minute intervals"
        )
    _refuse_stray_rows(local.dt.normalize())
    slots = 24 * 60 // interval_minutes
    result: dict[str, DayMatrix] = {}
    data = pd.DataFrame(
        {"key": key.to_numpy(), "day": local.dt.normalize().to_numpy(),
         "slot": (minutes // interval_minutes).to_numpy(), "n": contacts.to_numpy(float)}
    )
    for name, part in data.groupby("key", sort=True):
        days = part["day"].dt.date.to_numpy()
        first, last = min(days), max(days)
        count = (last - first).days + 1
        values = np.zeros((count, slots))
        index = np.array([(d - first).days for d in days])
        np.add.at(values, (index, part["slot"].to_numpy()), part["n"].to_numpy())
        present = np.zeros(count, dtype=bool)
        present[index] = True
        dates = [first + dt.timedelta(days=i) for i in range(count)]
        weekday = np.array([d.weekday() for d in dates])
        usually_open = np.array([present[weekday == w].mean() >= 0.5 if (weekday == w).any()
                                 else False for w in range(7)])
        declared = np.array([d in closed_days or d.weekday() in closed_weekdays
                             for d in dates])
        try:
            holiday = _holiday_set(country, dates) | set(holiday_days)
        except ValueError as exc:
            raise HistoryError(str(exc)) from None
        is_holiday = np.array([d in holiday for d in dates])
        closed = declared | (~present & (~usually_open[weekday] | is_holiday))
        values[closed & ~present] = 0.0
        gaps = ~present & ~closed
        if fill_gaps:
            for g in np.flatnonzero(gaps):
                values[g] = values[g - 7] if g >= 7 else values[min(g + 7, count - 1)]
            gaps[:] = False
        result[str(name)] = DayMatrix(first, interval_minutes, values,
                                      closed if closed.any() else None,
                                      gaps if gaps.any() else None)
    return result


# a year with no row at all between two rows of the file: one side is a typing error (2062
# for 2026), not a history
STRAY_GAP_DAYS = 366


def _refuse_stray_rows(days: pd.Series) -> None:
    """Refuse a file whose rows (all series together) leave more than ``STRAY_GAP_DAYS``
    days without a row, naming the line of the row on the side with fewer rows."""
    order = np.argsort(days.to_numpy(), kind="stable")
    ordered = days.to_numpy()[order]
    gaps = np.diff(ordered).astype("timedelta64[D]").astype(int)
    if not gaps.size or gaps.max() <= STRAY_GAP_DAYS:
        return
    at = int(np.argmax(gaps))
    row = int(order[at] if at + 1 <= ordered.size - at - 1 else order[at + 1])
    before = pd.Timestamp(ordered[at]).date()
    after = pd.Timestamp(ordered[at + 1]).date()
    raise HistoryError(f"line {row + 2}: no row at all between {before} and {after} "
                       f"({int(gaps[at])} days): is the year of that start a typing error?")


def _native_step(minutes: np.ndarray) -> int:
    """Greatest common step of the minutes-of-day present (the data's own interval)."""
    uniq = np.unique(minutes)
    if uniq.size < 2:
        return 60 * 24
    return int(np.gcd.reduce(np.diff(uniq)))


# --------------------------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------------------------


def _holiday_set(country: str | None, dates: list[dt.date]) -> set[dt.date]:
    if not country or not dates:
        return set()
    years = range(dates[0].year, dates[-1].year + 1)
    try:
        table = holidays_lib.country_holidays(country, years=years)
    except NotImplementedError:
        raise ValueError(f"no public-holiday calendar for country {country!r}") from None
    return {d for d in dates if d in table}


def _open_mask(config: ForecastConfig, slots: int) -> np.ndarray | None:
    if config.open_from is None or config.open_until is None:
        return None
    step = config.interval_minutes
    start = np.arange(slots) * step
    lo = config.open_from.hour * 60 + config.open_from.minute
    hi = config.open_until.hour * 60 + config.open_until.minute
    if hi > lo:
        return (start >= lo) & (start < hi)
    return (start >= lo) | (start < hi)  # opening hours run past midnight


def _weekday_level(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray,
                   upto: int, weeks: int) -> np.ndarray:
    """Per weekday, the mean total of its last ``weeks`` regular days before ``upto``."""
    level = np.zeros(7)
    for w in range(7):
        idx = np.flatnonzero((weekdays[:upto] == w) & regular[:upto])[-weeks:]
        if idx.size:
            level[w] = totals[idx].mean()
    return level


def forecast_series(
    history: DayMatrix, *, horizon_days: int, config: ForecastConfig, series: str = "all"
) -> DayMatrix:
    """Forecast ``horizon_days`` days after the end of ``history`` (same interval): the mean,
    or the quantile ``config.quantile``."""
    result = _forecast(history, horizon_days=horizon_days, config=config, series=series,
                       levels=() if config.quantile is None else (config.quantile,))
    return result.mean if config.quantile is None else result.quantiles[config.quantile]


def forecast_quantiles(
    history: DayMatrix, *, horizon_days: int, config: ForecastConfig, series: str = "all",
    levels: tuple[float, ...] = QUANTILES,
) -> tuple[DayMatrix, dict[float, DayMatrix]]:
    """The mean forecast and, per level, its quantile (calibrated in-sample: "auto" only)."""
    result = _forecast(history, horizon_days=horizon_days, config=config, series=series,
                       levels=levels)
    return result.mean, result.quantiles


def forecast_distribution(
    history: DayMatrix, *, horizon_days: int, config: ForecastConfig, series: str = "all",
    levels: tuple[float, ...] = QUANTILES,
) -> Forecast:
    """The mean, the point forecast and the quantiles, with the model that made them (for
    the older methods the point is the mean and there are no quantiles)."""
    from roadie.engine.forecast_irregular import irregular_days

    if config.method != "auto":
        levels = ()
    result = _forecast(history, horizon_days=horizon_days, config=config, series=series,
                       levels=levels)
    # the days next to a closure and the holidays' factors (the calendar _forecast used)
    days = irregular_days(history, config, series, horizon_days)
    return replace(result, adjacent=days.adjacent, holiday_factors={
        d: f for d, f in days.holiday_factors.items() if d in days.future[:horizon_days]})


def point_forecast(mean: DayMatrix, median: DayMatrix) -> DayMatrix:
    """The point forecast of each interval: the median of its predictive distribution, or
    its mean where that median is 0 but the mean is not (a sparse interval, where zero
    contacts are more likely than not: a 0 would say "no contact" for hours that together get
    most of a small series' contacts; the mean is the expected count, which adds up to the
    day's expected total). docs/planning.md, "Second revision", item 1."""
    values = np.where(median.values > 0, median.values, mean.values)
    return DayMatrix(mean.start, mean.interval_minutes, values)


def forecast_with(
    history: DayMatrix, *, horizon_days: int, config: ForecastConfig, base, series: str = "all",
) -> DayMatrix:
    """Another model inside roadie's treatment of holidays, closings and special periods:
    ``base(clean, weekdays, regular, future_weekdays)`` returns ``horizon_days x slots``
    counts from the history whose irregular days (holidays, closings, special periods, days
    next to a closure) were replaced by the mean of their last four regular same weekdays;
    its forecast is then adjusted for the future's holidays, closings, days next to a
    closure and periods as roadie's own (used by the back-test to give baselines and peers
    the same holidays)."""
    return _forecast(history, horizon_days=horizon_days, config=config, series=series,
                     levels=(), base=base).mean


def _forecast(history: DayMatrix, *, horizon_days: int, config: ForecastConfig, series: str,
              levels: tuple[float, ...], base=None) -> Forecast:
    from roadie.engine.forecast_auto import auto_predict, fit_auto, median_k_table, point_table

    if horizon_days < 1:
        raise ValueError("the horizon must be at least one day")
    if levels and (config.method != "auto" or base is not None):
        raise ValueError("quantiles come with the default method (auto) only")
    for level in levels:
        if not 0.0 < level < 1.0:
            raise ValueError(f"quantile {level} must be between 0 and 1")
    values = history.values
    n_days, slots = values.shape
    if n_days < 7:
        raise HistoryError(f"series {series}: at least one week of history is needed")
    # the calendar: holidays, closings, special periods, days next to a closure
    from roadie.engine.forecast_irregular import irregular_days

    days = irregular_days(history, config, series, horizon_days)
    future, holiday, weekdays = days.future[:horizon_days], days.holiday, days.weekdays
    uplift, is_holiday, closed, missing = days.uplift, days.is_holiday, days.closed, days.missing
    regular, level, near = days.regular, days.level, days.near
    totals = values.sum(axis=1)
    future_weekdays = np.array([d.weekday() for d in future])

    model = None
    if base is not None:
        clean = values.copy()
        for i in np.flatnonzero(~regular):
            same = np.flatnonzero((weekdays[:i] == weekdays[i]) & regular[:i])[-4:]
            if not same.size:
                same = np.flatnonzero((weekdays == weekdays[i]) & regular)[:4]
            clean[i] = values[same].mean(axis=0) if same.size else 0.0
        rows = np.asarray(base(clean, weekdays, regular, future_weekdays), dtype=float)
        rows = np.maximum(rows.reshape(horizon_days, slots), 0.0)
        daily = rows.sum(axis=1)
        day_profiles = np.divide(rows, daily[:, None], out=np.zeros_like(rows),
                                 where=daily[:, None] > 0)
    elif config.method == "auto":
        model = fit_auto(values, weekdays, regular)
        per_weekday, profiles = auto_predict(model, values, weekdays, regular)
        daily = per_weekday[future_weekdays]
        day_profiles = profiles[future_weekdays]
    else:
        # daily totals, irregular days replaced by their weekday level (deflated by uplift)
        clean = totals / uplift
        clean = np.where(is_holiday | closed | missing | days.adjacent_mask, level[weekdays],
                         clean)
        daily = _daily_model(clean, weekdays, horizon_days, config)
        # intraday profiles per weekday from the last regular weeks
        profiles = np.zeros((7, slots))
        for w in range(7):
            idx = np.flatnonzero((weekdays == w) & regular)[-config.profile_weeks:]
            if idx.size:
                profile = values[idx].sum(axis=0)
                if profile.sum() > 0:
                    profiles[w] = profile / profile.sum()
        day_profiles = profiles[future_weekdays]

    # each holiday's factor: its own a year before, else the median over the history's
    # holidays (None: like a Sunday), and days next to a closure at theirs (1 elsewhere):
    # forecast_irregular
    holiday_factors = days.holiday_factors

    mask = _open_mask(config, slots)
    sundays = np.flatnonzero(future_weekdays == 6)

    def ahead(daily: np.ndarray, day_profiles: np.ndarray) -> np.ndarray:
        """Daily totals x profiles over the horizon, with the opening hours, closings,
        holidays, days next to a closure and special periods applied."""
        if mask is not None:
            day_profiles = day_profiles * mask
            sums = day_profiles.sum(axis=1, keepdims=True)
            day_profiles = np.divide(day_profiles, sums, out=np.zeros_like(day_profiles),
                                     where=sums > 0)
        out = np.zeros((horizon_days, slots))
        for i, day in enumerate(future):
            w = future_weekdays[i]
            if day in config.closed_days or w in config.closed_weekdays:
                continue
            total = daily[i] * near[i]
            profile = day_profiles[i]
            if day in holiday:
                if holiday_factors[day].factor is not None:
                    total = total * holiday_factors[day].factor
                else:  # like a Sunday
                    total = daily[sundays[0]] if sundays.size else level[6]
                    profile = day_profiles[sundays[0]] if sundays.size else profile
            out[i] = max(total, 0.0) * _uplift(config, day, series) * profile
        return out

    out = ahead(daily, day_profiles)
    mean = DayMatrix(future[0], history.interval_minutes, out)
    quantiles = {q: DayMatrix(future[0], history.interval_minutes, model.quantile(out, q))
                 for q in levels}
    point = mean

    def table_ahead(table: np.ndarray) -> DayMatrix:  # a 7 x slots table, through ahead()
        table = table[future_weekdays]
        totals_ = table.sum(axis=1)
        return DayMatrix(future[0], history.interval_minutes, ahead(totals_, np.divide(
            table, totals_[:, None], out=np.zeros_like(table), where=totals_[:, None] > 0)))

    if model is not None and model.point == "median":
        point = point_forecast(mean, DayMatrix(future[0], history.interval_minutes,
                                               model.quantile(out, 0.5)))
    elif model is not None and model.point in ("median-k", "topdown-median"):
        point = table_ahead(point_table(model, values, weekdays, regular))
        if model.point == "topdown-median":  # its median rule, from its own calibration
            point = point_forecast(point, DayMatrix(
                future[0], history.interval_minutes,
                model.point_model().quantile(point.values, 0.5)))
    if model is not None and model.point_mix:  # sixth revision: its average with median-k
        baseline = table_ahead(median_k_table(model, values, weekdays, regular))
        point = DayMatrix(future[0], history.interval_minutes,
                          0.5 * point.values + 0.5 * baseline.values)
    return Forecast(mean=mean, point=point, quantiles=quantiles, model=model)


def level_shifts(history: DayMatrix, *, config: ForecastConfig, series: str = "all"
                 ) -> tuple[tuple[dt.date, float], ...]:
    """The changes of level the default method finds in ``history`` (and acts on): per change,
    the first day of the new level and the factor that brought the days before it to the
    latest level."""
    from roadie.engine.forecast_irregular import irregular_days
    from roadie.engine.forecast_shifts import level_breaks

    dates = history.dates
    days = irregular_days(history, config, series, 0)
    breaks, relevel = level_breaks(history.values.sum(axis=1), days.weekdays, days.regular)
    return tuple((dates[b], float(relevel[b - 1])) for b in breaks)


def _uplift(config: ForecastConfig, day: dt.date, series: str) -> float:
    factor = 1.0
    for period in config.special_periods:
        if period.covers(day, series):
            factor *= period.uplift
    return factor


def _daily_model(totals: np.ndarray, weekdays: np.ndarray, horizon: int,
                 config: ForecastConfig) -> np.ndarray:
    """Daily totals ahead: Holt-Winters, the recent weekday mean, or their average ("blend")."""
    if config.method not in METHODS:
        raise ValueError(f"unknown forecast method {config.method!r}")
    future_weekdays = (weekdays[-1] + 1 + np.arange(horizon)) % 7
    mean = _weekday_level(totals, weekdays, np.ones(totals.size, bool), totals.size,
                          config.profile_weeks)[future_weekdays]
    if config.method == "weekday_mean" or totals.size < 21 or not np.any(totals):
        return mean
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    recent = totals[-364:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            recent, trend=None, seasonal="add", seasonal_periods=7,
            initialization_method="heuristic",
        ).fit()
        ets = np.asarray(model.forecast(horizon), dtype=float)
    if not np.all(np.isfinite(ets)):
        return mean
    # a weekday that is always closed stays closed
    closed = np.array([not np.any(totals[weekdays == w][-4:]) for w in range(7)])
    ets = np.where(closed[future_weekdays], 0.0, np.maximum(ets, 0.0))
    return ets if config.method == "ets" else 0.5 * (ets + mean)


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------


def to_frame(forecasts: dict[str, DayMatrix], *, tz: str = "Europe/Paris",
             column: str = "forecast") -> pd.DataFrame:
    """Rows ``series, start, <column>`` with aware ISO times (wall-clock slots that do not exist
    on a spring DST day are dropped)."""
    zone = ZoneInfo(tz)
    rows = []
    for name, matrix in forecasts.items():
        step = dt.timedelta(minutes=matrix.interval_minutes)
        for d, day in enumerate(matrix.dates):
            midnight = dt.datetime.combine(day, dt.time())
            for s, value in enumerate(matrix.values[d]):
                wall = midnight + s * step
                aware = wall.replace(tzinfo=zone)
                if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
                    continue  # nonexistent local time
                rows.append((name, aware.isoformat(), float(value)))
    return pd.DataFrame(rows, columns=["series", "start", column])


def synthetic_history(
    *, first_day: dt.date, days: int, interval_minutes: int = 30, daily_contacts: float = 400.0,
    series: tuple[tuple[str, str], ...] = (("brand-a", "call"),), sunday_open: bool = False,
    rng: np.random.Generator, tz: str = "Europe/Paris",
) -> pd.DataFrame:
    """A plausible history to try things on: Poisson counts with a weekly pattern (Monday
    peak, quieter Saturday, Sunday closed unless ``sunday_open``), a two-hump day between
    08:00 and 22:00, and a French public holiday at a fifth of a normal day."""
    zone = ZoneInfo(tz)
    slots = 24 * 60 // interval_minutes
    centres = (np.arange(slots) + 0.5) * interval_minutes / 60.0
    shape = np.exp(-0.5 * ((centres - 10.5) / 1.6) ** 2) + 0.8 * np.exp(
        -0.5 * ((centres - 17.5) / 2.0) ** 2
    )
    shape[(centres < 8) | (centres > 22)] = 0.0
    shape /= shape.sum()
    week = np.array([1.25, 1.05, 1.0, 1.0, 0.95, 0.6, 0.35 if sunday_open else 0.0])
    table = holidays_lib.country_holidays("FR", years=range(first_day.year, first_day.year + 2))
    rows = []
    for k, (brand, channel) in enumerate(series):
        scale = daily_contacts * (1.0 - 0.3 * k)
        for d in range(days):
            day = first_day + dt.timedelta(days=d)
            factor = week[day.weekday()] * (0.2 if day in table else 1.0)
            counts = rng.poisson(scale * factor * shape)
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            for s in np.flatnonzero(shape > 0):
                start = midnight + dt.timedelta(minutes=int(s) * interval_minutes)
                rows.append((start.isoformat(), brand, channel, int(counts[s])))
    return pd.DataFrame(rows, columns=["start", "brand", "channel", "contacts"])
