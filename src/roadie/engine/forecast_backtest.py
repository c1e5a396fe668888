"""The rolling-origin back-test of :mod:`roadie.engine.forecast`: the seasonal naive, the
simple baselines (mean and median of the last k same weekdays per interval) and the scores
(wMAPE, MASE, coverage of the quantiles) on the same folds for every method."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from roadie.engine.forecast import (
    DayMatrix,
    ForecastConfig,
    HistoryError,
    forecast_distribution,
    forecast_series,
    forecast_with,
)

__all__ = ["BacktestResult", "backtest", "baseline", "seasonal_naive"]


def seasonal_naive(history: DayMatrix, *, horizon_days: int) -> DayMatrix:
    """Same interval one week earlier (the last week repeated over the horizon). A day of the
    last week that is missing (``DayMatrix.missing``: no data) is replaced by the latest
    earlier same weekday that is not (zero when there is none)."""
    last_week = history.values[-7:]
    missing = history.missing_mask
    if missing[-7:].any():
        n = history.days
        last_week = last_week.copy()
        for j, i in enumerate(range(max(n - 7, 0), n)):
            while i >= 0 and missing[i]:
                i -= 7
            last_week[j] = history.values[i] if i >= 0 else 0.0
    reps = -(-horizon_days // 7)
    values = np.tile(last_week, (reps, 1))[:horizon_days]
    return DayMatrix(history.start + dt.timedelta(days=history.days), history.interval_minutes,
                     values)


# --------------------------------------------------------------------------------------------
# back-test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BacktestResult:
    """Rolling-origin accuracy. wMAPE = sum|error| / sum(actual); MASE = mean|error| divided by
    the in-sample mean absolute error of the seasonal naive (same interval last week).
    ``above_q90`` / ``below_q10``: share of the open intervals (forecast > 0) whose actual lay
    above the 90 % quantile / below the 10 % quantile (None when the method has none);
    ``at_or_above_q90`` / ``at_or_below_q10`` the same with equality (quantiles are counts: a
    quantile is calibrated when the strict share is at most its level's tail and the share
    with equality at least that). ``point_wmape``: the wMAPE of the point forecast
    (:attr:`Forecast.point`), ``median_wmape`` that of the 50 % quantile alone."""

    series: str
    folds: int
    wmape: float
    mase: float
    naive_wmape: float
    naive_mase: float
    above_q90: float | None = None
    below_q10: float | None = None
    above_q50: float | None = None
    median_wmape: float | None = None  # wMAPE of the 50 % quantile taken as the forecast
    point_wmape: float | None = None  # wMAPE of the point forecast (median, or mean if 0)
    at_or_above_q90: float | None = None
    at_or_below_q10: float | None = None
    sparse: float | None = None  # share of open intervals whose 50 % quantile is 0
    choices: tuple[str, ...] = ()  # per fold, the default's "mean/point" choice
    # per (fold, day): the day's ordinal, its open intervals, and how many lay above / at or
    # above the 90 % quantile, below / at or below the 10 % quantile
    coverage_days: tuple[tuple[int, int, int, int, int, int], ...] = ()
    actual_total: float = 0.0
    forecast_total: float = 0.0  # of the mean (the method's forecast)
    point_total: float | None = None  # of the point forecast

    def about_calibrated(self, *, upper: bool = True, tail: float = 0.1) -> bool | None:
        """Whether the 90 % (``upper``) or 10 % quantile is exceeded "about" ``tail`` of the
        time: the strict share at most ``tail`` plus, and the share with equality at least
        ``tail`` minus, a two-sided 95 % margin of sampling noise (docs/planning.md, "Fourth
        revision"). The intervals of one calendar day are one cluster (they share that day's
        level error, and folds that forecast the same day share it too): the margin is
        Student's t (clusters - 1 degrees of freedom) times the cluster-robust standard error
        of the share, never below the binomial one of independent intervals."""
        if not self.coverage_days:
            return None
        rows = np.array(self.coverage_days, dtype=float)
        day, opened = rows[:, 0], rows[:, 1]
        strict, equal = (rows[:, 2], rows[:, 3]) if upper else (rows[:, 4], rows[:, 5])
        days = np.unique(day)
        if days.size < 2 or opened.sum() == 0:
            return None
        at = np.searchsorted(days, day)

        def share_and_margin(hits: np.ndarray) -> tuple[float, float]:
            n_c = np.bincount(at, weights=opened)
            h_c = np.bincount(at, weights=hits)
            total = float(n_c.sum())
            p = float(h_c.sum()) / total
            c = days.size
            robust = math.sqrt(c / (c - 1) * float(np.sum((h_c - p * n_c) ** 2))) / total
            se = max(robust, math.sqrt(tail * (1 - tail) / total))
            return p, float(stats.t.ppf(0.975, c - 1)) * se

        p_strict, m_strict = share_and_margin(strict)
        p_equal, m_equal = share_and_margin(equal)
        return p_strict <= tail + m_strict and p_equal >= tail - m_equal

    def choice_counts(self) -> str:
        """The folds' choices counted, e.g. ``combination/median 9, mean-k/mean 3``."""
        counts: dict[str, int] = {}
        for c in self.choices:
            counts[c] = counts.get(c, 0) + 1
        return ", ".join(f"{c} {k}" for c, k in sorted(counts.items(), key=lambda x: -x[1]))


def backtest(
    history: DayMatrix, *, horizon_days: int, folds: int, config: ForecastConfig,
    series: str = "all", step_days: int = 7, method=None, history_days: int | None = None,
) -> BacktestResult:
    """Forecast from ``folds`` origins ``step_days`` apart (the last ends with the history) and
    score each against what happened. Each forecast sees only the days before its origin (the
    default method chooses its settings inside that window). ``method(train, horizon_days)``
    may replace roadie's model (used by the benchmark to score baselines and peers on the same
    folds). ``history_days``: each forecast sees at most that many days before its origin.
    A missing day (``DayMatrix.missing``: no data) is never scored, for any method: it is
    left out of the wMAPE, the MASE (and the naive errors that scale it), the coverage of the
    quantiles and the totals."""
    n = history.days
    first_origin = n - horizon_days - (folds - 1) * step_days
    if first_origin < 14:
        raise HistoryError(
            f"series {series}: too little history for {folds} fold{'s' * (folds > 1)} of "
            f"{horizon_days} day{'s' * (horizon_days > 1)} ({n} days; it needs "
            f"{14 + horizon_days + (folds - 1) * step_days}: fewer --folds or a shorter "
            "--horizon)")
    missing = history.missing_mask
    err = nerr = actual_sum = 0.0
    count = 0
    scales: list[float] = []
    quantiles = method is None and config.method == "auto" and config.quantile is None
    above = below = above50 = opened = at_above = at_below = sparse = 0
    merr = perr = 0.0
    choices: list[str] = []
    days: list[tuple[int, int, int, int, int, int]] = []
    pred_sum = point_sum = 0.0
    for f in range(folds):
        origin = first_origin + f * step_days
        train = history.slice(0 if history_days is None else max(0, origin - history_days),
                              origin)
        actual = history.values[origin: origin + horizon_days]
        known = ~missing[origin: origin + horizon_days]  # the days scored
        if method is not None:
            pred = np.asarray(method(train, horizon_days), dtype=float).reshape(actual.shape)
        elif quantiles:
            result = forecast_distribution(train, horizon_days=horizon_days, config=config,
                                           series=series)
            mean, qs = result.mean, result.quantiles
            choices.append(result.choice)
            pred = mean.values
            open_ = (pred > 0) & known[:, None]
            opened += int(open_.sum())
            above += int((actual > qs[0.9].values)[open_].sum())
            below += int((actual < qs[0.1].values)[open_].sum())
            above50 += int((actual > qs[0.5].values)[open_].sum())
            at_above += int((actual >= qs[0.9].values)[open_].sum())
            at_below += int((actual <= qs[0.1].values)[open_].sum())
            sparse += int(((qs[0.5].values == 0) & open_).sum())
            merr += np.abs(actual - qs[0.5].values)[known].sum()
            perr += np.abs(actual - result.point.values)[known].sum()
            point_sum += float(result.point.values[known].sum())
            first = history.start + dt.timedelta(days=origin)
            for i in np.flatnonzero(known):
                o = open_[i]
                days.append(((first + dt.timedelta(days=int(i))).toordinal(), int(o.sum()),
                             int((actual[i] > qs[0.9].values[i])[o].sum()),
                             int((actual[i] >= qs[0.9].values[i])[o].sum()),
                             int((actual[i] < qs[0.1].values[i])[o].sum()),
                             int((actual[i] <= qs[0.1].values[i])[o].sum())))
        else:
            pred = forecast_series(train, horizon_days=horizon_days, config=config,
                                   series=series).values
        naive = seasonal_naive(train, horizon_days=horizon_days).values
        err += np.abs(actual - pred)[known].sum()
        pred_sum += float(pred[known].sum())
        nerr += np.abs(actual - naive)[known].sum()
        actual_sum += actual[known].sum()
        count += int(known.sum()) * actual.shape[1]
        # the in-sample naive's mean absolute error, on the pairs of days a week apart that
        # both have data
        pairs = ~train.missing_mask[7:] & ~train.missing_mask[:-7]
        if pairs.any():
            diff = np.abs(train.values[7:] - train.values[:-7])[pairs]
            scales.append(float(diff.mean()))
    scale = sum(scales) / len(scales) if scales else 0.0
    share = (lambda k: k / opened if opened else None) if quantiles else (lambda k: None)
    return BacktestResult(
        series=series,
        folds=folds,
        wmape=float(err / actual_sum) if actual_sum else float("nan"),
        mase=float(err / count / scale) if scale else float("nan"),
        naive_wmape=float(nerr / actual_sum) if actual_sum else float("nan"),
        naive_mase=float(nerr / count / scale) if scale else float("nan"),
        above_q90=share(above), below_q10=share(below), above_q50=share(above50),
        median_wmape=float(merr / actual_sum) if quantiles and actual_sum else None,
        point_wmape=float(perr / actual_sum) if quantiles and actual_sum else None,
        at_or_above_q90=share(at_above), at_or_below_q10=share(at_below), sparse=share(sparse),
        choices=tuple(choices), coverage_days=tuple(days), actual_total=float(actual_sum),
        forecast_total=pred_sum, point_total=point_sum if quantiles else None,
    )


def baseline(stat: str, config: ForecastConfig, *, k: int | None = None):
    """A back-test ``method``: the mean or median of the last k regular same weekdays per
    interval (k chosen inside each training window when None), with the same holidays,
    closings and special periods as roadie."""
    from roadie.engine.forecast_auto import weekday_baseline

    def run(train: DayMatrix, horizon: int) -> np.ndarray:
        def base(clean, weekdays, regular, future_weekdays):
            return weekday_baseline(clean, weekdays, regular, stat=stat,
                                    future_weekdays=future_weekdays, k=k)[0]
        return forecast_with(train, horizon_days=horizon, config=config, base=base).values

    return run

