"""The series held out until run-20261202-forecast-v8 (``us-bank``, bench/forecast_data.py) loads as
the back-test expects: a Monday-Friday export read with no flag and nothing filled, US
holidays, and as many weekly folds as 16 weeks of history allow."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadie.engine.forecast import DayMatrix

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
try:
    import forecast_data
finally:
    sys.path.remove(str(ROOT / "bench"))

HOLIDAYS_CLOSED = {dt.date(2003, 5, 26), dt.date(2003, 7, 4), dt.date(2003, 9, 1)}
MISSING = {dt.date(2003, 4, 4), dt.date(2003, 4, 7), dt.date(2003, 10, 14)}


@pytest.fixture(scope="module")
def frame():
    return forecast_data.us_bank_frame()


@pytest.mark.parametrize("interval", [15, 30])
def test_the_held_out_series_is_a_monday_to_friday_export_with_its_holidays_and_missing_days(
        frame, interval):
    (series,) = forecast_data.us_bank_series(interval)
    m = series.history
    # held out until v8; the sixth revision was written after looking at it
    assert (series.name, series.country, series.held_out) == ("us-bank", "US", False)
    assert m.start == dt.date(2003, 3, 3) and m.dates[-1] == dt.date(2003, 10, 24)
    closed = {d for d, c in zip(m.dates, m.closed_mask, strict=True) if c}
    weekends = {d for d in m.dates if d.weekday() >= 5}
    # the weekends and the public holidays with no data are closed, with no flag
    assert closed == weekends | HOLIDAYS_CLOSED
    # the usually open days with no data are missing, not filled
    assert set(m.missing_dates) == MISSING
    assert not m.values[m.closed_mask | m.missing_mask].any()
    # Columbus Day has data and stays an open day; every call of the export is counted once
    assert dt.date(2003, 10, 13) not in closed | MISSING
    assert m.values.sum() == frame["contacts"].sum()
    day = m.dates.index(dt.date(2003, 3, 3))
    first_day = frame[frame["start"].str.startswith("2003-03-03")]
    assert m.values[day].sum() == first_day["contacts"].sum()
    # origins a week apart, the last forecast ending with the data, 16 whole weeks before the
    # first: one fold more would lack them
    assert (series.folds, series.step_days) == (17, 7)
    first_origin = m.days - 7 - (series.folds - 1) * 7
    assert m.dates[first_origin] == dt.date(2003, 6, 28)
    assert first_origin >= 16 * 7 > first_origin - 7


@given(days=st.integers(min_value=119, max_value=800), weeks=st.integers(1, 16),
       step=st.integers(1, 14))
def test_folds_after_takes_every_fold_with_the_whole_history_before_it(days, weeks, step):
    m = DayMatrix(dt.date(2003, 3, 3), 30, np.zeros((days, 48)))
    folds = forecast_data.folds_after(m, history_weeks=weeks, step_days=step)
    first_origin = days - 7 - (folds - 1) * step
    assert folds >= 1
    assert first_origin >= 7 * weeks > first_origin - step


def test_folds_after_refuses_a_history_too_short_for_one_fold():
    m = DayMatrix(dt.date(2003, 3, 3), 30, np.zeros((16 * 7 + 6, 48)))
    with pytest.raises(ValueError, match="no fold"):
        forecast_data.folds_after(m)
