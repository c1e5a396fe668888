"""The default forecast's count quantiles (docs/planning.md, "The default method", item 5, and
its revisions): a negative binomial around the mean (variance mu + kappa mu^2, kappa by
moments on in-sample errors), its levels conformally corrected per band of the interval of
the day on the non-randomised PIT values of those errors (Czado, Gneiting and Held 2009).

:mod:`roadie.engine.forecast_auto` chooses the errors (the honest errors of its inner
origins) and keeps the result in its ``AutoModel``; this module fits and applies the
calibration. Pure numpy/scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["BANDS", "BAND_SIZE", "CalibrationBlock", "calibrated_level", "count_quantile",
           "fit_calibration"]

# fourth revision: quantile levels per band of the interval of the day (equal numbers of
# calibration errors, >= 200 each), not of forecast size
BANDS, BAND_SIZE = 4, 200


def _nb(mu: np.ndarray, kappa: float):
    """The negative binomial of mean ``mu`` and variance mu + kappa mu^2 (Poisson: kappa 0)."""
    mu = np.maximum(np.asarray(mu, dtype=float), 1e-12)
    if kappa < 1e-8:
        return stats.poisson(mu)
    n = 1.0 / kappa
    return stats.nbinom(n, n / (n + mu))


def _nb_ppf(p: np.ndarray, mu: np.ndarray, kappa: float) -> np.ndarray:
    q = np.asarray(_nb(mu, kappa).ppf(p), dtype=float)
    return np.where(np.isfinite(q), q, 0.0)


def calibrated_level(level: float, low: np.ndarray, high: np.ndarray, w: np.ndarray) -> float:
    """The level of the negative binomial that gives the quantile ``level`` in a band whose
    in-sample errors have the PIT values ``low`` = F(y - 1), ``high`` = F(y) and the fold
    weights ``w``: where their non-randomised PIT distribution (uniform when the model is
    right, for counts too) reaches ``level``, raised (p >= 0.5) or lowered (p < 0.5) as for
    one more, unseen, error (split conformal); ``level`` itself without errors."""
    if not w.size:
        return level
    total = float(w.sum())
    extra = total / w.size
    target = min(level * (total + extra) / total, 1.0) if level >= 0.5 \
        else level * total / (total + extra)
    width = np.maximum(high - low, 1e-12)

    def share(v: float) -> float:  # the PIT distribution at v: u if calibrated
        return float(np.sum(w * np.clip((v - low) / width, 0.0, 1.0))) / total

    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if share(mid) >= target else (mid, hi)
    return hi


def count_quantile(mu: np.ndarray, level: float, *, kappa: float, edges: np.ndarray,
                   pit_low: tuple[np.ndarray, ...], pit_high: tuple[np.ndarray, ...],
                   weights: tuple[np.ndarray, ...]) -> np.ndarray:
    """Per interval of mean ``mu`` (its last axis: the intervals of the day), the count
    quantile ``level`` of the negative binomial of dispersion ``kappa`` at the level
    calibrated for the interval's band (``edges``: the bands' bounds on the interval index;
    per band the PIT values and weights of :func:`fit_calibration`); 0 where mu is 0."""
    if not 0.0 < level < 1.0:
        raise ValueError("a quantile level must be between 0 and 1")
    mu = np.asarray(mu, dtype=float)
    slot = np.broadcast_to(np.arange(mu.shape[-1]), mu.shape) if mu.ndim else np.zeros(())
    band = np.searchsorted(edges, slot, side="right")
    count = max(len(weights), 1)
    levels = np.array([calibrated_level(level, pit_low[b], pit_high[b], weights[b])
                       if weights else level for b in range(count)])
    p = np.clip(levels[np.minimum(band, count - 1)], 1e-12, 1.0 - 1e-9)
    q = _nb_ppf(p, mu, kappa)
    return np.where(mu > 0, np.maximum(q, 0.0), 0.0)


def _calibrate(mu: np.ndarray, y: np.ndarray, wt: np.ndarray, slot: np.ndarray) -> dict:
    """kappa by moments and the PIT values per band of the interval of the day (``slot``:
    each error's index in its day; the fields of an AutoModel's calibration)."""
    open_ = mu > 0
    mu, y, wt, slot = mu[open_], y[open_], wt[open_], slot[open_]
    if not mu.size:
        return {}
    kappa = max(float(np.sum(wt * ((y - mu) ** 2 - mu)) / max(np.sum(wt * mu * mu), 1e-12)),
                0.0)
    dist = _nb(mu, kappa)
    low, high = np.asarray(dist.cdf(y - 1.0), float), np.asarray(dist.cdf(y), float)
    edges = np.zeros(0)
    band = np.zeros(mu.size, int)
    count = 1
    if mu.size >= 2 * BAND_SIZE:
        count = min(BANDS, mu.size // BAND_SIZE)
        # edges between slots (x.5), so that every slot falls in one band; equal counts
        edges = np.unique(np.floor(np.quantile(slot, np.arange(1, count) / count)) + 0.5)
        count = edges.size + 1
        band = np.searchsorted(edges, slot, side="right")
    return dict(kappa=kappa, edges=edges,
                pit_low=tuple(low[band == b] for b in range(count)),
                pit_high=tuple(high[band == b] for b in range(count)),
                weights=tuple(wt[band == b] for b in range(count)))


def fit_calibration(used: list[tuple[np.ndarray, np.ndarray, float]]) -> dict:
    """The calibration (kappa, band edges, PIT values and weights per band) on (forecast,
    actual, weight) blocks, each ``days x slots``: the fields of an AutoModel's quantiles;
    empty when no interval is open."""
    mu = np.concatenate([p[0].ravel() for p in used])
    y = np.concatenate([p[1].ravel() for p in used])
    wt = np.concatenate([np.full(p[1].size, p[2]) for p in used])
    slot = np.concatenate([np.broadcast_to(np.arange(p[1].shape[1]), p[1].shape).ravel()
                           for p in used])
    return _calibrate(mu, y, wt, slot)


@dataclass(frozen=True)
class CalibrationBlock:
    """One origin's errors among those that calibrate a model's quantiles (read-only, for
    diagnostics): the chosen mean's forecast of its days and what came, on the re-levelled
    window."""

    source: str  # "inner" (an inner origin) or "late" (fourth revision: after the latest one)
    origin: int  # index into the window of the first day forecast
    days: np.ndarray  # index into the window of each row (regular days only)
    mean: np.ndarray  # days x slots
    actual: np.ndarray  # days x slots
    weight: float  # the fold weight the calibration gives these errors
