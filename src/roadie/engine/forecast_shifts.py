"""Level shifts in a window of daily totals, for the default forecast
(:mod:`roadie.engine.forecast_auto`, step 1): a CUSUM test with binary segmentation on the log
de-seasonalised daily level (changes inside the window), and a recent-change test on the last
3 to 10 open days (a change is acted on after 3 open days); earlier segments are re-levelled
to the last one. docs/planning.md ("The default method, and why") gives each setting."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from roadie.engine.forecast_topdown import weekday_medians

__all__ = ["MIN_SEGMENT", "RECENT_MIN", "Noise", "level_breaks", "level_breaks_with_variance"]

# level shifts: CUSUM on the log daily level, 1 % critical value of sup|Brownian bridge|
CUSUM_CRITICAL = 1.63
MIN_SEGMENT = 5  # open days on each side of a change found by the CUSUM test
MAX_BREAKS = 4
# recent change: the last m open days against the median of the (14 to 28) open days before
# them, a 1 % test over the 8 lengths m (Bonferroni), Student's t with the degrees of freedom
# of a MAD-based noise estimate (about 37 % of its differences)
RECENT_MIN, RECENT_MAX, RECENT_REFERENCE, RECENT_MIN_REFERENCE = 3, 10, 28, 14
RECENT_ALPHA, MAD_EFFICIENCY = 0.01, 0.37
# the long-run variance's factor over the variance is floored (negative autocorrelation must
# not make small differences look large)
LRV_FLOOR = 0.5


@dataclass(frozen=True)
class Noise:
    """The noise of the daily log level: a robust scale and the autocorrelations of the
    residuals up to Andrews' bandwidth (Bartlett kernel, AR(1) plug-in)."""

    sigma: float
    rho: np.ndarray  # rho[j - 1]: autocorrelation at lag j, j = 1 .. bandwidth

    def factor(self, m: int | None = None) -> float:
        """Variance of a mean over that of one day, times m: the long-run variance over the
        variance (Bartlett weights) for ``m=None``, else the exact factor of a mean of m
        consecutive days, (1 + 2 sum_{j<m} (1 - j/m) rho_j); floored at LRV_FLOOR."""
        lags = np.arange(1, self.rho.size + 1)
        if m is None:
            weights = 1.0 - lags / (self.rho.size + 1.0)
        else:
            weights = np.clip(1.0 - lags / float(m), 0.0, None)
        return max(1.0 + 2.0 * float(np.sum(weights * self.rho)), LRV_FLOOR)

    def long_run(self) -> float:
        return self.sigma * self.sigma * self.factor()


def _noise(x: np.ndarray, cuts: list[int] | tuple[int, ...] = ()) -> Noise:
    """The noise of ``x`` under the alternative: its residuals about the means of the
    segments that ``cuts`` delimit, their robust scale (1.4826 MAD) and the autocorrelations
    of the residuals winsorised at 3 scales, to Andrews' (1991) automatic bandwidth for the
    Bartlett kernel with an AR(1) plug-in (short for independent days, long for a drift)."""
    n = x.size
    e = x.astype(float).copy()
    bounds = [0, *sorted(cuts), n]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b > a:
            e[a:b] -= e[a:b].mean()
    sigma = 1.4826 * float(np.median(np.abs(e - np.median(e))))
    if sigma <= 0:
        sigma = float(np.std(e))
    if sigma <= 0 or n < 4:
        return Noise(sigma, np.zeros(0))
    w = np.clip(e, -3.0 * sigma, 3.0 * sigma)
    w = w - w.mean()
    g0 = float(w @ w)
    if g0 <= 0:
        return Noise(sigma, np.zeros(0))
    r1 = min(max(float(w[1:] @ w[:-1]) / g0, -0.97), 0.97)
    alpha = 4.0 * r1 * r1 / ((1.0 - r1) ** 2 * (1.0 + r1) ** 2)
    bandwidth = min(int(1.1447 * (alpha * n) ** (1.0 / 3.0)), n // 3)
    rho = np.array([float(w[j:] @ w[:-j]) / g0 for j in range(1, bandwidth + 1)])
    return Noise(sigma, rho)


def _cusum_break(x: np.ndarray, lo: int, top: int, cuts: list[int]) -> int | None:
    """Index (into ``x``) of the first point of the new level in ``x[lo:top]``, or None: the
    CUSUM statistic scaled by the long-run standard deviation of the residuals of ``x``
    about the segments of ``cuts`` and the candidate (the noise under the alternative)."""
    seg = x[lo:top]
    n = seg.size
    if n < 2 * MIN_SEGMENT:
        return None
    c = np.cumsum(seg - seg.mean())[:-1]  # c[t]: after the first t + 1 points
    allowed = np.arange(1, n) >= MIN_SEGMENT
    allowed &= np.arange(1, n) <= n - MIN_SEGMENT
    if not allowed.any():
        return None
    stat = np.where(allowed, np.abs(c), 0.0)
    t = int(np.argmax(stat))
    noise = _noise(x, sorted([*cuts, lo + t + 1]))
    scale = math.sqrt(noise.long_run()) if noise.sigma > 0 else 0.0
    if scale <= 0:
        return None
    return lo + t + 1 if stat[t] / (scale * math.sqrt(n)) > CUSUM_CRITICAL else None


def _recent_break(x: np.ndarray, start: int, noise: Noise) -> int | None:
    """Index of the first of the last m open days (m = 3 to 10) when they differ from the
    median of the open days before them (from ``start``, at most 28, at least 14): the
    statistic above the critical value and every one of them on the same side of that
    median; the largest statistic wins. The variance of the mean of m days and of the
    reference median allow for the autocorrelation of ``noise``."""
    sigma = noise.sigma
    if sigma <= 0:
        return None
    n = x.size
    lengths = RECENT_MAX - RECENT_MIN + 1
    long_run = noise.factor()
    freedom = max(MAD_EFFICIENCY * (n - 1) / long_run, 3.0)
    critical = float(stats.t.ppf(1.0 - RECENT_ALPHA / (2 * lengths), freedom))
    best: tuple[float, int] | None = None
    for m in range(RECENT_MIN, RECENT_MAX + 1):
        reference = x[max(start, n - m - RECENT_REFERENCE): n - m]
        if reference.size < RECENT_MIN_REFERENCE:
            break
        deviation = x[n - m:] - float(np.median(reference))
        if not ((deviation > 0).all() or (deviation < 0).all()):
            continue
        z = abs(float(deviation.mean())) / (sigma * math.sqrt(
            noise.factor(m) / m + (math.pi / 2.0) * long_run / reference.size))
        if z > critical and (best is None or z > best[0]):
            best = (z, n - m)
    return None if best is None else best[1]


def _segment(x: np.ndarray, hi: int) -> list[int]:
    """Binary segmentation of ``x[:hi]`` by the CUSUM test: the changes, sorted."""
    cuts: list[int] = []
    pending = [(0, hi)]
    while pending and len(cuts) < MAX_BREAKS:
        lo, top = pending.pop()
        t = _cusum_break(x[:hi], lo, top, cuts)
        if t is None:
            continue
        cuts.append(t)
        pending += [(lo, t), (t, top)]
    return sorted(cuts)


def _best_single_break(x: np.ndarray) -> list[int]:
    """Where one change of mean would fit ``x`` best (standardised CUSUM, at least
    RECENT_MIN points on each side), for the noise under the alternative."""
    n = x.size
    if n < 2 * RECENT_MIN:
        return []
    t = np.arange(1, n)
    c = np.cumsum(x - x.mean())[:-1]
    stat = np.abs(c) / np.sqrt(t * (n - t) / n)
    stat[(t < RECENT_MIN) | (t > n - RECENT_MIN)] = 0.0
    return [int(np.argmax(stat)) + 1]


def level_breaks(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray
                 ) -> tuple[tuple[int, ...], np.ndarray]:
    """Changes of level in a window of daily totals, and the factor per day that brings each
    earlier segment to the last segment's level (1 where there is no break)."""
    breaks, factor, _ = level_breaks_with_variance(totals, weekdays, regular)
    return breaks, factor


def level_breaks_with_variance(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray
                               ) -> tuple[tuple[int, ...], np.ndarray, float]:
    """:func:`level_breaks`, and the variance of the last segment's log level (the long-run
    variance over its open days; 0 without a break)."""
    n = totals.size
    factor = np.ones(n)
    median = weekday_medians(totals, weekdays, regular)
    days = np.flatnonzero(regular & (median[weekdays] > 0))
    if days.size < 2 * MIN_SEGMENT:
        return (), factor, 0.0
    x = np.log((totals[days] + 1.0) / (median[weekdays[days]] + 1.0))
    # a change in the last open days first (the CUSUM test cannot place one closer to the end
    # than MIN_SEGMENT days), its noise from the days before the last RECENT_MIN about their
    # best single change; then the CUSUM test on the days before it; when the CUSUM test
    # finds a change there, the recent one must hold against the days after that change
    # alone (else it only came from the older change inside its reference)
    head = x[: x.size - RECENT_MIN]
    recent = _recent_break(x, 0, _noise(head, _best_single_break(head)))
    cuts = _segment(x, x.size if recent is None else recent)
    if recent is not None and cuts:
        recent = _recent_break(x, cuts[-1], _noise(head, [c for c in cuts if c < head.size]))
        if recent is None:
            cuts = _segment(x, x.size)
    if recent is not None:
        cuts.append(recent)
    if not cuts:
        return (), factor, 0.0
    bounds = [0, *cuts, x.size]
    last = float(np.median(x[bounds[-2]:]))
    breaks = tuple(int(days[c]) for c in cuts)
    for (a, b), first in zip(zip(bounds[:-2], bounds[1:-1], strict=True),
                             (0, *breaks[:-1]), strict=True):
        seg_level = float(np.median(x[a:b]))
        factor[first: int(days[b])] = np.exp(last - seg_level)
    noise = _noise(x, cuts)
    level_var = noise.sigma ** 2 * noise.factor(x.size - cuts[-1]) / (x.size - cuts[-1])
    return breaks, factor, float(level_var)

