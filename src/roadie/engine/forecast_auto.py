"""The default forecast ("auto"): a combination of three families of candidates chosen inside
the training window, robust to level shifts, with count quantiles calibrated on the same
in-sample folds. docs/planning.md ("The default method, and why") gives every setting and its
reason; all were fixed before the method was back-tested, and for a training window nothing
after it is looked at, so a back-test is honest.

1. *Level shifts* (:func:`roadie.engine.forecast_shifts.level_breaks`): a CUSUM test with
   binary segmentation on the log de-seasonalised daily level (changes inside the window), and
   a recent-change test on the last 3 to 10 open days (a change is acted on after 3 open
   days); earlier segments are re-levelled to the last one.
2. *Candidates* (means), on the re-levelled window: daily total x intraday profile;
   recency-weighted (exponentially smoothed) level x weekday pattern x profile; the
   per-interval mean of the last k same weekdays.
3. *Choice*: rolling inner origins (7-day horizon, a fold one week older weighs 0.9); the best
   candidate of each of four families (daily x profile, recency-weighted, Theta, per-interval
   mean); the mean forecast is their equal-weight average. Third revision: on honest inner
   errors (each origin forecast with the winners of the other origins), the mean-k baseline
   replaces that average, and the median-k baseline the point forecast, only beyond noise
   (:func:`_better`); the point forecast is the median rule or the mean, the lower. Fifth
   revision: a top-down family (:mod:`roadie.engine.forecast_topdown`, its level restricted
   to the days since a change of the one-step-error CUSUM) whose winner may be the mean
   (lower honest error than the combination) and whose median rule may be the point. Sixth
   revision: the point forecast may be the equal-weight average of that choice and the
   median-k baseline's median rule (lower honest error).
4. *Quantiles* (:mod:`roadie.engine.forecast_quantiles`): negative binomial around the chosen
   mean (kappa by moments), its levels conformally corrected per band of the interval of the
   day, both on the honest errors of the inner origins with at least half the window before
   them (on windows under 13 weeks, whose inner origins are closer than a week, also of the
   origins after the latest inner one: sixth revision, item 2).

The simple baselines of the back-test report (mean / median of the last k same weekdays per
interval, k chosen the same way) are here too, so that both sides are scored alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats

from roadie.engine.forecast_quantiles import (
    CalibrationBlock,
    calibrated_level,
    count_quantile,
    fit_calibration,
)
from roadie.engine.forecast_shifts import level_breaks_with_variance
from roadie.engine.forecast_topdown import (
    TD_DAILY,
    TD_PROFILES,
    topdown_daily,
    topdown_profiles,
    topdown_relevel,
)

__all__ = ["AutoModel", "CalibrationBlock", "auto_predict", "calibration_data", "fit_auto",
           "median_k_table", "point_table", "recalibrated", "topdown_tables",
           "weekday_baseline"]

DAILY = (
    *(("mean", k) for k in (1, 2, 4, 8)),
    *(("median", k) for k in (3, 5, 9)),
    *(("level", r) for r in (7, 14, 28)),
)
EWMA = tuple(("ewma", h) for h in (3, 7, 14))  # half-lives in open days
# the Theta method (Hyndman and Billah 2003: simple exponential smoothing plus half the
# least-squares trend), smoothing constants of the same half-lives
THETA = tuple(("theta", h) for h in (3, 7, 14))
DAILY_KINDS = DAILY + EWMA + THETA
FAMILIES = ("daily", "ewma", "theta")  # of DAILY_KINDS, by kind; plus the per-interval mean
PROFILE_DAYS = (2, 4, 8, 16)
PROFILE_GROUPS = (0.0, 0.3)  # L1 distance under which weekdays' profiles are pooled
SMOOTH = (False, True)
PROFILES = tuple((m, g, s) for m in PROFILE_DAYS for g in PROFILE_GROUPS for s in SMOOTH)
INTERVAL_K = (1, 2, 3, 4, 5, 6, 8, 10, 12)  # per-interval mean of the last k same weekdays
INNER_FOLDS = 12
DECAY = 0.9  # weight of an inner fold one week older
SHAPE_WEEKS = 12
# third revision: the combination and the median rule stay the mean and the point forecast
# unless a baseline (or the mean) beats them on the inner origins beyond noise: a one-sided
# paired t-test at 5 % of the per-origin differences of their honest errors
SWITCH_ALPHA = 0.05


@dataclass(frozen=True)
class AutoModel:
    """The family winners chosen for one training window (averaged), the level shifts found
    in it, and the calibration of its quantiles."""

    chosen: tuple[tuple, ...]  # per family: ("daily", daily, profile) or ("interval", k)
    kappa: float = 0.0  # negative binomial: variance mu + kappa mu^2
    inner_error: float = float("nan")  # weighted in-sample absolute error of the combination
    edges: np.ndarray = field(default_factory=lambda: np.zeros(0))  # bands of the slot index
    # per band, the in-sample PIT values F(y - 1) and F(y) and their fold weights
    pit_low: tuple[np.ndarray, ...] = ()
    pit_high: tuple[np.ndarray, ...] = ()
    weights: tuple[np.ndarray, ...] = ()
    breaks: tuple[int, ...] = ()  # first day of each new level (index into the window)
    relevel: np.ndarray = field(default_factory=lambda: np.zeros(0))  # factor per day
    # variance of the current log level after a change (long-run variance / its open days),
    # added to kappa in the quantiles: wider just after a change
    level_var: float = 0.0
    # third revision: the mean is the combination of ``chosen`` ("combination") or the mean-k
    # baseline alone ("mean-k", then ``chosen`` is that one); the point forecast is the
    # median rule of the mean ("median"), the mean itself ("mean") or the median-k baseline
    # under the same rule ("median-k", k = ``median_k``): each chosen on honest inner errors
    mean_choice: str = "combination"
    point: str = "median"
    median_k: int = 5
    # sixth revision, item 3: the point forecast is the equal-weight average of ``point`` (then
    # "median", "mean" or "topdown-median") and the median-k baseline's median rule
    point_mix: bool = False
    calibration_days: int = 0  # the (origin, day) pairs whose errors calibrate the quantiles
    # fifth revision: the top-down family's winner (daily kind, profile kind), the factor per
    # day that restricts its level to the days since a change of the one-step-error test,
    # the changes, and the calibration of its quantiles on its own honest errors (its median
    # is the point forecast "topdown-median")
    topdown: tuple = ()
    td_relevel: np.ndarray = field(default_factory=lambda: np.zeros(0))
    td_changes: tuple[int, ...] = ()
    td_calibration: dict = field(default_factory=dict)

    def describe(self) -> str:
        parts = []
        for choice in self.chosen:
            if choice[0] == "interval":
                parts.append(f"per-interval mean of the last {choice[1]} same weekdays")
                continue
            if choice[0] == "topdown":
                parts.append(_describe_topdown(choice[1:]))
                continue
            (kind, k), (m, group, smooth) = choice[1], choice[2]
            parts.append(f"daily {kind} {k} x profile {m} day(s)"
                         f"{f' pooled under {group}' if group else ''}"
                         f"{' smoothed' if smooth else ''}")
        shifts = f"level shifts at day(s) {', '.join(map(str, self.breaks))}; " if self.breaks \
            else ""
        median_k = (f"the median of the last {self.median_k} same weekdays per interval (their "
                    "mean where that is 0)")
        point = {"median": "its median (the mean where that is 0)", "mean": "the mean",
                 "median-k": median_k,
                 "topdown-median": f"the median of the top-down {_describe_topdown(self.topdown)}"
                                   " (its mean where that is 0)"}[self.point]
        if self.point_mix:
            own = "the median of the mean (its mean where that is 0)" \
                if self.point == "median" else point
            point = f"the average of {own} and {median_k}"
        return (shifts + f"mean: {self.mean_choice} of " + "; ".join(parts)
                + f"; point forecast: {point}")

    @property
    def point_choice(self) -> str:
        """The point forecast's choice as the back-test counts it: ``point``, or
        ``point+median-k`` for its average with the median-k baseline."""
        return f"{self.point}+median-k" if self.point_mix else self.point

    def point_model(self) -> AutoModel:
        """The model whose quantiles give the point forecast's median: this one, or, for
        "topdown-median", this one with the top-down family's calibration."""
        if self.point == "topdown-median" and self.td_calibration:
            return replace(self, **self.td_calibration)
        return self

    def calibrated_level(self, level: float, band: int) -> float:
        """The level of the negative binomial that gives the quantile ``level`` in ``band``
        (:func:`roadie.engine.forecast_quantiles.calibrated_level`)."""
        if not self.weights:
            return level
        return calibrated_level(level, self.pit_low[band], self.pit_high[band],
                                self.weights[band])

    def quantile(self, mu: np.ndarray, level: float) -> np.ndarray:
        """Per interval of mean ``mu`` (its last axis: the intervals of the day), the count
        quantile ``level``: 0 where mu is 0 (wider after a change: ``level_var``)."""
        return count_quantile(mu, level, kappa=self.kappa + self.level_var, edges=self.edges,
                              pit_low=self.pit_low, pit_high=self.pit_high,
                              weights=self.weights)


def _describe_topdown(choice: tuple) -> str:
    (kind, half_life), (m, tau) = choice
    total = (f"weekday total smoothed (half-life {half_life} same weekdays)" if kind == "weekday"
             else f"smoothed level (half-life {half_life} open days) x weekday pattern")
    return (f"{total} x profile of {m} same weekdays"
            f"{f' shrunk by {tau:g} per interval' if tau else ''}")


# --------------------------------------------------------------------------------------------
# building blocks (on one training window: values[d, s], weekday[d], regular[d])
# --------------------------------------------------------------------------------------------


def _by_weekday(weekdays: np.ndarray, regular: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero((weekdays == w) & regular) for w in range(7)]


def _family(kind: str) -> str:
    return kind if kind in ("ewma", "theta") else "daily"


def _theta_level(level: float, x: np.ndarray, half_life: float, ahead: np.ndarray
                 ) -> np.ndarray:
    """The Theta method's forecast ``ahead`` open days after the series ``x`` (Hyndman and
    Billah 2003, theta = 2): the smoothed ``level`` plus half the least-squares slope b0 of x
    times (h - 1 + 1/alpha - (1 - alpha)^T / alpha)."""
    t = x.size
    if t < 3:
        return np.full(ahead.shape, level)
    alpha = 1.0 - 0.5 ** (1.0 / half_life)
    idx = np.arange(t, dtype=float)
    b0 = float(np.polyfit(idx, x, 1)[0])
    return level + 0.5 * b0 * (ahead - 1.0 + 1.0 / alpha - (1.0 - alpha) ** t / alpha)


def _daily_candidates(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray,
                      idx: list[np.ndarray], candidates=DAILY_KINDS) -> np.ndarray:
    """``out[c, w]``: candidate c's total for the next day of weekday w (the Theta
    candidates' trend is taken to that day; the weeks after it repeat the first)."""
    out = np.zeros((len(candidates), 7))
    n = totals.size
    shape = None
    for c, (kind, k) in enumerate(candidates):
        if kind in ("mean", "median"):
            for w in range(7):
                sel = idx[w][-k:]
                if sel.size:
                    out[c, w] = totals[sel].mean() if kind == "mean" else np.median(totals[sel])
            continue
        if shape is None:
            recent = [i[i >= n - 7 * SHAPE_WEEKS] for i in idx]
            means = np.array([totals[i].mean() if i.size else 0.0 for i in recent])
            open_days = means > 0
            shape = means / means[open_days].mean() if open_days.any() else means
        if kind == "level":
            days = np.flatnonzero(regular[max(0, n - k):]) + max(0, n - k)
        else:  # ewma: every open day, weighted by its age in open days
            days = np.flatnonzero(regular)
        days = days[shape[weekdays[days]] > 0]
        if not days.size:
            continue
        x = totals[days] / shape[weekdays[days]]
        if kind == "level":
            level = float(np.mean(x))
        else:
            age = np.arange(days.size - 1, -1, -1, dtype=float)
            weight = 0.5 ** (age / k)
            level = float(np.sum(weight * x) / np.sum(weight))
        if kind == "theta":
            # open days from the window's end to the next day of each weekday
            last = int(weekdays[-1])
            ahead = np.zeros(7)
            for w in range(7):
                steps = (w - last - 1) % 7 + 1
                ahead[w] = sum(shape[(last + j) % 7] > 0 for j in range(1, steps + 1))
            out[c, :] = np.maximum(_theta_level(level, x, k, np.maximum(ahead, 1.0)), 0.0) \
                * shape
            continue
        out[c, :] = level * shape
    return out


def _profile_candidates(values: np.ndarray, idx: list[np.ndarray],
                        candidates) -> np.ndarray:
    """``out[c, w, s]``: candidate c's share of interval s in a day of weekday w."""
    slots = values.shape[1]
    longrun = np.zeros((7, slots))
    for w in range(7):
        longrun[w] = values[idx[w][-16:]].sum(axis=0)
    used = longrun > 0
    sums = longrun.sum(axis=1, keepdims=True)
    longrun = np.divide(longrun, sums, out=np.zeros_like(longrun), where=sums > 0)
    dist = np.abs(longrun[:, None, :] - longrun[None, :, :]).sum(axis=2)
    dist[sums[:, 0] == 0, :] = np.inf
    dist[:, sums[:, 0] == 0] = np.inf
    out = np.zeros((len(candidates), 7, slots))
    cache: dict[tuple[int, float], np.ndarray] = {}
    for c, (m, group, smooth) in enumerate(candidates):
        raw = cache.get((m, group))
        if raw is None:
            own = np.zeros((7, slots))
            for w in range(7):
                own[w] = values[idx[w][-m:]].sum(axis=0)
                own[w] /= max(own[w].sum(), 1e-12)
            raw = np.zeros((7, slots))
            for w in range(7):
                peers = np.flatnonzero(dist[w] <= group) if group else np.array([w])
                raw[w] = own[peers].mean(axis=0) if peers.size else own[w]
            cache[(m, group)] = raw
        prof = raw
        if smooth:
            padded = np.pad(raw, ((0, 0), (1, 1)))
            prof = 0.25 * padded[:, :-2] + 0.5 * padded[:, 1:-1] + 0.25 * padded[:, 2:]
            prof = np.where(used, prof, 0.0)
        total = prof.sum(axis=1, keepdims=True)
        out[c] = np.divide(prof, total, out=np.zeros_like(prof), where=total > 0)
    return out


def _inner_step(n: int, horizon: int) -> int:
    """Days between the inner origins of a window of ``n`` days: 7 when it is long enough for
    ``INNER_FOLDS`` origins a week apart (13 weeks for a 7-day horizon), otherwise fewer
    (down to 1); 0 when it has no inner origin."""
    last = n - horizon
    if last < 7:
        return 0
    return min(7, max(1, (last - 7) // max(INNER_FOLDS - 1, 1)))


def _inner_origins(n: int, horizon: int) -> list[int]:
    """Origins inside the window, each with at least a week before it and ``horizon`` days
    after it: up to ``INNER_FOLDS``, a week apart when the window is long enough, otherwise
    closer (down to a day apart, :func:`_inner_step`), the latest first."""
    last, step = n - horizon, _inner_step(n, horizon)
    if not step:
        return []
    return [last - step * j for j in range(INNER_FOLDS) if last - step * j >= 7]


def _interval_means(values: np.ndarray, idx: list[np.ndarray]) -> np.ndarray:
    """``out[c, w, s]``: the mean of interval s over the last INTERVAL_K[c] same weekdays."""
    return np.stack([_baseline(values, idx, "mean", k) for k in INTERVAL_K])


def _tables(choice: tuple, values: np.ndarray, weekdays: np.ndarray, regular: np.ndarray,
            idx: list[np.ndarray], td_factor: np.ndarray | None = None) -> np.ndarray:
    """The ``7 x slots`` mean table of one chosen candidate on a window (``td_factor``: the
    top-down family's restriction to the days since a change)."""
    if choice[0] == "interval":
        return _baseline(values, idx, "mean", choice[1])
    if choice[0] == "topdown":
        totals = values.sum(axis=1)
        if td_factor is not None and td_factor.size == totals.size:
            totals = totals * td_factor
        return (topdown_daily(totals, weekdays, idx, (choice[1],))[0][:, None]
                * topdown_profiles(values, idx, (choice[2],))[0])
    daily = _daily_candidates(values.sum(axis=1), weekdays, regular, idx, (choice[1],))[0]
    return daily[:, None] * _profile_candidates(values, idx, (choice[2],))[0]


def _median_rule(values: np.ndarray, idx: list[np.ndarray], k: int) -> np.ndarray:
    """The median of interval s over the last k same weekdays, or their mean where the
    median is 0 (a point forecast that is never 0 where the expected count is positive)."""
    median = _baseline(values, idx, "median", k)
    return np.where(median > 0, median, _baseline(values, idx, "mean", k))


@dataclass(frozen=True)
class _Fold:
    """One inner origin: its candidates' forecasts of its (regular) days and what came."""

    origin: int
    weight: float
    daily: np.ndarray  # daily candidates [c, w]
    prof: np.ndarray  # profile candidates [p, w, s]
    means: np.ndarray  # per-interval mean-k [k, w, s]
    medians: np.ndarray  # per-interval median-k rule [k, w, s]
    wd: np.ndarray
    actual: np.ndarray
    td_daily: np.ndarray  # top-down daily candidates [c, w]
    td_prof: np.ndarray  # top-down profile candidates [p, w, s]
    days: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # window index per row

    def combination(self, winners, k: int) -> np.ndarray:
        parts = [self.daily[c, self.wd, None] * self.prof[p, self.wd, :] for c, p in winners]
        return np.mean([*parts, self.means[k, self.wd, :]], axis=0)

    def topdown(self, pair: tuple[int, int]) -> np.ndarray:
        return self.td_daily[pair[0], self.wd, None] * self.td_prof[pair[1], self.wd, :]

    def topdown_errors(self) -> np.ndarray:
        pred = self.td_daily[:, None, self.wd, None] * self.td_prof[None, :, self.wd, :]
        return np.abs(pred - self.actual[None, None]).sum(axis=(2, 3))


def _fold(values: np.ndarray, weekdays: np.ndarray, regular: np.ndarray, totals: np.ndarray,
          *, origin: int, end: int, weight: float, td_totals: np.ndarray) -> _Fold | None:
    """The candidates at ``origin`` (from the days before it) and the regular days from it
    to ``end`` (None when there is none)."""
    span = np.arange(origin, end)
    span = span[regular[span]]
    if not span.size:
        return None
    idx = _by_weekday(weekdays[:origin], regular[:origin])
    daily = _daily_candidates(totals[:origin], weekdays[:origin], regular[:origin], idx)
    prof = _profile_candidates(values[:origin], idx, PROFILES)
    means = _interval_means(values[:origin], idx)
    medians = np.stack([_median_rule(values[:origin], idx, k) for k in INTERVAL_K])
    td_daily = topdown_daily(td_totals[:origin], weekdays[:origin], idx)
    td_prof = topdown_profiles(values[:origin], idx)
    return _Fold(origin, weight, daily, prof, means, medians, weekdays[span], values[span],
                 td_daily, td_prof, span)


def _winners(errors: np.ndarray, families: np.ndarray) -> list[tuple[int, int]]:
    out = []
    for name in FAMILIES:
        masked = np.where((families == name)[:, None], errors, np.inf)
        c, p = np.unravel_index(int(np.argmin(masked)), errors.shape)
        out.append((int(c), int(p)))
    return out


def calibration_data(values: np.ndarray, weekdays: np.ndarray, regular: np.ndarray
                     ) -> tuple[AutoModel, tuple[CalibrationBlock, ...]]:
    """:func:`fit_auto`'s model (the same) and the errors its quantiles were calibrated on,
    per origin, in the order the calibration takes them."""
    blocks: list[CalibrationBlock] = []
    return _fit_auto(values, weekdays, regular, blocks), tuple(blocks)


def recalibrated(model: AutoModel, blocks: tuple[CalibrationBlock, ...] | list) -> AutoModel:
    """``model`` with its quantiles calibrated as :func:`fit_auto` does, on ``blocks`` instead
    (for a leave-one-out diagnostic); empty when ``blocks`` has no open interval."""
    return replace(model, **fit_calibration([(b.mean, b.actual, b.weight) for b in blocks]))


def fit_auto(values: np.ndarray, weekdays: np.ndarray, regular: np.ndarray) -> AutoModel:
    """Find the level shifts of the window, re-level it, choose the best candidate of each
    family on its inner folds (7-day horizon); then, on honest inner errors (each inner
    origin forecast with the winners of the other origins), choose the mean (the combination,
    the top-down family's winner or the mean-k baseline) and the point forecast (the median
    rule of the mean, the mean or the top-down winner's median, alone or averaged with the
    median-k baseline's median rule, or that baseline alone beyond noise), and
    calibrate the quantiles on the errors of the chosen mean at the inner origins with at
    least half the window before them: alone when the inner origins are a week apart (13
    weeks of history or more: every error a 7-day forecast's, like the forecast's), and on a
    shorter window with those of every origin after the latest inner one too
    (docs/planning.md, "Third revision" to "Sixth revision")."""
    return _fit_auto(values, weekdays, regular, None)


def _fit_auto(values: np.ndarray, weekdays: np.ndarray, regular: np.ndarray,
              blocks: list[CalibrationBlock] | None) -> AutoModel:
    """:func:`fit_auto`; ``blocks``, when given, receives the calibration's errors."""
    n = values.shape[0]
    breaks, relevel, level_var = level_breaks_with_variance(values.sum(axis=1), weekdays, regular)
    values = values * relevel[:, None]
    totals = values.sum(axis=1)
    td_factor, td_changes = topdown_relevel(totals, weekdays, regular)
    td_totals = totals * td_factor
    horizon = 7
    folds: list[_Fold] = []
    errors, interval_errors, median_errors, td_errors = [], [], [], []
    for origin in _inner_origins(n, horizon):
        fold = _fold(values, weekdays, regular, totals, origin=origin,
                     end=origin + horizon, weight=DECAY ** ((n - horizon - origin) / 7.0),
                     td_totals=td_totals)
        if fold is None:
            continue
        wd, actual = fold.wd, fold.actual
        pred = fold.daily[:, None, wd, None] * fold.prof[None, :, wd, :]
        errors.append(np.abs(pred - actual[None, None]).sum(axis=(2, 3)))
        interval_errors.append(np.abs(fold.means[:, wd, :] - actual[None]).sum(axis=(1, 2)))
        median_errors.append(np.abs(fold.medians[:, wd, :] - actual[None]).sum(axis=(1, 2)))
        td_errors.append(fold.topdown_errors())
        folds.append(fold)
    if not folds:
        return AutoModel(chosen=(("daily", ("mean", 4), (4, 0.0, False)),),
                         breaks=breaks, relevel=relevel, level_var=level_var)
    w = np.array([f.weight for f in folds])
    per_fold = (np.array(errors), np.array(interval_errors), np.array(median_errors),
                np.array(td_errors))
    totals_ = [np.tensordot(w, e, axes=1) for e in per_fold]
    families = np.array([_family(kind) for kind, _ in DAILY_KINDS])

    def choose(tot):
        td = np.unravel_index(int(np.argmin(tot[3])), tot[3].shape)
        return (_winners(tot[0], families), int(np.argmin(tot[1])), int(np.argmin(tot[2])),
                (int(td[0]), int(td[1])))

    winners, k, km, td = choose(totals_)
    honest = len(folds) >= 2
    # per inner origin: (combination, mean-k, median-k rule, top-down), chosen without it
    forecasts = []
    for j, fold in enumerate(folds):
        wj, kj, kmj, tdj = choose([t - fold.weight * e[j] for t, e in zip(
            totals_, per_fold, strict=True)]) if honest else (winners, k, km, td)
        forecasts.append((fold.combination(wj, kj), fold.means[kj, fold.wd, :],
                          fold.medians[kmj, fold.wd, :], fold.topdown(tdj)))

    def errors_of(option: int) -> np.ndarray:  # per inner origin, weighted
        return np.array([f.weight * np.abs(fc[option] - f.actual).sum()
                         for f, fc in zip(folds, forecasts, strict=True)])

    def error(option: int) -> float:
        return float(errors_of(option).sum())

    # fifth revision: the combination or the top-down winner, the lower honest error (ties:
    # the combination); the mean-k baseline replaces it only beyond noise
    own_mean = 3 if error(3) < error(0) else 0
    mean_option = 1 if _better(errors_of(1), errors_of(own_mean)) else own_mean
    chosen = (*(("daily", DAILY_KINDS[c], PROFILES[p]) for c, p in winners),
              ("interval", INTERVAL_K[k]))
    if mean_option == 1:
        chosen = (("interval", INTERVAL_K[k]),)
    elif mean_option == 3:
        chosen = (("topdown", TD_DAILY[td[0]], TD_PROFILES[td[1]]),)
    # calibration: the honest errors of a forecast at the origins with at least half the
    # window before them (the latest origin when none has); on a window whose inner origins
    # are closer than a week (under 13 weeks), fourth revision, also at every origin after the
    # latest inner one (a day apart, to the window's last day: the horizon cut there), each
    # forecast with the winners of the inner origins whose days all came before it (of all
    # inner origins when none did). Sixth revision, item 2: with inner origins a week apart,
    # every calibration error is a 7-day forecast's, like the forecast's own, and those late
    # origins (the same last days forecast up to six times) are left out.
    calib = [j for j, f in enumerate(folds) if 2 * f.origin >= n] or [0]
    extra = []
    late = range(folds[0].origin + 1, n) if _inner_step(n, horizon) < 7 else range(0)
    for origin in late:
        fold = _fold(values, weekdays, regular, totals, origin=origin, end=n, weight=1.0,
                     td_totals=td_totals)
        if fold is None:
            continue
        past = [j for j, f in enumerate(folds) if f.origin + horizon <= origin]
        extra.append((fold, choose([np.tensordot(w[past], e[past], axes=1) for e in per_fold])
                      if past else (winners, k, km, td)))

    def pairs_of(option: int) -> list[tuple[np.ndarray, np.ndarray, float]]:
        out = [(forecasts[j][option], folds[j].actual, folds[j].weight) for j in calib]
        for fold, (wj, kj, _, tdj) in extra:
            if option == 3:
                forecast = fold.topdown(tdj)
            elif option == 1:
                forecast = fold.means[kj, fold.wd, :]
            else:
                forecast = fold.combination(wj, kj)
            out.append((forecast, fold.actual, 1.0))
        return out

    calibration = fit_calibration
    pairs = pairs_of(mean_option)
    if blocks is not None:
        sources = [("inner", folds[j]) for j in calib] + [("late", f) for f, _ in extra]
        blocks.extend(CalibrationBlock(source, f.origin, f.days, p[0], p[1], p[2])
                      for (source, f), p in zip(sources, pairs, strict=True))
    model = AutoModel(chosen=chosen, inner_error=error(mean_option), breaks=breaks,
                      relevel=relevel, level_var=level_var,
                      mean_choice=("combination", "mean-k", "", "top-down")[mean_option],
                      median_k=INTERVAL_K[km], calibration_days=sum(len(p[1]) for p in pairs),
                      topdown=(TD_DAILY[td[0]], TD_PROFILES[td[1]]), td_relevel=td_factor,
                      td_changes=td_changes, **calibration(pairs))
    if not honest:
        return model

    def median_rule_of(option: int) -> list[np.ndarray]:
        """The median rule of ``option`` at each inner origin (its median, or its mean where
        that is 0), from quantiles calibrated on the other origins' honest errors of that
        option."""
        out = []
        for j, fc in enumerate(forecasts):
            others = [i for i in calib if i != j] or [i for i in range(len(folds)) if i != j]
            inner = replace(model, level_var=0.0, **calibration(
                [(forecasts[i][option], folds[i].actual, folds[i].weight) for i in others]))
            q50 = inner.quantile(fc[option], 0.5)
            out.append(np.where(q50 > 0, q50, fc[option]))
        return out

    def errors_at(points: list[np.ndarray]) -> np.ndarray:  # per inner origin, weighted
        return np.array([f.weight * float(np.abs(p - f.actual).sum())
                         for f, p in zip(folds, points, strict=True)])

    # the point forecast: the lowest honest error of the mean's median rule, the mean and
    # (fifth revision, when the mean is not already the top-down family) the top-down
    # winner's median rule (ties in that order)
    own_points = {"median": median_rule_of(mean_option),
                  "mean": [fc[mean_option] for fc in forecasts]}
    if mean_option != 3:
        own_points["topdown-median"] = median_rule_of(3)
    own = {name: errors_at(points) for name, points in own_points.items()}
    point = min(own, key=lambda name: float(own[name].sum()))
    # sixth revision, item 3: the equal-weight average of that point forecast and the median-k
    # rule (k chosen without the origin) replaces it when its honest error is lower (ties:
    # the model's); it contains the model's forecast, so it need not win beyond noise
    mixed = errors_at([0.5 * p + 0.5 * fc[2]
                       for p, fc in zip(own_points[point], forecasts, strict=True)])
    point_mix = float(mixed.sum()) < float(own[point].sum())
    # the median-k baseline alone replaces the chosen point forecast only beyond noise
    if _better(errors_of(2), mixed if point_mix else own[point]):
        point, point_mix = "median-k", False
    return replace(model, point=point, point_mix=point_mix,
                   td_calibration=calibration(pairs_of(3)))


def _better(challenger: np.ndarray, default: np.ndarray) -> bool:
    """Whether ``challenger`` (per inner origin errors) beats ``default`` beyond noise: lower
    in total and a one-sided paired t-test of the per-origin differences at 5 % (at least
    three origins; otherwise the default stays)."""
    d = challenger - default
    if d.size < 3 or d.sum() >= 0:
        return False
    sd = float(np.std(d, ddof=1))
    if sd <= 0:
        return True
    t = float(d.mean()) / (sd / math.sqrt(d.size))
    return t < -float(stats.t.ppf(1.0 - SWITCH_ALPHA, d.size - 1))


def point_table(model: AutoModel, values: np.ndarray, weekdays: np.ndarray,
                regular: np.ndarray) -> np.ndarray | None:
    """The ``7 x slots`` table of the point forecast (of its own part, ``model.point``, when
    it is averaged with the median-k baseline) when it is the median-k baseline, or of the
    top-down winner's mean when it is that one's median (its quantiles from
    ``model.point_model()``), on the re-levelled window; else None (the point is the mean or
    its median rule)."""
    if model.point == "median-k":
        return median_k_table(model, values, weekdays, regular)
    if model.point != "topdown-median":
        return None
    if model.relevel.size == values.shape[0]:
        values = values * model.relevel[:, None]
    return _tables(("topdown", *model.topdown), values, weekdays, regular,
                   _by_weekday(weekdays, regular), model.td_relevel)


def median_k_table(model: AutoModel, values: np.ndarray, weekdays: np.ndarray,
                   regular: np.ndarray) -> np.ndarray:
    """The median-k baseline's ``7 x slots`` median rule (k = ``model.median_k``) on the
    re-levelled window: the median of each interval over the last k regular same weekdays, or
    their mean where that is 0."""
    if model.relevel.size == values.shape[0]:
        values = values * model.relevel[:, None]
    return _median_rule(values, _by_weekday(weekdays, regular), model.median_k)


def topdown_tables(model: AutoModel, values: np.ndarray, weekdays: np.ndarray,
                   regular: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The top-down winner's ``7 x slots`` mean table on the (re-levelled) window and its
    median rule (its median from its own calibration, its mean where that is 0)."""
    if model.relevel.size == values.shape[0]:
        values = values * model.relevel[:, None]
    table = _tables(("topdown", *model.topdown), values, weekdays, regular,
                    _by_weekday(weekdays, regular), model.td_relevel)
    q50 = replace(model, **model.td_calibration).quantile(table, 0.5)
    return table, np.where(q50 > 0, q50, table)


def auto_predict(model: AutoModel, values: np.ndarray, weekdays: np.ndarray,
                 regular: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chosen candidates refitted on the whole (re-levelled) window and averaged: (daily
    total per weekday, profile per weekday)."""
    if model.relevel.size == values.shape[0]:
        values = values * model.relevel[:, None]
    idx = _by_weekday(weekdays, regular)
    table = np.mean([_tables(choice, values, weekdays, regular, idx, model.td_relevel)
                     for choice in model.chosen], axis=0)
    daily = table.sum(axis=1)
    prof = np.divide(table, daily[:, None], out=np.zeros_like(table), where=daily[:, None] > 0)
    return daily, prof


# --------------------------------------------------------------------------------------------
# baselines: mean / median of the last k same weekdays per interval, k chosen in-sample
# --------------------------------------------------------------------------------------------

BASELINE_K = INTERVAL_K


def _baseline(values: np.ndarray, idx: list[np.ndarray], stat: str, k: int) -> np.ndarray:
    out = np.zeros((7, values.shape[1]))
    for w in range(7):
        sel = idx[w][-k:]
        if sel.size:
            out[w] = values[sel].mean(axis=0) if stat == "mean" else np.median(values[sel],
                                                                               axis=0)
    return out


def weekday_baseline(values: np.ndarray, weekdays: np.ndarray, regular: np.ndarray, *,
                     stat: str, future_weekdays: np.ndarray, k: int | None = None
                     ) -> tuple[np.ndarray, int]:
    """Per interval, the ``stat`` ("mean" or "median") of the last ``k`` regular same
    weekdays; ``k=None`` chooses k on the window's inner folds. Returns (forecast, k)."""
    if k is None:
        n = values.shape[0]
        errors = np.zeros(len(BASELINE_K))
        for origin in _inner_origins(n, 7):
            idx = _by_weekday(weekdays[:origin], regular[:origin])
            span = np.arange(origin, min(origin + 7, n))
            span = span[regular[span]]
            for j, kk in enumerate(BASELINE_K):
                pred = _baseline(values[:origin], idx, stat, kk)[weekdays[span]]
                errors[j] += np.abs(pred - values[span]).sum()
        k = BASELINE_K[int(np.argmin(errors))]
    table = _baseline(values, _by_weekday(weekdays, regular), stat, k)
    return table[future_weekdays], k
