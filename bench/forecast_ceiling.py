"""What the bar of 20 % over the seasonal naive asks, per pair: a diagnostic, not a method.

On exactly the back-test's series and folds (bench/forecast_data.py; the origins, 7-day horizon
and 16 weeks of history of bench/bench_forecast.py; each series' public holidays and closed
days through roadie's own treatment), per series x interval pair:

1. **Seasonal naive**: same interval a week before, wMAPE = sum |actual - naive| / sum actual
   over the test folds, as ``roadie.engine.forecast_backtest.backtest`` computes it (the
   script checks that its own figure equals the back-test's).
2. **Oracle daily total**: a forecast that knows each test day's actual total T (which no
   forecast can know) and spreads it over the day by the intraday profile of that weekday
   pooled over the last 8 regular same weekdays of the fold's training window (a profile a
   forecaster has: the counts of those days per interval over their sum; "regular" as in
   roadie: not a holiday, a closed day or a special period). The rate of interval t is
   ``lambda = T x profile[t]``. If that weekday had no regular day with contacts in the window,
   the profile is that of every regular day of the window (the test days with contacts that
   took it are counted).
   Scored by wMAPE on the actual counts, as:
   (a) the rate itself (the mean);
   (b) the Poisson median rule that roadie's point forecast uses: the median of Poisson(lambda)
       where it is at least 1, else lambda (docs/planning.md, "Second revision", item 1);
   (c) the plain Poisson median, 0 allowed. For information only: a point forecast of 0 where
       contacts are expected is what wMAPE rewards on sparse counts, not an honest forecast.
   Gain = 1 - wMAPE / naive wMAPE.
3. **Poisson ceiling**: the expected gain over the naive if every test interval's count were
   X ~ Poisson(lambda) with the oracle rate of item 2 and the naive's reference count (the same
   interval a week before) an independent X' ~ Poisson(mu), mu built the same way on that day
   (its actual total times the same weekday profile of the fold; the naive's reference day is
   that of ``seasonal_naive``). Expected wMAPE = sum of the
   expected absolute errors / sum of the rates, for the forecast (b) or (c) and for the naive;
   ceiling = 1 - E(forecast) / E(naive). Exact expectations from the Poisson pmf (scipy), no
   simulation: E|X - f| in closed form, E|X - X'| as the sum over X' of its pmf times
   E|X - x'| (cut where the remaining mass of X' is below 1e-12).
   Under these assumptions the rate is known exactly and the only error left is counting
   noise, so no forecast can expect a larger gain than (c), and none that keeps the median
   rule a larger one than (b). It is a ceiling of a model, not of the data: counts more
   dispersed than Poisson, or a profile that is wrong, lower what is reachable; a test day's
   total is the realised one, so the naive keeps its level error between the two weeks.
   A day with no data (``DayMatrix.missing``) is not scored, as in ``backtest``.
4. **roadie**: its point forecast and its mean, recomputed here on the same folds by
   ``backtest`` exactly as bench/bench_forecast.py calls it (deterministic: the figures equal
   that bench's on the same code).

"20 % reachable?": by the oracle when the better of (a) and (b) gains at least 20 %; by the
ceiling when (b) does. Where the ceiling is below 20 %, the bar is out of reach of any forecast
that keeps the median rule, under these assumptions; where the oracle reaches 20 % and roadie
does not, what roadie lacks is the day's total (its level), which the oracle reads from the
test folds.

Run: ``bench/run ceiling`` (or ``.bench-venv/bin/python bench/forecast_ceiling.py``; it needs
roadie and scipy only). Options: ``--intervals 30``, ``--series feb-PS,feb-IN``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast_data  # noqa: E402

from roadie.engine.forecast import DayMatrix, ForecastConfig, forecast_with  # noqa: E402
from roadie.engine.forecast_backtest import backtest, seasonal_naive  # noqa: E402

HORIZON = forecast_data.HORIZON_DAYS  # 7
HISTORY_WEEKS = forecast_data.HISTORY_WEEKS  # 16
PROFILE_WEEKS = 8
TAIL = 1e-12  # mass of X' left out of E|X - X'|


# --------------------------------------------------------------------------------------------
# Poisson arithmetic
# --------------------------------------------------------------------------------------------


def expected_abs_error(lam, f) -> np.ndarray:
    """E|X - f| for X ~ Poisson(lam) and a number f >= 0, exactly: with n = floor(f),
    E|X - f| = lam - f + 2 E[(f - X)+] and E[(f - X)+] = f F(n) - lam F(n - 1), F the
    Poisson cdf (sum over k <= n of k pmf(k) = lam F(n - 1))."""
    lam, f = np.broadcast_arrays(np.asarray(lam, float), np.asarray(f, float))
    n = np.floor(f)
    return lam - f + 2.0 * (f * stats.poisson.cdf(n, lam) - lam * stats.poisson.cdf(n - 1, lam))


def expected_abs_difference(lam, mu) -> np.ndarray:
    """E|X - Y| for independent X ~ Poisson(lam), Y ~ Poisson(mu) (the naive's expected error
    when its reference interval has rate mu): the sum over y of P(Y = y) E|X - y|, y up to
    where P(Y > y) < TAIL."""
    lam, mu = np.broadcast_arrays(np.asarray(lam, float), np.asarray(mu, float))
    flat_l, flat_m = lam.ravel(), mu.ravel()
    out = np.zeros(flat_l.size)
    top = int(stats.poisson.isf(TAIL, max(float(flat_m.max(initial=0.0)), 1e-9))) + 1
    ys = np.arange(top + 1, dtype=float)
    for lo in range(0, flat_l.size, 2048):
        l_, m_ = flat_l[lo:lo + 2048, None], flat_m[lo:lo + 2048, None]
        pmf = stats.poisson.pmf(ys[None, :], m_)
        out[lo:lo + 2048] = (pmf * expected_abs_error(l_, ys[None, :])).sum(axis=1)
    return out.reshape(lam.shape)


def poisson_median(lam) -> np.ndarray:
    """The median of Poisson(lam): the least k with P(X <= k) >= 1/2 (0 when lam is 0)."""
    lam = np.asarray(lam, float)
    return np.where(lam > 0, stats.poisson.ppf(0.5, np.maximum(lam, 1e-300)), 0.0)


def median_rule(lam) -> np.ndarray:
    """roadie's point rule on a Poisson rate: the median where it is at least 1, else the rate
    (never 0 where contacts are expected)."""
    lam = np.asarray(lam, float)
    med = poisson_median(lam)
    return np.where(med >= 1, med, lam)


# --------------------------------------------------------------------------------------------
# the folds
# --------------------------------------------------------------------------------------------


def weekday_profiles(train: DayMatrix, config: ForecastConfig, series: str
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per day of the horizon, its weekday's intraday profile pooled over the last
    ``PROFILE_WEEKS`` regular same weekdays of ``train``, the regular days being those of
    roadie's own treatment (``forecast_with`` hands them to its base); a weekday with no
    regular contacts takes the profile of every regular day. Returns the profiles and, per
    horizon day, whether it took that fallback."""
    seen: dict[str, np.ndarray] = {}

    def base(clean, weekdays, regular, future_weekdays):
        slots = clean.shape[1]
        pooled = clean[regular].sum(axis=0)
        pooled = pooled / pooled.sum() if pooled.sum() > 0 else np.zeros(slots)
        rows, fallback = [], []
        for w in future_weekdays:
            counts = clean[np.flatnonzero((weekdays == w) & regular)[-PROFILE_WEEKS:]].sum(axis=0)
            fallback.append(counts.sum() == 0)
            rows.append(pooled if fallback[-1] else counts / counts.sum())
        seen["profiles"], seen["fallback"] = np.array(rows), np.array(fallback)
        return np.zeros((future_weekdays.size, slots))

    forecast_with(train, horizon_days=HORIZON, config=config, base=base, series=series)
    return seen["profiles"], seen["fallback"]


def pair_figures(s: forecast_data.Series, config: ForecastConfig) -> dict:
    """Every figure of one pair over its test folds (module docstring)."""
    n = s.history.days
    first = n - HORIZON - (s.folds - 1) * s.step_days
    actual, naive, rate, ref = [], [], [], []
    fallback = 0
    missing = s.history.missing_mask
    for f in range(s.folds):
        origin = first + f * s.step_days
        train = s.history.slice(max(0, origin - 7 * HISTORY_WEEKS), origin)
        profiles, fell_back = weekday_profiles(train, config, s.name)
        known = ~missing[origin: origin + HORIZON]  # a missing day is not scored (backtest)
        day = s.history.values[origin: origin + HORIZON].astype(float)
        # the naive's reference days (a week before; backtest's seasonal naive)
        before = seasonal_naive(train, horizon_days=HORIZON).values.astype(float)
        fallback += int((fell_back & (day.sum(axis=1) > 0) & known).sum())
        actual.append(day[known])
        naive.append(before[known])
        rate.append((day.sum(axis=1, keepdims=True) * profiles)[known])
        ref.append((before.sum(axis=1, keepdims=True) * profiles)[known])
    x, nv, lam, mu = (np.concatenate(a) for a in (actual, naive, rate, ref))
    total = float(x.sum())
    naive_wmape = float(np.abs(x - nv).sum()) / total
    oracle = {"a": lam, "b": median_rule(lam), "c": poisson_median(lam)}
    oracle_wmape = {k: float(np.abs(x - v).sum()) / total for k, v in oracle.items()}
    e_naive = float(expected_abs_difference(lam, mu).sum())
    e_fore = {k: float(expected_abs_error(lam, oracle[k]).sum()) for k in ("b", "c")}
    open_ = lam > 0
    return {
        "naive": naive_wmape,
        "oracle": {k: 1 - v / naive_wmape for k, v in oracle_wmape.items()},
        "ceiling": {k: 1 - v / e_naive for k, v in e_fore.items()},
        "naive_expected": e_naive / float(lam.sum()),
        "low_rate": float((lam[open_] < 1).mean()) if open_.any() else 0.0,
        "fallback": fallback,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--intervals", default="30,15")
    parser.add_argument("--series", default="", help="comma-separated names (default: every)")
    args = parser.parse_args()
    only = {x for x in args.series.split(",") if x}
    import pandas
    import scipy

    print("### What 20 % asks: ceilings (bench/forecast_ceiling.py, a diagnostic)")
    print()
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, pandas {pandas.__version__}.")
    print()
    print(f"The back-test's series and folds ({HISTORY_WEEKS} weeks of history, {HORIZON}-day "
          "horizon, each series' holidays). Gains are 1 - wMAPE / wMAPE of the seasonal "
          "naive. `naive`: the seasonal naive's wMAPE (`= back-test`: equal to "
          "roadie.engine.forecast_backtest.backtest's). `roadie point`, `roadie mean`: roadie's "
          "point forecast and mean, recomputed on the same folds by backtest. `oracle`: the actual "
          f"total of each test day x the weekday profile of the last {PROFILE_WEEKS} regular "
          "same weekdays of the training window, scored on the actual counts as (a) that "
          "rate, (b) the Poisson median rule (median where at least 1, else the rate), (c) "
          "the plain Poisson median, 0 allowed (for information only: a 0 where contacts are "
          "expected is what wMAPE rewards on sparse counts, not an honest forecast). "
          "`ceiling`: expected gain if each interval were Poisson at the oracle rate and the "
          "naive's reference interval Poisson at its own (exact sums over the pmf), forecast "
          "(b) or (c). `naive E`: the naive's expected wMAPE under that model. `rate < 1`: "
          "share of the open intervals whose oracle rate is below 1. `20 % reachable?`: by "
          "the oracle (the better of a and b), by the ceiling (b).")
    print()
    print("| pair | volume | naive | = back-test | naive E | rate < 1 | roadie point "
          "| roadie mean | oracle (a) mean | oracle (b) median rule | oracle (c) median, 0 "
          "allowed | ceiling (b) | ceiling (c) | 20 % reachable? oracle | 20 % reachable? "
          "ceiling |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    rows = []
    t0 = time.perf_counter()
    for interval in (int(x) for x in args.intervals.split(",")):
        for s in forecast_data.load(interval):
            if only and s.name not in only:
                continue
            config = ForecastConfig(interval_minutes=interval, country=s.country)
            r = backtest(s.history, horizon_days=HORIZON, folds=s.folds,
                         step_days=s.step_days, config=config, series=s.name,
                         history_days=7 * HISTORY_WEEKS)
            fig = pair_figures(s, config)
            same = abs(fig["naive"] - r.naive_wmape) < 1e-9
            point = 1 - r.point_wmape / r.naive_wmape
            mean = 1 - r.wmape / r.naive_wmape
            by_oracle = max(fig["oracle"]["a"], fig["oracle"]["b"]) >= 0.2
            by_ceiling = fig["ceiling"]["b"] >= 0.2
            label = f"{s.name} @{interval}" + (" (held out)" if s.held_out else "")
            rows.append((label, point, mean, fig, by_oracle, by_ceiling))
            o, c = fig["oracle"], fig["ceiling"]
            print(f"| {label} | {s.note} | {fig['naive']:.3f} "
                  f"| {'yes' if same else f'NO ({r.naive_wmape:.3f})'} "
                  f"| {fig['naive_expected']:.3f} | {fig['low_rate']:.0%} | {point:+.1%} "
                  f"| {mean:+.1%} | {o['a']:+.1%} | {o['b']:+.1%} | {o['c']:+.1%} "
                  f"| {c['b']:+.1%} | {c['c']:+.1%} | {'yes' if by_oracle else 'no'} "
                  f"| {'yes' if by_ceiling else 'no'} |", flush=True)
            if fig["fallback"]:
                print(f"<!-- {s.name} @{interval}: {fig['fallback']} test days with contacts "
                      "took the all-regular-day profile -->")
    n = len(rows)
    met = [r for r in rows if r[1] >= 0.2]
    out_c = [r for r in rows if not r[5]]
    out_o = [r for r in rows if not r[4]]
    short = [r for r in rows if r[1] < 0.2 and r[5]]
    print()
    print(f"Pairs: {n}. roadie's point forecast gains at least 20 %: {len(met)}. The ceiling "
          f"(b) is below 20 % (the bar out of reach under its assumptions) on {len(out_c)}: "
          + (", ".join(r[0] for r in out_c) or "none") + ". The oracle (a or b) is below 20 % "
          f"on {len(out_o)}: " + (", ".join(r[0] for r in out_o) or "none") + ". roadie's "
          f"point forecast is under 20 % where the ceiling (b) reaches it on {len(short)}: "
          + (", ".join(f"{r[0]} ({r[1]:+.1%} against {r[3]['ceiling']['b']:+.1%}; oracle "
                       f"{max(r[3]['oracle']['a'], r[3]['oracle']['b']):+.1%})" for r in short)
             or "none") + ".")
    print()
    print(f"<!-- {time.perf_counter() - t0:.0f} s -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
