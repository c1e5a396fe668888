"""Forecast back-test: roadie's default against the seasonal naive, the simple baselines and
statsforecast, on every series of bench/forecast_data.py, at 15 and 30 minutes.

Run through ``bench/run forecast`` (statsforecast lives in .bench-venv only). Every model sees
the same training window before each origin (the last ``--history-weeks`` weeks) and the same
Israeli public holidays and closed days: roadie and the baselines through roadie's own
treatment, statsforecast through ``forecast_with`` (the history it is given has the holidays
replaced by the mean of the last four regular same weekdays, and its forecast goes through
the same holiday factor and closings as roadie's). Nothing is tuned on the test folds:
roadie's default and the baselines choose their settings inside each training window.

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

from roadie.engine.forecast import (  # noqa: E402
    DayMatrix,
    ForecastConfig,
    backtest,
    baseline,
    forecast_with,
)


def statsforecast_mstl(config: ForecastConfig):
    """statsforecast's model for intraday series with a daily and a weekly season: MSTL
    (seasons of one day and one week) with an AutoETS trend, on the interval counts."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    def run(train: DayMatrix, horizon: int) -> np.ndarray:
        slots = train.values.shape[1]

        def base(clean, weekdays, regular, future_weekdays):
            y = clean.ravel()
            ds = pd.date_range("2000-01-03", periods=y.size, freq=f"{train.interval_minutes}min")
            frame = pd.DataFrame({"unique_id": "s", "ds": ds, "y": y})
            model = MSTL(season_length=[slots, 7 * slots],
                         trend_forecaster=AutoETS(model="ZZN"))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = StatsForecast(models=[model], freq=f"{train.interval_minutes}min",
                                    n_jobs=1).forecast(df=frame, h=horizon * slots)
            return np.maximum(out["MSTL"].to_numpy(), 0.0)

        return forecast_with(train, horizon_days=horizon, config=config, base=base).values

    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--intervals", default="30,15")
    parser.add_argument("--history-weeks", type=int, default=16)
    args = parser.parse_args()
    weeks = args.history_weeks
    peer_name = "statsforecast MSTL"
    if not args.no_peer:
        import statsforecast

        peer_name = f"statsforecast {statsforecast.__version__} MSTL(day, week) + AutoETS trend"
    print("### Forecast back-test (bench/bench_forecast.py)")
    print()
    print(f"Every model sees the last {weeks} weeks before each origin, Israeli holidays; 7-day "
          "horizon; yearly series: origins a week apart, February series (28 days): origins a "
          "day apart from day 14. wMAPE = sum|error| / sum(actual) over the test folds. "
          "`bar`: roadie's mean forecast at least 20 % better than the seasonal naive and no "
          "worse than the better baseline. `>q90` / `<q10`: share of open intervals whose "
          "actual lay above roadie's 90 % / below its 10 % quantile (10 % each if calibrated).")
    for interval in (int(x) for x in args.intervals.split(",")):
        config = ForecastConfig(interval_minutes=interval, country="IL")
        print()
        print(f"#### {interval}-minute intervals")
        print()
        print("| series | volume | folds | roadie | roadie q50 | seasonal naive | roadie vs naive "
              "| mean k (in-sample) | median k (in-sample) | " + peer_name + " | bar | >q90 | <q10 "
              "| roadie s | peer s |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
        data = forecast_data.load(interval, quick=args.quick)
        for s in data:
            kw = dict(horizon_days=7, folds=s.folds, step_days=s.step_days, config=config,
                      series=s.name, history_days=7 * weeks)
            t0 = time.perf_counter()
            r = backtest(s.history, **kw)
            roadie_s = time.perf_counter() - t0
            mean_b = backtest(s.history, **kw, method=baseline("mean", config))
            median_b = backtest(s.history, **kw, method=baseline("median", config))
            peer = "-"
            peer_s = "-"
            if not args.no_peer:
                t0 = time.perf_counter()
                p = backtest(s.history, **kw, method=statsforecast_mstl(config))
                peer_s = f"{time.perf_counter() - t0:.1f}"
                peer = f"{p.wmape:.3f}"
            best = min(mean_b.wmape, median_b.wmape)
            ok = r.wmape <= 0.8 * r.naive_wmape and r.wmape <= best
            print(f"| {s.name} | {s.note} | {s.folds} | **{r.wmape:.3f}** | {r.median_wmape:.3f} "
                  f"| {r.naive_wmape:.3f} | {1 - r.wmape / r.naive_wmape:+.1%} "
                  f"| {mean_b.wmape:.3f} | {median_b.wmape:.3f} | {peer} "
                  f"| {'met' if ok else 'NOT met'} | {r.above_q90:.1%} | {r.below_q10:.1%} "
                  f"| {roadie_s:.1f} | {peer_s} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
