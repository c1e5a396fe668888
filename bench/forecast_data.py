"""The series of the forecast back-test: 23 series x interval pairs built from the Anonymous
Bank 1999 data, and one held-out series.

- ``bank``: the bank's yearly 6-minute arrival counts (363 days; 11-12 January, usually-open
  days with no data, filled from the week before);
- ``bank-weekdays``: the same without Fridays and Saturdays (the Israeli weekend), as an
  export of a centre open Sunday to Thursday would come: the weekend is closed, not a gap;
- ``bank-shift-up`` / ``bank-shift-down``: the bank with a level shift 6 weeks before the end
  (every later call counted 1.5 times by adding a binomial half of it, or kept with
  probability 0.6: both stay count data);
- ``feb-PS`` ... ``feb-TT``: the February call log per service type (every call that entered
  the VRU, counted by its entry time), 28 days, from about 1,000 calls a day (PS) to about 10
  (IN, closed on Saturdays); ``-weekdays`` versions without Fridays and Saturdays; and
  ``feb-PS-shift`` with a 1.5x shift from 17 February;
- ``us-bank`` (held out until ``run-20261202-forecast-v8``, its held-out score; the sixth
  revision of docs/planning.md was written after looking at it, so it is seen since): the
  five-minute call counts of a North American bank, weekdays 07:00-21:05, 3 March - 24
  October 2003 (bench/data/SOURCE.md), read through ``history_from_frame`` as its export
  comes: the weekends closed with no flag, the public holidays with no data closed holidays,
  the three usually-open days with no data missing (left out of fits and of scoring), nothing
  filled. US public holidays; origins a week apart, as many as 16 weeks of history before the
  first allow (``folds_after``).

Every series but ``us-bank`` has Israeli public holidays (``Series.country``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from roadie.engine.forecast import DayMatrix, history_from_frame

ROOT = Path(__file__).resolve().parents[1]
BANK = Path("/work/shared/data/anonymous_bank_1999")
if not BANK.exists():
    BANK = ROOT.parent / "shared" / "data" / "anonymous_bank_1999"
US_BANK = ROOT / "bench" / "data" / "us_bank_2003_5min.csv.gz"
TYPES = ("PS", "NW", "NE", "TT", "IN")
HORIZON_DAYS = 7
HISTORY_WEEKS = 16


@dataclass(frozen=True)
class Series:
    name: str
    history: DayMatrix
    folds: int
    step_days: int
    note: str
    country: str = "IL"  # public holidays of every model (ForecastConfig.country)
    held_out: bool = False  # no revision of the method was written after looking at it
    # (us-bank was, until run-20261202-forecast-v8; the sixth revision looked at it)


def folds_after(history: DayMatrix, *, history_weeks: int = HISTORY_WEEKS,
                horizon_days: int = HORIZON_DAYS, step_days: int = 7) -> int:
    """As many origins ``step_days`` apart as the history allows with ``history_weeks`` whole
    weeks before the first one, the last forecast ending with the history (the rule of the
    held-out series, fixed before it was back-tested)."""
    spare = history.days - horizon_days - 7 * history_weeks
    if spare < 0:
        raise ValueError(f"{history.days} days hold no fold after {history_weeks} weeks")
    return spare // step_days + 1


def _yearly_frame() -> pd.DataFrame:
    raw = pd.read_csv(BANK / "anonymous_bank_1999_6min_arrivals.csv")
    return pd.DataFrame({"start": raw["date"] + "T" + raw["interval_start"],
                         "contacts": raw["calls"]})


def _february_frame(kind: str) -> pd.DataFrame:
    raw = pd.read_csv(BANK / "data_anonymous_bank_february.txt", sep="\t")
    raw = raw[raw["type"] == kind]
    day = pd.to_datetime(raw["date"].astype(str), format="%y%m%d")
    seconds = pd.to_timedelta(raw["vru_entry"].str.strip())
    stamp = (day + seconds).dt.floor("3min")
    counts = stamp.value_counts().sort_index()
    # every day of the month in the file (an empty day is a day with no calls of this type),
    # so that the closed days are those of the data, not of the counting
    grid = pd.date_range("1999-02-01", "1999-02-28 23:57", freq="3min")
    grid_days = pd.Series(grid.normalize())
    seen_days = set(day.dt.normalize())
    keep = grid_days.isin(seen_days).to_numpy()
    full = counts.reindex(grid[keep], fill_value=0)
    return pd.DataFrame({"start": full.index.strftime("%Y-%m-%dT%H:%M"),
                         "contacts": full.to_numpy()})


def _without_weekend(frame: pd.DataFrame) -> pd.DataFrame:
    weekday = pd.to_datetime(frame["start"]).dt.day_of_week
    return frame[~weekday.isin((4, 5))]  # Friday, Saturday


def _shift(matrix: DayMatrix, first: int, factor: float, seed: int) -> DayMatrix:
    rng = np.random.default_rng(seed)
    values = matrix.values.copy()
    tail = values[first:].astype(np.int64)
    if factor >= 1:
        values[first:] = tail + rng.binomial(tail, factor - 1.0)
    else:
        values[first:] = rng.binomial(tail, factor)
    return DayMatrix(matrix.start, matrix.interval_minutes, values, matrix.closed)


def _halves(frame: pd.DataFrame) -> pd.DataFrame:
    """Each 6-minute bin split into two 3-minute halves of half its count each (arrivals taken
    as uniform inside a bin), so that 15-minute intervals can be summed: a quarter hour is two
    whole bins and half of the bin that straddles its boundary (xx:12-xx:18, xx:42-xx:48)."""
    start = pd.to_datetime(frame["start"])
    later = (start + pd.Timedelta(minutes=3)).dt.strftime("%Y-%m-%dT%H:%M")
    half = frame["contacts"] / 2.0
    return pd.concat([pd.DataFrame({"start": frame["start"], "contacts": half}),
                      pd.DataFrame({"start": later, "contacts": half})], ignore_index=True)


def load(interval: int, *, quick: bool = False) -> list[Series]:
    """Every series of the report at ``interval`` minutes. The yearly counts come in 6-minute
    bins: at 30 minutes they add up; at 15 minutes the bins that straddle a quarter hour are
    split in half (``_halves``), and only the seven-day series is scored (its other versions
    are at 30 minutes), to keep the run within the hour."""
    out: list[Series] = []
    if interval % 6 == 0:
        out += _yearly(interval, 6 if quick else 12)
    elif interval % 3 == 0:
        out += _yearly(interval, 6 if quick else 12, rebin=True)
    return out + _february(interval) + us_bank_series(interval, quick=quick)


def _yearly(interval: int, folds: int, *, rebin: bool = False) -> list[Series]:
    out: list[Series] = []
    yearly = _yearly_frame()
    if rebin:
        yearly = _halves(yearly)
    bank = history_from_frame(yearly, interval_minutes=interval, fill_gaps=True)["all"]
    out.append(Series("bank", bank, folds, 7, "7 days, 444,448 calls"))
    if rebin:
        return [Series("bank", bank, folds, 7,
                       "7 days, 444,448 calls, 6-minute bins split at quarter hours")]
    weekdays = history_from_frame(_without_weekend(yearly), interval_minutes=interval,
                                  fill_gaps=True)["all"]
    out.append(Series("bank-weekdays", weekdays, folds, 7, "Sunday-Thursday export"))
    shift_day = bank.days - 42
    out.append(Series("bank-shift-up", _shift(bank, shift_day, 1.5, 1), folds, 7,
                      "x1.5 from 6 weeks before the end"))
    out.append(Series("bank-shift-down", _shift(bank, shift_day, 0.6, 2), folds, 7,
                      "x0.6 from 6 weeks before the end"))
    return out


def _february(interval: int) -> list[Series]:
    out: list[Series] = []
    for kind in TYPES:
        frame = _february_frame(kind)
        m = history_from_frame(frame, interval_minutes=interval)["all"]
        per_day = m.values.sum() / max(int((~m.closed_mask).sum()), 1)
        out.append(Series(f"feb-{kind}", m, 8, 1, f"28 days, {per_day:,.0f} calls per open day"))
        if kind in ("PS", "NW", "IN"):
            w = history_from_frame(_without_weekend(frame), interval_minutes=interval)["all"]
            out.append(Series(f"feb-{kind}-weekdays", w, 8, 1, "Sunday-Thursday export"))
    ps = next(s for s in out if s.name == "feb-PS").history
    first = (dt.date(1999, 2, 17) - ps.start).days
    out.append(Series("feb-PS-shift", _shift(ps, first, 1.5, 3), 8, 1, "x1.5 from 17 February"))
    return out


def us_bank_frame() -> pd.DataFrame:
    """The held-out export as it comes (``start,contacts``, local times, Monday-Friday)."""
    return pd.read_csv(US_BANK, dtype={"start": str})


def us_bank_history(interval: int) -> DayMatrix:
    """The held-out series at ``interval`` minutes, read as ``roadie forecast --country US``
    reads the export: no flag, nothing filled."""
    return history_from_frame(us_bank_frame(), interval_minutes=interval,
                              tz="America/New_York", country="US")["all"]


def us_bank_series(interval: int, *, quick: bool = False) -> list[Series]:
    """The series held out until v8 at ``interval`` minutes (none at an interval 5 does not
    divide)."""
    if interval % 5:
        return []
    m = us_bank_history(interval)
    folds = min(6, folds_after(m)) if quick else folds_after(m)
    return [Series("us-bank", m, folds, 7,
                   "held out until v8 (seen by the sixth revision): Monday-Friday export, "
                   f"{m.values.sum():,.0f} calls, 2003", country="US")]
