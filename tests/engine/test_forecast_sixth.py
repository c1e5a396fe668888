"""The default forecast's sixth revision (docs/planning.md), items 2 and 3, on synthetic series:
the quantiles of a window of 13 weeks or more are calibrated on its weekly inner origins
alone; the point forecast may be the average of the model's own and the median-k baseline's."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine.forecast import (
    DayMatrix,
    ForecastConfig,
    forecast_distribution,
    history_from_frame,
    synthetic_history,
)
from roadie.engine.forecast_auto import calibration_data


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
