"""Missing days (usually open, no data) and closed public holidays: what an ordinary export
holds. A missing day is left out of every fit and never scored; a holiday with no data is a
closed holiday."""

from __future__ import annotations

import datetime as dt

import holidays as holidays_lib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine.forecast import (
    DayMatrix,
    ForecastConfig,
    forecast_distribution,
    forecast_series,
    history_from_frame,
)
from roadie.engine.forecast_backtest import backtest, baseline, seasonal_naive

TZ = "America/New_York"
US = holidays_lib.country_holidays("US", years=range(2024, 2027))


def _export(first: dt.date, last: dt.date, *, holiday_factor: float | None = 0.0,
            daily: float = 450.0, seed: int = 3, holidays=US, weekends: bool = False
            ) -> pd.DataFrame:
    """A Monday-to-Friday centre's hourly export (09:00-18:00 local, naive times): no rows
    on weekends (unless ``weekends``: then quieter ones); on a public holiday no rows when
    ``holiday_factor`` is 0, else that share of a normal day. Mondays are busier."""
    rng = np.random.default_rng(seed)
    hours = np.arange(9, 18)
    shape = np.exp(-0.5 * ((hours - 12.5) / 3.0) ** 2)
    shape /= shape.sum()
    week = np.array([1.3, 1.0, 1.0, 0.95, 0.9, 0.5, 0.4])
    rows = []
    day = first
    while day <= last:
        w = day.weekday()
        factor = 1.0 if day not in holidays else holiday_factor
        if (w < 5 or weekends) and factor:
            counts = rng.poisson(daily * week[w] * factor * shape)
            rows += [(f"{day.isoformat()}T{h:02d}:00:00", int(c))
                     for h, c in zip(hours, counts, strict=True)]
        day += dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=["start", "contacts"])


def _drop(frame: pd.DataFrame, *days: dt.date) -> pd.DataFrame:
    keep = ~frame["start"].str[:10].isin([d.isoformat() for d in days])
    return frame[keep].reset_index(drop=True)


# 2025-03-03 (a Monday) to 2025-06-06: Memorial Day, Monday 26 May, is a US holiday
FIRST, LAST = dt.date(2025, 3, 3), dt.date(2025, 6, 6)
WEDNESDAY = dt.date(2025, 5, 14)
MEMORIAL = dt.date(2025, 5, 26)
CONFIG = ForecastConfig(interval_minutes=60, country="US")


def _holed() -> DayMatrix:
    frame = _drop(_export(FIRST, LAST), WEDNESDAY)
    return history_from_frame(frame, interval_minutes=60, tz=TZ, country="US")["all"]


def test_a_missing_weekday_and_a_public_holiday_with_no_data_need_no_flag():
    m = _holed()
    index = {d: i for i, d in enumerate(m.dates)}
    assert m.missing_dates == [WEDNESDAY]
    assert m.closed_mask[index[MEMORIAL]] and not m.missing_mask[index[MEMORIAL]]
    weekdays = np.array([d.weekday() for d in m.dates])
    assert m.closed_mask[weekdays >= 5].all()
    # without the country, the holiday is only a day with no data: missing too
    plain = history_from_frame(_drop(_export(FIRST, LAST), WEDNESDAY), interval_minutes=60,
                               tz=TZ)["all"]
    assert plain.missing_dates == [WEDNESDAY, MEMORIAL]
    f = forecast_series(m, horizon_days=7, config=CONFIG)
    totals = f.values.sum(axis=1)
    fw = np.array([d.weekday() for d in f.dates])
    assert (totals[fw >= 5] == 0).all() and (totals[fw < 5] > 300).all()


def test_the_forecast_closes_a_holiday_with_no_data_however_the_history_was_read():
    """Read without the country, Memorial Day is a missing day; the forecast, which knows
    the country, still takes it as a closed holiday: the next holiday (Juneteenth) is
    forecast closed, not like a Sunday of this seven-day centre."""
    frame = _drop(_export(FIRST, LAST, weekends=True), WEDNESDAY)
    plain = history_from_frame(frame, interval_minutes=60, tz=TZ)["all"]
    known = history_from_frame(frame, interval_minutes=60, tz=TZ, country="US")["all"]
    assert MEMORIAL in plain.missing_dates and MEMORIAL not in known.missing_dates
    f = forecast_series(known, horizon_days=14, config=CONFIG)
    by_day = dict(zip(f.dates, f.values.sum(axis=1), strict=True))
    assert by_day[dt.date(2025, 6, 19)] == 0 and by_day[dt.date(2025, 6, 15)] > 100
    assert np.array_equal(forecast_series(plain, horizon_days=14, config=CONFIG).values,
                          f.values)


def test_the_mean_k_baseline_leaves_the_missing_day_out():
    """The next Wednesday of the mean of the last 4 Wednesdays is, interval by interval, the
    mean of the last 4 Wednesdays that have data: the missing one is skipped, not a zero."""
    m = _holed()
    k = 4
    f = baseline("mean", CONFIG, k=k)(m, 7)
    wednesdays = [i for i, d in enumerate(m.dates) if d.weekday() == 2 and not
                  m.missing_mask[i]][-k:]
    assert WEDNESDAY not in [m.dates[i] for i in wednesdays]
    assert m.dates[wednesdays[0]] < WEDNESDAY  # the missing one falls among the last four
    expected = m.values[wednesdays].mean(axis=0)
    day = [i for i in range(7) if (m.dates[-1] + dt.timedelta(days=i + 1)).weekday() == 2][0]
    assert f[day] == pytest.approx(expected)


def test_a_missing_day_is_left_out_of_the_fit_as_a_holiday_is():
    """The default forecast of a history with a missing Wednesday is the one of the same
    history where that Wednesday holds its real counts but is declared a holiday (a day left
    out of the fit), over a horizon without holidays: the day's counts, whatever they
    were, do not enter it. Declared closed instead, it would count as a closed day."""
    full = history_from_frame(_export(FIRST, LAST), interval_minutes=60, tz=TZ,
                              country="US")["all"]
    m = _holed()
    i = m.dates.index(WEDNESDAY)
    assert full.values[i].sum() > 300 and m.values[i].sum() == 0
    config = ForecastConfig(interval_minutes=60, country="US")
    as_holiday = ForecastConfig(interval_minutes=60, country="US",
                                holiday_days=frozenset({WEDNESDAY}))
    # the holiday factor would take the declared holiday in: none is in this horizon
    horizon = 7
    ahead = [m.dates[-1] + dt.timedelta(days=j + 1) for j in range(horizon)]
    assert not any(d in US for d in ahead)
    a = forecast_distribution(m, horizon_days=horizon, config=config)
    b = forecast_distribution(full, horizon_days=horizon, config=as_holiday)
    assert np.array_equal(a.mean.values, b.mean.values)
    assert np.array_equal(a.point.values, b.point.values)
    assert all(np.array_equal(a.quantiles[q].values, b.quantiles[q].values)
               for q in a.quantiles)


@pytest.mark.parametrize("weekends", [False, True])
@pytest.mark.parametrize(("factor", "expected"), [(0.0, 0.0), (0.5, 0.5)])
def test_a_holiday_closed_in_the_history_is_forecast_closed_and_one_at_half_at_half(
        factor, expected, weekends):
    """A year of a centre whose public holidays had no rows (closed) or half a day's calls:
    the next Memorial Day is forecast 0, or about half the Monday after (open on weekends
    or not: a closed holiday is not forecast like a Sunday)."""
    frame = _export(dt.date(2025, 5, 5), dt.date(2026, 5, 22), holiday_factor=factor,
                    weekends=weekends)
    m = history_from_frame(frame, interval_minutes=60, tz=TZ, country="US")["all"]
    held = [d for d in m.dates if d in US and (weekends or d.weekday() < 5)]
    assert len(held) >= 8
    closed = [m.closed_mask[m.dates.index(d)] for d in held]
    assert all(closed) if factor == 0 else not any(closed)
    f = forecast_series(m, horizon_days=14, config=CONFIG)  # 2026-05-23 .. 06-05
    by_day = dict(zip(f.dates, f.values.sum(axis=1), strict=True))
    memorial, next_monday = dt.date(2026, 5, 25), dt.date(2026, 6, 1)
    assert by_day[next_monday] > 400
    assert by_day[memorial] / by_day[next_monday] == pytest.approx(expected, abs=0.08)


def test_a_centre_that_closes_some_holidays_and_opens_others_gets_the_median():
    """Half its holidays closed (no rows), half a normal day: the median of the ratios, half
    way between 0 and the open ones' (about 1)."""
    first, last = dt.date(2025, 5, 27), dt.date(2026, 5, 22)
    year = [d for d in sorted(US) if first <= d <= last and d.weekday() < 5]
    assert len(year) % 2 == 0
    closed = set(year[::2])
    frame = _export(first, last, holidays=closed)  # the other holidays: a normal day
    m = history_from_frame(frame, interval_minutes=60, tz=TZ, country="US")["all"]
    assert [d for d in year if m.closed_mask[m.dates.index(d)]] == sorted(closed)
    f = forecast_series(m, horizon_days=14, config=CONFIG)
    by_day = dict(zip(f.dates, f.values.sum(axis=1), strict=True))
    ratio = by_day[dt.date(2026, 5, 25)] / by_day[dt.date(2026, 6, 1)]
    assert ratio == pytest.approx(0.5, abs=0.08)


def _daily_rows(seed: int, weeks: int = 8) -> DayMatrix:
    rng = np.random.default_rng(seed)
    n = 7 * weeks
    start = dt.date(2025, 3, 3)
    weekdays = (np.arange(n) + start.weekday()) % 7
    shape = np.array([0.0, 0.1, 0.3, 0.3, 0.2, 0.1])
    level = np.where(weekdays >= 5, 0.0, 60.0) * rng.uniform(0.8, 1.2, n)
    values = rng.poisson(level[:, None] * shape[None, :]).astype(float)
    return DayMatrix(start, 240, values, weekdays >= 5)


def _with_missing(m: DayMatrix, day: int, counts: np.ndarray) -> DayMatrix:
    values = m.values.copy()
    values[day] = counts
    missing = np.zeros(m.days, bool)
    missing[day] = True
    return DayMatrix(m.start, m.interval_minutes, values, m.closed, missing)


QUICK = ForecastConfig(interval_minutes=240, country=None)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), day=st.integers(0, 39).map(lambda k: k // 5 * 7 + k % 5),
       counts=st.lists(st.integers(0, 5000), min_size=6, max_size=6),
       method=st.sampled_from(["naive", "mean-k", "median-k", "weekday_mean"]))
def test_counts_on_a_missing_day_change_nothing_in_the_backtest(seed, day, counts, method):
    """Whatever counts a missing day holds, in a training window or in a test fold, the
    back-test is the same: it is never scored and never fitted on."""
    m = _daily_rows(seed)
    zero = _with_missing(m, day, np.zeros(6))
    other = _with_missing(m, day, np.array(counts, float))
    config = QUICK if method != "weekday_mean" else ForecastConfig(
        interval_minutes=240, country=None, method="weekday_mean")
    run = {"naive": lambda t, h: seasonal_naive(t, horizon_days=h).values,
           "mean-k": baseline("mean", config), "median-k": baseline("median", config),
           "weekday_mean": None}[method]
    kw = dict(horizon_days=7, folds=3, config=config, method=run)
    a, b = backtest(zero, **kw), backtest(other, **kw)
    assert a == b
    assert np.isfinite(a.wmape) and np.isfinite(a.mase)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), day=st.sampled_from([20, 37, 45, 52]),
       counts=st.lists(st.integers(0, 5000), min_size=6, max_size=6))
def test_counts_on_a_missing_day_change_nothing_in_the_default_backtest(seed, day, counts):
    """The same for the default method, its point forecast and its quantiles' coverage."""
    m = _daily_rows(seed)
    kw = dict(horizon_days=7, folds=2, config=QUICK)
    a = backtest(_with_missing(m, day, np.zeros(6)), **kw)
    b = backtest(_with_missing(m, day, np.array(counts, float)), **kw)
    assert a == b
    assert a.above_q90 is not None


def test_a_missing_test_day_is_not_scored():
    """A day marked missing in a test fold drops out of the totals and of the coverage."""
    m = _daily_rows(11)
    day = m.days - 3  # a Friday of the last fold
    assert m.dates[day].weekday() < 5
    full = backtest(m, horizon_days=7, folds=1, config=QUICK)
    holed = backtest(_with_missing(m, day, m.values[day]), horizon_days=7, folds=1,
                     config=QUICK)
    assert holed.actual_total == pytest.approx(full.actual_total - m.values[day].sum())
    assert len(holed.coverage_days) == len(full.coverage_days) - 1
    assert m.dates[day].toordinal() not in [row[0] for row in holed.coverage_days]


def test_the_seasonal_naive_takes_the_latest_same_weekday_with_data():
    m = _daily_rows(5)
    n = m.days
    missing = np.zeros(n, bool)
    missing[[n - 5, n - 12, n - 3]] = True  # two Wednesdays in a row, one Friday
    holed = DayMatrix(m.start, m.interval_minutes, m.values, m.closed, missing)
    f = seasonal_naive(holed, horizon_days=14).values
    plain = seasonal_naive(m, horizon_days=14).values
    assert np.array_equal(f[2], m.values[n - 19]) and np.array_equal(f[9], m.values[n - 19])
    assert np.array_equal(f[4], m.values[n - 10])
    for j in (0, 1, 3, 5, 6):
        assert np.array_equal(f[j], plain[j])
