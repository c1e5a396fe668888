"""The default forecast ("auto"): daily total x intraday profile, chosen inside the training
window, robust to level shifts, with quantiles calibrated on the same in-sample folds.

Everything below is fixed in advance; nothing was chosen by looking at a back-test's test
folds, and for a training window nothing after it is looked at, so a back-test is honest.

1. *Level shifts* (:func:`level_breaks`). Each regular day's total divided by its weekday's
   median total (the weekly pattern taken out) gives a daily level; a CUSUM test on its
   logarithm finds a change of level (1 % critical value of the Kolmogorov distribution,
   1.63; noise measured robustly, from the median absolute day-to-day difference, so that the
   shift itself does not hide it), splitting segments again until none has a break or each
   side would have fewer than ``MIN_SEGMENT`` open days. Every earlier segment is re-levelled
   to the last one (multiplied by the ratio of their median levels): the weekly pattern and
   the intraday profiles keep the whole window, the level is the current one. A change in
   the last ``MIN_SEGMENT`` open days cannot be told from noise and is not acted on.
2. *Candidates*, on the re-levelled window: a daily total (the mean of the last k regular same
   weekdays, k in 1, 2, 4, 8; their median, k in 3, 5, 9: robust to a single odd day; or the
   weekday pattern of the last 12 weeks times the recent level, the mean de-seasonalised
   total of the last 7, 14 or 28 days: follows drift) times an intraday profile (each
   interval's share of the day over the last m regular same weekdays, m in 2, 4, 8, 16,
   either the weekday's own or pooled with the weekdays whose long-run profile differs by
   less than 0.3 in L1 distance, i.e. 15 % of the day's contacts placed differently; raw or
   smoothed over neighbouring intervals). 10 x 16 = 160 pairs, spanning fast to slow
   adaptation; the range, not a tuned value, is the point.
3. *Choice*: rolling origins inside the window (up to ``INNER_FOLDS`` a week apart, each
   forecasting the 7 days after it from the days before it); a fold one week older weighs
   ``DECAY`` (0.9: a half-life of about 6.6 weeks, so the recent regime decides). The forecast
   is the average of the ``TOP`` = 10 candidates with the lowest weighted sum of absolute
   errors: a trimmed combination, which removes most of the variance of picking a single
   winner on few folds.
4. *Quantiles*: the in-sample errors of that average on the same folds, scaled by
   ``sqrt(mu + kappa * mu^2)`` (Poisson noise plus a level error), give weighted empirical
   quantiles (split-conformal on the inner folds, fold weights as above), one set per band of
   forecast size (count data is lumpy when small: up to 5 bands of at least 200 errors each,
   so that a 10 % tail rests on some 20 errors or more); a forecast ``mu`` has quantile
   ``max(0, mu + z_p * scale(mu))``. As the window is re-levelled first, the errors are those
   of the current regime's level.

The two simple baselines of the back-test report (mean / median of the last k same weekdays per
interval, k chosen the same way) are here too, so that both sides are scored alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["AutoModel", "auto_predict", "fit_auto", "level_breaks", "weekday_baseline"]

DAILY = (
    *(("mean", k) for k in (1, 2, 4, 8)),
    *(("median", k) for k in (3, 5, 9)),
    *(("level", r) for r in (7, 14, 28)),
)
PROFILE_DAYS = (2, 4, 8, 16)
PROFILE_GROUPS = (0.0, 0.3)  # L1 distance under which weekdays' profiles are pooled
SMOOTH = (False, True)
PROFILES = tuple((m, g, s) for m in PROFILE_DAYS for g in PROFILE_GROUPS for s in SMOOTH)
INNER_FOLDS = 12
TOP = 10  # candidates averaged
DECAY = 0.9  # weight of an inner fold one week older
BANDS, BAND_SIZE = 5, 200  # quantiles per band of forecast size, at least 200 errors each
SHAPE_WEEKS = 12
# level shifts: CUSUM on the log daily level, 1 % critical value of sup|Brownian bridge|
CUSUM_CRITICAL = 1.63
MIN_SEGMENT = 5  # open days on each side of a break
MAX_BREAKS = 4


@dataclass(frozen=True)
class AutoModel:
    """The candidates chosen for one training window (averaged), the level shifts found in it,
    and the in-sample errors that give the quantiles."""

    chosen: tuple[tuple[tuple[str, int], tuple[int, float, bool]], ...]  # (daily, profile)
    z: np.ndarray  # scaled in-sample errors
    kappa: float  # scale = sqrt(mu + kappa mu^2)
    inner_error: float  # in-sample weighted sum of absolute errors of the best candidate
    edges: np.ndarray = field(default_factory=lambda: np.zeros(0))  # bands of mu
    bands: tuple[np.ndarray, ...] = ()  # the scaled errors per band
    weights: tuple[np.ndarray, ...] = ()  # their fold weights
    breaks: tuple[int, ...] = ()  # first day of each new level (index into the window)
    relevel: np.ndarray = field(default_factory=lambda: np.zeros(0))  # factor per day

    def describe(self) -> str:
        parts = []
        for (kind, k), (m, group, smooth) in self.chosen:
            parts.append(f"daily {kind} {k} x profile {m} day(s)"
                         f"{f' pooled under {group}' if group else ''}"
                         f"{' smoothed' if smooth else ''}")
        shifts = f"level shifts at day(s) {', '.join(map(str, self.breaks))}; " if self.breaks \
            else ""
        return shifts + "; ".join(parts)

    def quantile(self, mu: np.ndarray, level: float) -> np.ndarray:
        if not 0.0 < level < 1.0:
            raise ValueError("a quantile level must be between 0 and 1")
        if self.z.size == 0:
            return np.asarray(mu, dtype=float)
        mu = np.asarray(mu, dtype=float)
        scale = np.sqrt(mu + self.kappa * mu * mu)
        band = np.searchsorted(self.edges, mu, side="right")
        weights = self.weights or tuple(np.ones(z.size) for z in self.bands)
        zp = np.array([_weighted_quantile(z, w, level) if z.size else 0.0
                       for z, w in zip(self.bands, weights, strict=True)])
        return np.where(mu > 0, np.maximum(mu + zp[band] * scale, 0.0), 0.0)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, level: float) -> float:
    """The smallest value whose weighted share at or below it reaches ``level`` (with the
    split-conformal correction: the level is raised as for one more, unseen, error)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    total = cum[-1]
    mean_w = total / w.size
    target = min(level * (total + mean_w), total)
    return float(v[min(int(np.searchsorted(cum, target - 1e-12 * total)), v.size - 1)])


# --------------------------------------------------------------------------------------------
# level shifts
# --------------------------------------------------------------------------------------------


def _cusum_break(x: np.ndarray, sigma: float) -> int | None:
    """Index of the first point of the new level in ``x``, or None (no significant break)."""
    n = x.size
    if n < 2 * MIN_SEGMENT or sigma <= 0:
        return None
    c = np.cumsum(x - x.mean())[:-1]  # c[t]: after the first t + 1 points
    stat = np.abs(c) / (sigma * np.sqrt(n))
    allowed = np.arange(1, n) >= MIN_SEGMENT
    allowed &= np.arange(1, n) <= n - MIN_SEGMENT
    if not allowed.any():
        return None
    stat = np.where(allowed, stat, 0.0)
    t = int(np.argmax(stat))
    return t + 1 if stat[t] > CUSUM_CRITICAL else None


def level_breaks(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray
                 ) -> tuple[tuple[int, ...], np.ndarray]:
    """Changes of level in a window of daily totals, and the factor per day that brings each
    earlier segment to the last segment's level (1 where there is no break)."""
    n = totals.size
    factor = np.ones(n)
    median = np.zeros(7)
    for w in range(7):
        sel = regular & (weekdays == w)
        if sel.any():
            median[w] = np.median(totals[sel])
    days = np.flatnonzero(regular & (median[weekdays] > 0))
    if days.size < 2 * MIN_SEGMENT:
        return (), factor
    x = np.log((totals[days] + 1.0) / (median[weekdays[days]] + 1.0))
    diffs = np.diff(x)
    sigma = 1.4826 * float(np.median(np.abs(diffs - np.median(diffs)))) / np.sqrt(2.0)
    cuts: list[int] = []
    pending = [(0, x.size)]
    while pending and len(cuts) < MAX_BREAKS:
        lo, hi = pending.pop()
        t = _cusum_break(x[lo:hi], sigma)
        if t is None:
            continue
        cuts.append(lo + t)
        pending += [(lo, lo + t), (lo + t, hi)]
    if not cuts:
        return (), factor
    cuts.sort()
    bounds = [0, *cuts, x.size]
    last = float(np.median(x[bounds[-2]:]))
    breaks = tuple(int(days[c]) for c in cuts)
    for (a, b), first in zip(zip(bounds[:-2], bounds[1:-1], strict=True),
                             (0, *breaks[:-1]), strict=True):
        seg_level = float(np.median(x[a:b]))
        factor[first: int(days[b])] = np.exp(last - seg_level)
    return breaks, factor


# --------------------------------------------------------------------------------------------
# building blocks (on one training window: values[d, s], weekday[d], regular[d])
# --------------------------------------------------------------------------------------------


def _by_weekday(weekdays: np.ndarray, regular: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero((weekdays == w) & regular) for w in range(7)]


def _daily_candidates(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray,
                      idx: list[np.ndarray], candidates=DAILY) -> np.ndarray:
    """``out[c, w]``: candidate c's total for a day of weekday w."""
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
        days = np.flatnonzero(regular[max(0, n - k):]) + max(0, n - k)
        days = days[shape[weekdays[days]] > 0]
        if days.size:
            level = float(np.mean(totals[days] / shape[weekdays[days]]))
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


def _inner_origins(n: int, horizon: int) -> list[int]:
    """Origins inside the window, a week apart, each with at least a week before it."""
    return [n - horizon - 7 * j for j in range(INNER_FOLDS) if n - horizon - 7 * j >= 7]


def fit_auto(values: np.ndarray, weekdays: np.ndarray, regular: np.ndarray) -> AutoModel:
    """Find the level shifts of the window, re-level it, and choose daily and profile
    candidates on its inner folds (7-day horizon)."""
    n = values.shape[0]
    breaks, relevel = level_breaks(values.sum(axis=1), weekdays, regular)
    values = values * relevel[:, None]
    totals = values.sum(axis=1)
    horizon = 7
    errors = np.zeros((len(DAILY), len(PROFILES)))
    keep: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]] = []
    for j, origin in enumerate(_inner_origins(n, horizon)):
        idx = _by_weekday(weekdays[:origin], regular[:origin])
        daily = _daily_candidates(totals[:origin], weekdays[:origin], regular[:origin], idx)
        prof = _profile_candidates(values[:origin], idx, PROFILES)
        span = np.arange(origin, min(origin + horizon, n))
        span = span[regular[span]]
        if not span.size:
            continue
        wd = weekdays[span]
        actual = values[span]
        pred = daily[:, None, wd, None] * prof[None, :, wd, :]
        errors += DECAY ** j * np.abs(pred - actual[None, None]).sum(axis=(2, 3))
        keep.append((daily, prof, wd, actual, DECAY ** j))
    if not keep:
        return AutoModel(chosen=((("mean", 4), (4, 0.0, False)),), z=np.zeros(0),
                         kappa=0.0, inner_error=float("nan"), breaks=breaks, relevel=relevel)
    order = np.argsort(errors, axis=None, kind="stable")[:TOP]
    pairs = [np.unravel_index(int(i), errors.shape) for i in order]
    mus, ys, ws = [], [], []
    for daily, prof, wd, actual, weight in keep:
        mu = np.mean([daily[c, wd, None] * prof[p, wd, :] for c, p in pairs], axis=0)
        mus.append(mu.ravel())
        ys.append(actual.ravel())
        ws.append(np.full(mu.size, weight))
    mu, y, wt = np.concatenate(mus), np.concatenate(ys), np.concatenate(ws)
    open_ = mu > 0
    mu, y, wt = mu[open_], y[open_], wt[open_]
    kappa = 0.0
    if mu.size:
        kappa = max(float(np.sum(wt * ((y - mu) ** 2 - mu)) / max(np.sum(wt * mu * mu), 1e-12)),
                    0.0)
    z = (y - mu) / np.sqrt(mu + kappa * mu * mu) if mu.size else np.zeros(0)
    edges, bands, weights = np.zeros(0), (z,), (wt,)
    if mu.size >= 4 * BAND_SIZE:
        count = min(BANDS, mu.size // BAND_SIZE)
        edges = np.quantile(mu, np.arange(1, count) / count)
        band = np.searchsorted(edges, mu, side="right")
        bands = tuple(z[band == b] for b in range(count))
        weights = tuple(wt[band == b] for b in range(count))
    best = np.unravel_index(int(order[0]), errors.shape)
    return AutoModel(chosen=tuple((DAILY[c], PROFILES[p]) for c, p in pairs), z=z, kappa=kappa,
                     inner_error=float(errors[best]), edges=edges, bands=bands,
                     weights=weights, breaks=breaks, relevel=relevel)


def auto_predict(model: AutoModel, values: np.ndarray, weekdays: np.ndarray,
                 regular: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chosen candidates refitted on the whole (re-levelled) window: (daily total per
    weekday, profile per weekday)."""
    if model.relevel.size == values.shape[0]:
        values = values * model.relevel[:, None]
    idx = _by_weekday(weekdays, regular)
    dailies = _daily_candidates(values.sum(axis=1), weekdays, regular, idx,
                                tuple(d for d, _ in model.chosen))
    profs = _profile_candidates(values, idx, tuple(p for _, p in model.chosen))
    table = np.mean([dailies[i][:, None] * profs[i] for i in range(len(model.chosen))], axis=0)
    daily = table.sum(axis=1)
    prof = np.divide(table, daily[:, None], out=np.zeros_like(table), where=daily[:, None] > 0)
    return daily, prof


# --------------------------------------------------------------------------------------------
# baselines: mean / median of the last k same weekdays per interval, k chosen in-sample
# --------------------------------------------------------------------------------------------

BASELINE_K = (1, 2, 3, 4, 5, 6, 8, 10, 12)


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
