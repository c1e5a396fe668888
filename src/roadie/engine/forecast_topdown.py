"""The top-down family of the default forecast (fifth revision, docs/planning.md): the day's
total by a level-adaptive method on the daily totals, times an intraday profile pooled over
more weeks and shrunk toward the all-weekday profile; and the change test on the daily
totals' one-step errors that restricts its level to the days since a change.

Pure numpy; :mod:`roadie.engine.forecast_auto` chooses among these candidates on its inner
origins like the other families, for the mean and for the point forecast (their median).
"""

from __future__ import annotations

import numpy as np

__all__ = ["TD_DAILY", "TD_PROFILES", "error_changes", "topdown_daily", "topdown_profiles",
           "topdown_relevel"]

# daily totals: exponentially weighted mean of the weekday's own totals (half-lives 1, 2 and
# 4 same weekdays: simple exponential smoothing per weekday), or of all open days'
# de-seasonalised totals times the weekday pattern (half-lives 3, 7, 14 open days)
TD_DAILY = (*(("weekday", h) for h in (1, 2, 4)), *(("allday", h) for h in (3, 7, 14)))
# profiles: the last m same weekdays pooled (8 or 16), shrunk toward the all-weekday profile
# with tau pseudo-counts per open interval (0, 2, 8, 32: from none to most of a sparse
# series' counts)
TD_PROFILES = tuple((m, tau) for m in (8, 16) for tau in (0.0, 2.0, 8.0, 32.0))
PATTERN_WEEKS = 12
# the change test on the one-step errors: Page's two-sided CUSUM of the standardised errors of
# an exponentially weighted level (half-life 7 open days), reference k = 0.5, alarm h = 8
CHANGE_HALF_LIFE, CHANGE_K, CHANGE_H = 7.0, 0.5, 8.0
CHANGE_MIN_DAYS = 3  # open days after a change before it restricts the level


def _weights(count: int, half_life: float) -> np.ndarray:
    age = np.arange(count - 1, -1, -1, dtype=float)
    return 0.5 ** (age / half_life)


def _pattern(totals: np.ndarray, idx: list[np.ndarray]) -> np.ndarray:
    """The weekday pattern of the last PATTERN_WEEKS weeks (mean 1 over open weekdays)."""
    n = totals.size
    recent = [i[i >= n - 7 * PATTERN_WEEKS] for i in idx]
    means = np.array([totals[i].mean() if i.size else 0.0 for i in recent])
    open_days = means > 0
    return means / means[open_days].mean() if open_days.any() else means


def topdown_daily(totals: np.ndarray, weekdays: np.ndarray, idx: list[np.ndarray],
                  candidates=TD_DAILY) -> np.ndarray:
    """``out[c, w]``: candidate c's total for the next day of weekday w (``idx``: the
    regular days of each weekday)."""
    out = np.zeros((len(candidates), 7))
    pattern = None
    for c, (kind, half_life) in enumerate(candidates):
        if kind == "weekday":
            for w in range(7):
                x = totals[idx[w]]
                if x.size:
                    wt = _weights(x.size, half_life)
                    out[c, w] = float(wt @ x / wt.sum())
            continue
        if pattern is None:
            pattern = _pattern(totals, idx)
        days = np.sort(np.concatenate(idx))
        days = days[pattern[weekdays[days]] > 0]
        if days.size:
            wt = _weights(days.size, half_life)
            x = totals[days] / pattern[weekdays[days]]
            out[c] = float(wt @ x / wt.sum()) * pattern
    return out


def topdown_profiles(values: np.ndarray, idx: list[np.ndarray],
                     candidates=TD_PROFILES) -> np.ndarray:
    """``out[c, w, s]``: the share of interval s in a day of weekday w: the counts of the
    last m same weekdays plus tau pseudo-counts per open interval spread as the all-weekday
    profile of the same days (restricted to the intervals the weekday opens in its last 16
    days), normalised (empirical-Bayes shrinkage of a multinomial toward the pooled one)."""
    slots = values.shape[1]
    out = np.zeros((len(candidates), 7, slots))
    opened = np.array([values[idx[w][-16:]].sum(axis=0) > 0 for w in range(7)])
    for c, (m, tau) in enumerate(candidates):
        counts = np.array([values[idx[w][-m:]].sum(axis=0) for w in range(7)])
        pooled = counts.sum(axis=0)
        for w in range(7):
            prior = np.where(opened[w], pooled, 0.0)
            if prior.sum() > 0:
                prior = prior / prior.sum()
            strength = tau * float(opened[w].sum())
            prof = counts[w] + strength * prior
            total = prof.sum()
            if total > 0:
                out[c, w] = prof / total
    return out


def weekday_medians(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray) -> np.ndarray:
    """The median daily total of each weekday (0 to 6) over the regular days; 0 for a weekday
    with none."""
    median = np.zeros(7)
    for w in range(7):
        sel = regular & (weekdays == w)
        if sel.any():
            median[w] = np.median(totals[sel])
    return median


def error_changes(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray) -> list[int]:
    """The days (indices into the window) on which a change of level begins, found by Page's
    two-sided CUSUM on the one-step errors of the log de-seasonalised daily level: each open
    day's log(total + 1) over its weekday's median (+ 1), minus the exponentially weighted
    level of the open days before it (half-life 7), standardised by 1.4826 MAD; an alarm
    when a side's sum passes h = 8 (``CHANGE_H``) with reference k = 0.5; the change begins the day after
    that side's sum last stood at 0. After an alarm both sums restart at 0 and the level at
    the mean since the change."""
    median = weekday_medians(totals, weekdays, regular)
    days = np.flatnonzero(regular & (median[weekdays] > 0))
    if days.size < 2 * CHANGE_MIN_DAYS + 2:
        return []
    x = np.log((totals[days] + 1.0) / (median[weekdays[days]] + 1.0))
    alpha = 1.0 - 0.5 ** (1.0 / CHANGE_HALF_LIFE)
    level = x[0]
    errors = np.zeros(x.size)
    for t in range(1, x.size):
        errors[t] = x[t] - level
        level += alpha * (x[t] - level)
    e = errors[1:]
    sigma = 1.4826 * float(np.median(np.abs(e - np.median(e))))
    if sigma <= 0:
        return []
    changes: list[int] = []
    up = down = 0.0
    up_zero = down_zero = 0  # last index where each sum stood at 0
    level = x[0]
    t = 1
    while t < x.size:
        z = (x[t] - level) / sigma
        up, down = max(0.0, up + z - CHANGE_K), max(0.0, down - z - CHANGE_K)
        up_zero = t if up == 0.0 else up_zero
        down_zero = t if down == 0.0 else down_zero
        if up > CHANGE_H or down > CHANGE_H:
            start = (up_zero if up > CHANGE_H else down_zero) + 1
            changes.append(start)
            level = float(x[start: t + 1].mean())
            up = down = 0.0
            up_zero = down_zero = t
        else:
            level += alpha * (x[t] - level)
        t += 1
    kept = [c for c in changes if x.size - c >= CHANGE_MIN_DAYS]
    return [int(days[c]) for c in kept]


def topdown_relevel(totals: np.ndarray, weekdays: np.ndarray, regular: np.ndarray
                    ) -> tuple[np.ndarray, tuple[int, ...]]:
    """The factor per day that restricts the top-down family's level to the days since the
    last change of :func:`error_changes` (each earlier segment times the ratio of the last
    segment's median de-seasonalised level to its own; 1 without a change), and the
    changes."""
    n = totals.size
    factor = np.ones(n)
    changes = error_changes(totals, weekdays, regular)
    if not changes:
        return factor, ()
    median = np.zeros(7)
    for w in range(7):
        sel = regular & (weekdays == w)
        if sel.any():
            median[w] = np.median(totals[sel])
    ok = regular & (median[weekdays] > 0)
    x = np.full(n, np.nan)
    x[ok] = np.log((totals[ok] + 1.0) / (median[weekdays[ok]] + 1.0))
    bounds = [0, *changes, n]
    last = float(np.nanmedian(x[bounds[-2]:]))
    for a, b in zip(bounds[:-2], bounds[1:-1], strict=True):
        seg = x[a:b]
        if np.isfinite(seg).any():
            factor[a:b] = np.exp(last - float(np.nanmedian(seg)))
    return factor, tuple(changes)
