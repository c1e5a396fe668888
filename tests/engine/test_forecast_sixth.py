"""The default forecast's sixth revision (docs/planning.md), items 2 and 3, on synthetic series:
the quantiles of a window of 13 weeks or more are calibrated on its weekly inner origins
alone; the point forecast may be the average of the model's own and the median-k baseline's."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from roadie.engine.forecast import (
    DayMatrix,
    ForecastConfig,
    forecast_distribution,
    history_from_frame,
    synthetic_history,
)
from roadie.engine.forecast_auto import (
    _baseline,
    _by_weekday,
    calibration_data,
    fit_auto,
    median_k_table,
)


def _window(days: int, *, daily: float = 400.0, seed: int = 7) -> DayMatrix:
    frame = synthetic_history(first_day=dt.date(2025, 1, 6), days=days,
                              rng=np.random.default_rng(seed), daily_contacts=daily)
    return history_from_frame(frame, interval_minutes=30)["brand-a/call"]


def _fit_inputs(m: DayMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    weekdays = np.array([d.weekday() for d in m.dates])
    return m.values, weekdays, m.values.sum(axis=1) > 0


# item 2: calibration on long windows


def test_a_long_window_is_calibrated_on_its_inner_origins_alone_a_short_one_on_late_ones_too():
    """16 weeks: inner origins a week apart, the 8 with half the window before them, 7-day
    forecasts each (Sundays closed: 6 regular days). 3 weeks: inner origins a day apart, and
    the origins after the latest one too, each forecasting up to the window's last open day."""
    long = _window(16 * 7)
    model, blocks = calibration_data(*_fit_inputs(long))
    assert [b.source for b in blocks] == ["inner"] * 8
    assert all(2 * b.origin >= long.days for b in blocks)
    assert all(b.days.max() - b.origin < 7 for b in blocks)
    assert model.calibration_days == sum(b.days.size for b in blocks)
    short = _window(3 * 7)
    values, weekdays, regular = _fit_inputs(short)
    model, blocks = calibration_data(values, weekdays, regular)
    sources = [b.source for b in blocks]
    assert "inner" in sources and "late" in sources
    latest_inner = max(b.origin for b in blocks if b.source == "inner")
    late = [b for b in blocks if b.source == "late"]
    last_open = int(np.flatnonzero(regular)[-1])  # the window ends on a (closed) Sunday
    assert all(b.origin > latest_inner and b.days.max() == last_open for b in late)
    assert model.calibration_days == sum(b.days.size for b in blocks)


def test_thirteen_weeks_is_where_the_late_origins_stop():
    """The inner origins are a week apart from 13 weeks of history: a day less still has
    late origins in its calibration (and its inner origins are closer than a week)."""
    m = _window(13 * 7)
    _, blocks = calibration_data(*_fit_inputs(m))
    assert {b.source for b in blocks} == {"inner"}
    assert set(np.diff(sorted(b.origin for b in blocks))) == {7}
    _, blocks = calibration_data(*_fit_inputs(m.head(13 * 7 - 1)))
    assert "late" in {b.source for b in blocks}
    inner = sorted(b.origin for b in blocks if b.source == "inner")
    assert max(np.diff(inner)) < 7


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), daily=st.sampled_from([6.0, 60.0, 600.0]),
       closed=st.sampled_from([None, 2]),
       levels=st.lists(st.floats(0.05, 0.95), min_size=2, max_size=4, unique=True))
def test_on_sixteen_weeks_the_quantiles_are_ordered_counts_and_zero_when_closed(
        seed, daily, closed, levels):
    m = _window(16 * 7, daily=daily, seed=seed)
    future = [m.dates[-1] + dt.timedelta(days=i + 1) for i in range(7)]
    closed_days = frozenset({future[closed]}) if closed is not None else frozenset()
    levels = sorted(levels)
    result = forecast_distribution(m, horizon_days=7, levels=tuple(levels), config=ForecastConfig(
        closed_days=closed_days))
    stack = np.stack([result.quantiles[q].values for q in levels])
    assert np.isfinite(stack).all() and (stack >= 0).all()
    assert (np.diff(stack, axis=0) >= 0).all()
    assert (stack == np.round(stack)).all()
    mean = result.mean.values
    assert (stack[:, mean == 0] == 0).all()
    sundays = np.array([d.weekday() == 6 for d in future])
    assert (mean[sundays] == 0).all() and (stack[:, sundays] == 0).all()
    never = m.values.sum(axis=0) == 0  # before 08:00 and after 22:00
    assert (stack[:, :, never] == 0).all()
    if closed is not None:
        assert (mean[closed] == 0).all() and (stack[:, closed] == 0).all()


# item 3: the point forecast's average with the median-k baseline

START = dt.date(2025, 3, 3)  # a Monday
WEEK = np.array([1.2, 1.0, 1.0, 1.0, 0.9, 0.7, 0.5])


def _profile() -> np.ndarray:
    profile = np.zeros(48)
    profile[16:40] = np.sin(np.linspace(0.2, np.pi - 0.2, 24))  # 08:00-20:00
    return profile / profile.sum()


def _drifting_intervals(seed: int, *, days: int, daily: float = 2000.0, sigma: float = 0.3,
                        rho: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts whose rate is a smooth weekly pattern and profile times a factor per
    weekday and interval that drifts from week to week (log AR(1) across weeks, stationary
    standard deviation ``sigma``, correlation ``rho``): a slot that a campaign or a habit makes
    busier for a while. The best forecast of such a factor shrinks its recent value towards
    its long-run one; the model's daily total x profile pools the weeks and the median of the
    last k same weekdays follows each interval with its noise. (counts, true rates)"""
    rng = np.random.default_rng(seed)
    weekdays = np.arange(days) % 7
    effect = rng.normal(0.0, sigma, (7, 48))
    log_factor = np.zeros((days, 48))
    for d in range(days):
        if d and d % 7 == 0:
            effect = rho * effect + rng.normal(0.0, sigma * np.sqrt(1 - rho * rho), (7, 48))
        log_factor[d] = effect[weekdays[d]]
    rates = daily * WEEK[weekdays][:, None] * _profile()[None, :] * np.exp(log_factor)
    return rng.poisson(rates).astype(float), rates


def _expected_error(forecast: np.ndarray, rate: np.ndarray) -> float:
    """E|Y - forecast| summed over the intervals, Y ~ Poisson(rate), exact."""
    k = np.arange(int(rate.max() * 2) + 60)[:, None, None]
    pmf = stats.poisson(np.maximum(rate, 1e-12)[None]).pmf(k)
    return float((pmf * np.abs(k - forecast[None])).sum())


def _own_part(result, values: np.ndarray) -> np.ndarray:
    """The model's own point forecast inside an average: twice the point less the median-k
    rule's half (no holiday, closing or opening hours here: the rule's table as it is)."""
    model = result.model
    weekdays = np.arange(values.shape[0]) % 7
    table = median_k_table(model, values, weekdays, values.sum(axis=1) > 0)
    future = np.array([d.weekday() for d in result.mean.dates])
    return 2.0 * result.point.values - table[future]


def test_where_intervals_drift_the_average_with_median_k_is_chosen_and_is_better():
    """16 weeks of the drifting-interval series at 2,000 contacts a day: the average is the
    point forecast in most windows, and where it is, its expected absolute error on the next
    week's true rates is lower than that of the model's own point forecast alone."""
    n, chosen, better = 16 * 7, 0, 0
    own_total = mix_total = 0.0
    for seed in range(10):
        values, rates = _drifting_intervals(seed, days=n + 7)
        result = forecast_distribution(DayMatrix(START, 30, values[:n]), horizon_days=7,
                                       config=ForecastConfig(country=None))
        model = result.model
        if not model.point_mix:
            continue
        chosen += 1
        assert model.point in ("median", "mean", "topdown-median")
        assert result.choice == f"{model.mean_choice}/{model.point}+median-k"
        assert "point forecast: the average of " in model.describe()
        assert f"the median of the last {model.median_k} same weekdays" in model.describe()
        own = _own_part(result, values[:n])
        if model.point == "mean":  # the tail: half the model's own, half the median-k rule
            assert np.allclose(own, result.mean.values)
        elif model.point == "median":
            q50 = result.quantiles[0.5].values
            assert np.allclose(own, np.where(q50 > 0, q50, result.mean.values))
        truth = rates[n:]
        own_error = _expected_error(own, truth)
        mix_error = _expected_error(result.point.values, truth)
        better += mix_error < own_error
        own_total += own_error
        mix_total += mix_error
    assert chosen >= 6
    assert better >= chosen - 1 and mix_total < own_total


def test_on_a_sparse_stable_series_the_average_is_seldom_chosen():
    """24 contacts a day over 12 hours (one an interval at most): the median of the last k
    same weekdays per interval is mostly 0 or 1 (then their mean), a poor forecast next to
    the model's; the model's own point forecast stays in at least 9 windows of 10."""
    own = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        weekdays = np.arange(16 * 7) % 7
        rates = 24.0 * WEEK[weekdays][:, None] * _profile()[None, :]
        values = rng.poisson(rates).astype(float)
        model = fit_auto(values, weekdays, np.ones(values.shape[0], bool))
        own += not model.point_mix
    assert own >= 9


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), weeks=st.integers(2, 14),
       daily=st.sampled_from([4.0, 30.0, 300.0]), drift=st.sampled_from([0.0, 0.3]),
       closed=st.sampled_from([None, 6]))
def test_the_point_forecast_is_never_0_where_the_mean_is_positive(seed, weeks, daily, drift,
                                                                  closed):
    """Whatever the model chooses, its point forecast is 0 only where the mean is (or, for
    the median-k baseline alone, where its last k same weekdays had no contact): an average
    with the median-k rule is never 0 where the mean is positive, its own half is not."""
    values, _ = _drifting_intervals(seed, days=7 * weeks, daily=daily, sigma=drift, rho=0.8)
    mask = None
    if closed is not None:
        mask = np.arange(values.shape[0]) % 7 == closed
        values[mask] = 0.0
    result = forecast_distribution(DayMatrix(START, 30, values, mask), horizon_days=7,
                                   config=ForecastConfig(country=None))
    mean, point, model = result.mean.values, result.point.values, result.model
    assert (point >= 0).all()
    if closed is not None:  # a closed day is 0, in both halves of an average too
        future = np.array([d.weekday() for d in result.mean.dates]) == closed
        assert (point[future] == 0).all() and (mean[future] == 0).all()
    hollow = (point == 0) & (mean > 0)
    if model.point == "median-k" and not model.point_mix:
        regular = values.sum(axis=1) > 0 if mask is None else ~mask
        weekdays = np.arange(values.shape[0]) % 7
        last_k = _baseline(values * model.relevel[:, None], _by_weekday(weekdays, regular),
                           "mean", model.median_k)
        future = np.array([d.weekday() for d in result.mean.dates])
        assert (last_k[future][hollow] == 0).all()
    else:
        assert not hollow.any()
