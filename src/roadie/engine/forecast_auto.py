"""The default forecast ("auto"): daily total x intraday profile, its settings chosen inside the
training window, with quantiles calibrated on the same in-sample folds.

For a training window, every candidate below forecasts the last few weeks of that window from
what came before them (inner rolling origins, a week apart); the candidate with the lowest
in-sample error (sum of absolute errors per interval) is then refitted on the whole window.
Nothing after the window is looked at, so a back-test of it is honest.

- *Daily total of a day*: the mean of the last k regular same weekdays (k in 1..12), their
  median (k in 3..9), or a weekday shape (the last 12 weeks) times the recent level (the mean
  deseasonalised total of the last 7, 14 or 28 days): the last adapts to a level shift.
- *Intraday profile*: each interval's share of the day, pooled over the last m regular same
  weekdays (m in 1..16), or over the weekdays whose long-run shape is close to it (a Sunday
  to Thursday centre pools its five similar days), optionally smoothed over neighbouring
  intervals; intervals never used stay closed.
- *Quantiles*: the in-sample errors of the chosen candidate, scaled by
  ``sqrt(mu + kappa * mu^2)`` (Poisson noise plus a level error), give empirical quantiles of
  the scaled error; a forecast ``mu`` has quantile ``max(0, mu + z_p * scale(mu))``.

The two simple baselines of the back-test report (mean / median of the last k same weekdays per
interval, k chosen the same way) are here too, so that both sides are scored alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["AutoModel", "fit_auto", "weekday_baseline"]

DAILY = (
    *(("mean", k) for k in (1, 2, 3, 4, 6, 8, 12)),
    *(("median", k) for k in (3, 5, 7, 9)),
    *(("level", r) for r in (7, 14, 28)),
)
PROFILE_DAYS = (1, 2, 4, 8, 16)
PROFILE_GROUPS = (0.0, 0.25, 0.5)  # L1 distance under which weekdays' profiles are pooled
SMOOTH = (False, True)
INNER_FOLDS = 12
TOP = 80  # candidates averaged
BANDS, BAND_SIZE = 5, 200  # quantiles per band of forecast size, at least 200 errors each
DECAY = 1.0  # weight of an inner fold one week older
SHAPE_WEEKS = 12


@dataclass(frozen=True)
class AutoModel:
    """The candidates chosen for one training window (averaged), and the in-sample errors
    that give the quantiles."""

    chosen: tuple[tuple[tuple[str, int], tuple[int, float, bool]], ...]  # (daily, profile)
    z: np.ndarray  # scaled in-sample errors
    kappa: float  # scale = sqrt(mu + kappa mu^2)
    inner_error: float  # in-sample sum of absolute errors of the best candidate
    edges: np.ndarray = field(default_factory=lambda: np.zeros(0))  # bands of mu
    bands: tuple[np.ndarray, ...] = ()  # the scaled errors per band

    def describe(self) -> str:
        parts = []
        for (kind, k), (m, group, smooth) in self.chosen:
            parts.append(f"daily {kind} {k} x profile {m} day(s)"
                         f"{f' pooled under {group}' if group else ''}"
                         f"{' smoothed' if smooth else ''}")
        return "; ".join(parts)

    def quantile(self, mu: np.ndarray, level: float) -> np.ndarray:
        if not 0.0 < level < 1.0:
            raise ValueError("a quantile level must be between 0 and 1")
        if self.z.size == 0:
            return np.asarray(mu, dtype=float)
        mu = np.asarray(mu, dtype=float)
        scale = np.sqrt(mu + self.kappa * mu * mu)
        # the scaled errors of forecasts of about the same size (count data is lumpy when
        # small): one quantile per band of mu
        band = np.searchsorted(self.edges, mu, side="right")
        zp = np.array([np.quantile(z, level) if z.size else 0.0 for z in self.bands])
        return np.where(mu > 0, np.maximum(mu + zp[band] * scale, 0.0), 0.0)


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


PROFILES = tuple((m, g, s) for m in PROFILE_DAYS for g in PROFILE_GROUPS for s in SMOOTH)


def _inner_origins(n: int, horizon: int) -> list[int]:
    """Origins inside the window, a week apart, each with at least a week before it."""
    return [n - horizon - 7 * j for j in range(INNER_FOLDS) if n - horizon - 7 * j >= 7]


def fit_auto(values: np.ndarray, weekdays: np.ndarray, regular: np.ndarray) -> AutoModel:
    """Choose daily and profile candidates on the window's inner folds (7-day horizon)."""
    n = values.shape[0]
    totals = values.sum(axis=1)
    horizon = 7
    errors = np.zeros((len(DAILY), len(PROFILES)))
    keep: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
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
        keep.append((daily, prof, wd, actual))
    if not keep:
        return AutoModel(chosen=((("mean", 4), (4, 0.0, False)),), z=np.zeros(0),
                         kappa=0.0, inner_error=float("nan"))
    order = np.argsort(errors, axis=None, kind="stable")[:TOP]
    pairs = [np.unravel_index(int(i), errors.shape) for i in order]
    mus, ys = [], []
    for daily, prof, wd, actual in keep:
        mu = np.mean([daily[c, wd, None] * prof[p, wd, :] for c, p in pairs], axis=0)
        mus.append(mu.ravel())
        ys.append(actual.ravel())
    mu = np.concatenate(mus)
    y = np.concatenate(ys)
    open_ = mu > 0
    mu, y = mu[open_], y[open_]
    kappa = 0.0
    if mu.size:
        kappa = max(float(np.sum((y - mu) ** 2 - mu) / max(np.sum(mu * mu), 1e-12)), 0.0)
    z = (y - mu) / np.sqrt(mu + kappa * mu * mu) if mu.size else np.zeros(0)
    edges, bands = np.zeros(0), (z,)
    if mu.size >= 4 * BAND_SIZE:
        count = min(BANDS, mu.size // BAND_SIZE)
        edges = np.quantile(mu, np.arange(1, count) / count)
        band = np.searchsorted(edges, mu, side="right")
        bands = tuple(z[band == b] for b in range(count))
    return AutoModel(edges=edges, bands=bands, chosen=tuple((DAILY[c], PROFILES[p]) for c, p in pairs), z=z,
                     kappa=kappa, inner_error=float(errors[order[0] // errors.shape[1],
                                                           order[0] % errors.shape[1]]))


def auto_predict(model: AutoModel, values: np.ndarray, weekdays: np.ndarray,
                 regular: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chosen candidate refitted on the whole window: (daily total per weekday,
    profile per weekday)."""
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
