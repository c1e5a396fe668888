"""Forecast back-test: roadie's default against the seasonal naive, the simple baselines and
statsforecast, on every series of bench/forecast_data.py, at 15 and 30 minutes.

Run through ``bench/run forecast`` (statsforecast lives in .bench-venv only). Every model sees
the same training window before each origin (the last ``--history-weeks`` weeks) and the same
public holidays (the series' country: Israeli, US for the held-out ``us-bank``) and closed
days: roadie and the baselines through roadie's own
treatment, statsforecast through ``forecast_with`` (the history it is given has the holidays
replaced by the mean of the last four regular same weekdays, and its forecast goes through
the same holiday factor and closings as roadie's). Nothing is tuned on the test folds:
roadie's default and the baselines choose their settings inside each training window.
roadie's point forecast (scored against the bar) is its ``forecast`` column, chosen per series
inside each training window (docs/planning.md, "Third revision"): the median rule (the 50 %
quantile, or the mean where that quantile is 0), the mean, or the median-k baseline; its
mean, the rate that staffing takes (the combination or the mean-k baseline), is scored beside
it, and the choices are counted per series.

The peer is a search over statsforecast models (``StatsforecastSearch``): MSTL with daily and
weekly seasons on the interval counts, and AutoETS, AutoARIMA and AutoTheta on the daily totals
times the weekday profile of the last 8 same weekdays (that split is written for this
benchmark), the model chosen per series inside its first training window.

Options: ``--quick`` (fewer folds), ``--no-peer`` (skip statsforecast), ``--intervals 30``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast_data  # noqa: E402

from roadie.engine.forecast import DayMatrix, ForecastConfig, forecast_with  # noqa: E402
from roadie.engine.forecast_backtest import backtest, baseline  # noqa: E402

PEER_MODELS = ("MSTL", "AutoETS", "AutoARIMA", "AutoTheta")


def _weekday_profile(clean: np.ndarray, weekdays: np.ndarray, regular: np.ndarray,
                     future_weekdays: np.ndarray, weeks: int = 8) -> np.ndarray:
    """Each interval's share of the day over the last ``weeks`` regular same weekdays (the
    intraday split of a daily-total model; written for this benchmark)."""
    out = np.zeros((7, clean.shape[1]))
    for w in range(7):
        rows = clean[np.flatnonzero((weekdays == w) & regular)[-weeks:]].sum(axis=0)
        if rows.sum() > 0:
            out[w] = rows / rows.sum()
    return out[future_weekdays]


def _sf_base(name: str, interval: int, slots: int):
    """A ``forecast_with`` base: statsforecast's MSTL on the interval counts, or AutoETS /
    AutoARIMA / AutoTheta (weekly season) on the daily totals times the weekday profile."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, AutoTheta

    def base(clean, weekdays, regular, future_weekdays):
        horizon = future_weekdays.size
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if name == "MSTL":
                y = clean.ravel()
                ds = pd.date_range("2000-01-03", periods=y.size, freq=f"{interval}min")
                model = MSTL(season_length=[slots, 7 * slots],
                             trend_forecaster=AutoETS(model="ZZN"))
                out = StatsForecast(models=[model], freq=f"{interval}min", n_jobs=1).forecast(
                    df=pd.DataFrame({"unique_id": "s", "ds": ds, "y": y}), h=horizon * slots)
                return np.maximum(out["MSTL"].to_numpy(), 0.0)
            totals = clean.sum(axis=1)
            ds = pd.date_range("2000-01-03", periods=totals.size, freq="D")
            model = {"AutoETS": AutoETS, "AutoARIMA": AutoARIMA, "AutoTheta": AutoTheta}[name](
                season_length=7)
            out = StatsForecast(models=[model], freq="D", n_jobs=1).forecast(
                df=pd.DataFrame({"unique_id": "s", "ds": ds, "y": totals}), h=horizon)
            daily = np.maximum(out[name].to_numpy(), 0.0)
        prof = _weekday_profile(clean, weekdays, regular, future_weekdays)
        return (daily[:, None] * prof).ravel()

    return base


class StatsforecastSearch:
    """statsforecast's best model for the series, chosen in-sample: at a series' first origin,
    each of MSTL(day, week) + AutoETS trend on the intervals and AutoETS / AutoARIMA /
    AutoTheta (weekly season) on the daily totals x the weekday profile of the last 8 same
    weekdays forecasts the last 7 days of that first training window from the days before
    them; the one with the lowest absolute error is refitted at every origin. Chosen once per
    series (not per fold) to keep the run within the hour; a model that cannot fit the short
    inner window is left out."""

    def __init__(self, config: ForecastConfig):
        self.config = config
        self.choice: dict[str, str] = {}

    def _run(self, name: str, train: DayMatrix, horizon: int,
             config: ForecastConfig) -> np.ndarray:
        base = _sf_base(name, train.interval_minutes, train.values.shape[1])
        return forecast_with(train, horizon_days=horizon, config=config, base=base).values

    def method(self, series: str, config: ForecastConfig | None = None):
        """The back-test ``method`` for ``series``, with ``config``'s holidays and closings
        (by default those given to the search)."""
        config = config or self.config

        def run(train: DayMatrix, horizon: int) -> np.ndarray:
            if series not in self.choice:
                inner, actual = train.head(train.days - 7), train.values[-7:]
                known = ~train.missing_mask[-7:]  # a missing day (no data) is not scored
                scores = {}
                for name in PEER_MODELS:
                    try:
                        scores[name] = float(np.abs(self._run(name, inner, 7, config)
                                                    - actual)[known].sum())
                    except Exception:  # noqa: BLE001 - a model that cannot fit is left out
                        continue
                self.choice[series] = min(scores, key=scores.get) if scores else "MSTL"
            return self._run(self.choice[series], train, horizon, config)

        return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--intervals", default="30,15")
    parser.add_argument("--history-weeks", type=int, default=16)
    args = parser.parse_args()
    weeks = args.history_weeks
    peer_name = "statsforecast"
    if not args.no_peer:
        import statsforecast

        peer_name = f"statsforecast {statsforecast.__version__} (model chosen in-sample)"
    print("### Forecast back-test (bench/bench_forecast.py)")
    print()
    print(f"Every model sees the last {weeks} weeks before each origin and the series' public "
          "holidays (Israeli; US for us-bank); 7-day horizon; yearly series: origins a week "
          "apart, February series (28 days): origins a day apart from day 14; us-bank: origins "
          "a week apart, as many as the data allows after 16 weeks of history. us-bank was "
          "held out until run-20261202-forecast-v8 (its held-out score); the sixth revision "
          "of docs/planning.md was written after looking at it, so no pair here is unseen; "
          "its missing days are left out of every fit and of the scores. wMAPE = sum|error| / sum(actual) over the test folds. "
          "roadie's **point forecast** is its `forecast` column, chosen per series inside "
          "each training window on honest inner errors (docs/planning.md, \"Third "
          "revision\"): the median rule (the 50 % quantile, or the mean where it is 0), the "
          "mean, or the median-k baseline under the same rule; `sparse`: share of the open "
          "intervals whose 50 % quantile is 0. Its **mean** (the rate staffing takes: the "
          "combination of four families or the mean-k baseline) is shown beside it; `roadie "
          "chose` counts the folds' choices (mean/point). A forecast of 0 everywhere scores "
          "wMAPE 1.000 on every series. `vs naive`: 1 - wMAPE / wMAPE of the seasonal naive. "
          "`bar`: at least 20 % better than the seasonal naive and no worse than the better "
          "of the two baselines (mean k, median k per interval, k chosen in-sample), for the "
          "point forecast (`bar point`) and for the mean (`bar mean`). Coverage, as counts: "
          "`>q90` / `>=q90`: share of open intervals whose actual lay above / at or above "
          "roadie's 90 % quantile (calibrated, strictly, when the first is at most 10 % and "
          "the second at least 10 %); `<q10` / `<=q10` the same below the 10 % quantile; "
          "`q90 about` / `q10 about`: whether they are within a 95 % margin of sampling noise "
          "of 10 % (the intervals of a calendar day are one cluster; cluster-robust standard "
          "error, never below the binomial one; Student's t; docs/planning.md, \"Fourth "
          "revision\"). `total/actual`: forecast total over actual total of roadie's point "
          "forecast, its mean and statsforecast (a bias). The "
          "statsforecast model is chosen per series at its first origin, inside that training "
          "window (bench_forecast.StatsforecastSearch); it gives a mean.")
    keys = ("pairs", "q50_20", "q50_base", "q50_peer", "q50_bar", "mean20", "mean_base",
            "mean_peer", "mean_bar", "q90_ok", "q10_ok", "q90_about", "q10_about")
    failing = []
    tally = dict.fromkeys(keys, 0)
    held = dict.fromkeys(keys, 0)  # the held-out pairs' own counts
    coverage = []
    for interval in (int(x) for x in args.intervals.split(",")):
        search = StatsforecastSearch(ForecastConfig(interval_minutes=interval, country="IL"))
        print()
        print(f"#### {interval}-minute intervals")
        print()
        print("| series | volume | folds | roadie point | roadie mean | seasonal naive "
              "| point vs naive | mean vs naive | mean k (in-sample) | median k (in-sample) | "
              + peer_name + " | peer model | bar point | bar mean | sparse | >q90 | >=q90 "
              "| <q10 | <=q10 | q90 about | q10 about | total/actual (point, mean, peer) "
              "| roadie chose (mean/point: folds) | roadie s | peer s |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|---:"
              "|---:|---:|---:|---|---|---|---|---:|---:|")
        data = forecast_data.load(interval, quick=args.quick)
        for s in data:
            config = ForecastConfig(interval_minutes=interval, country=s.country)
            kw = dict(horizon_days=7, folds=s.folds, step_days=s.step_days, config=config,
                      series=s.name, history_days=7 * weeks)
            t0 = time.perf_counter()
            r = backtest(s.history, **kw)
            roadie_s = time.perf_counter() - t0
            mean_b = backtest(s.history, **kw, method=baseline("mean", config))
            median_b = backtest(s.history, **kw, method=baseline("median", config))
            peer = peer_s = chosen = "-"
            p = None
            if not args.no_peer:
                t0 = time.perf_counter()
                p = backtest(s.history, **kw, method=search.method(s.name, config))
                peer_s = f"{time.perf_counter() - t0:.1f}"
                peer = f"{p.wmape:.3f}"
                chosen = search.choice.get(s.name, "-")
            best = min(mean_b.wmape, median_b.wmape)
            gain = 1 - r.wmape / r.naive_wmape
            gain50 = 1 - r.point_wmape / r.naive_wmape
            ok50 = gain50 >= 0.2 and r.point_wmape <= best
            ok = gain >= 0.2 and r.wmape <= best
            about90, about10 = r.about_calibrated(upper=True), r.about_calibrated(upper=False)
            for counts in (tally, held) if s.held_out else (tally,):
                counts["pairs"] += 1
                counts["q50_20"] += gain50 >= 0.2
                counts["q50_base"] += r.point_wmape <= best
                counts["q50_peer"] += p is not None and r.point_wmape <= p.wmape
                counts["q50_bar"] += ok50
                counts["mean20"] += gain >= 0.2
                counts["mean_base"] += r.wmape <= best
                counts["mean_peer"] += p is not None and r.wmape <= p.wmape
                counts["mean_bar"] += ok
                counts["q90_ok"] += r.above_q90 <= 0.1 <= r.at_or_above_q90
                counts["q10_ok"] += r.below_q10 <= 0.1 <= r.at_or_below_q10
                counts["q90_about"] += bool(about90)
                counts["q10_about"] += bool(about10)
            coverage.append((r.above_q90, r.below_q10))
            bias = [r.point_total / r.actual_total, r.forecast_total / r.actual_total]
            if p is not None:
                bias.append(p.forecast_total / p.actual_total)
            if not ok50:
                others = {"roadie point": r.point_wmape, "roadie mean": r.wmape,
                          "mean k": mean_b.wmape, "median k": median_b.wmape}
                if p is not None:
                    others[f"statsforecast {chosen}"] = p.wmape
                label = f"{s.name} @{interval}" + (" (held out)" if s.held_out else "")
                failing.append((label, r.naive_wmape, others))
            print(f"| {s.name} | {s.note} | {s.folds} | **{r.point_wmape:.3f}** "
                  f"| {r.wmape:.3f} | {r.naive_wmape:.3f} | {gain50:+.1%} | {gain:+.1%} "
                  f"| {mean_b.wmape:.3f} | {median_b.wmape:.3f} | {peer} | {chosen} "
                  f"| {'met' if ok50 else 'NOT met'} | {'met' if ok else 'NOT met'} "
                  f"| {r.sparse:.0%} | {r.above_q90:.1%} | {r.at_or_above_q90:.1%} "
                  f"| {r.below_q10:.1%} | {r.at_or_below_q10:.1%} "
                  f"| {'yes' if about90 else 'no'} | {'yes' if about10 else 'no'} "
                  f"| {', '.join(f'{b:.2f}' for b in bias)} | {r.choice_counts()} "
                  f"| {roadie_s:.1f} | {peer_s} |",
                  flush=True)
    n = tally["pairs"]
    skipped = " (peer skipped)" if args.no_peer else ""
    print()
    print(f"Series x interval pairs: {n}, of which {held['pairs']} held out"
          + (" (us-bank)." if held["pairs"] else "."))
    print()
    print("| roadie's | pairs | >= 20 % better than the seasonal naive | no worse than the "
          "better baseline | no worse than statsforecast | bar met |")
    print("|---|---|---:|---:|---:|---:|")
    groups = [("all", tally)]
    if held["pairs"]:
        groups += [("not held out", {key: tally[key] - held[key] for key in keys}),
                   ("held out", held)]
    for group, c in groups:
        k = c["pairs"]
        print(f"| point forecast | {group} | {c['q50_20']} of {k} | {c['q50_base']} of {k} "
              f"| {c['q50_peer']} of {k}{skipped} | **{c['q50_bar']} of {k}** |")
        print(f"| mean (staffing) | {group} | {c['mean20']} of {k} | {c['mean_base']} of {k} "
              f"| {c['mean_peer']} of {k}{skipped} | {c['mean_bar']} of {k} |")
    above = np.array([a for a, _ in coverage])
    below = np.array([b for _, b in coverage])
    print()
    print(f"Quantiles: the 90 % quantile was exceeded on {above.min():.1%} to {above.max():.1%} "
          f"of the open intervals (median over pairs {np.median(above):.1%}; {int((above <= 0.12).sum())}"
          f" of {n} pairs at most 12 %); the actual was under the 10 % quantile on "
          f"{below.min():.1%} to {below.max():.1%} (median {np.median(below):.1%}; "
          f"{int((below <= 0.12).sum())} of {n} at most 12 %). Calibrated as counts (strict "
          f"share at most 10 %, share with equality at least 10 %): the 90 % quantile on "
          f"{tally['q90_ok']} of {n} pairs, the 10 % quantile on {tally['q10_ok']} of {n}. "
          f"About 10 % (within the 95 % margin of sampling noise): the 90 % quantile on "
          f"{tally['q90_about']} of {n}, the 10 % quantile on {tally['q10_about']} of {n}.")
    if held["pairs"]:
        k = held["pairs"]
        print()
        print(f"Held out (us-bank), calibrated as counts: the 90 % quantile on {held['q90_ok']} "
              f"of {k} pairs, the 10 % quantile on {held['q10_ok']} of {k}; about 10 %: the "
              f"90 % quantile on {held['q90_about']} of {k}, the 10 % on {held['q10_about']} "
              f"of {k}.")
    if failing:
        print()
        print("Where the point forecast misses the bar: each forecast's gain over the seasonal "
              "naive (1 - wMAPE / naive wMAPE), and the best of them (is 20 % reachable by "
              "anything in this run?).")
        print()
        print("| pair | naive | roadie point | roadie mean | mean k | median k | statsforecast "
              "| best | best gain |")
        print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
        for name, naive, others in failing:
            gains = {k: 1 - v / naive for k, v in others.items()}
            best = max(gains, key=gains.get)
            peer_gain = next((v for k, v in gains.items() if k.startswith("statsforecast")),
                             None)
            cells = [gains["roadie point"], gains["roadie mean"], gains["mean k"],
                     gains["median k"]]
            print(f"| {name} | {naive:.3f} | " + " | ".join(f"{g:+.1%}" for g in cells)
                  + f" | {'-' if peer_gain is None else f'{peer_gain:+.1%}'} | {best} "
                  f"| {gains[best]:+.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
