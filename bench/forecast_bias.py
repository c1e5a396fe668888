"""A diagnostic, not the back-test: on the sparse February series (IN, TT), is statsforecast's
lower wMAPE a better forecast or a lower one?

On the same folds as bench/bench_forecast.py (8 origins a day apart from day 14, 7-day
horizon, 16 weeks of history at most, Israeli holidays), each of roadie's mean, roadie's point
forecast and statsforecast's model (chosen in-sample as in the back-test) is scored as it is,
and again **rescaled so that its total over the test folds equals the actual total** (an oracle
rescaling that reads the test folds: it removes each forecast's overall bias and nothing else,
so that what is left compares the shapes of the forecasts). If statsforecast's advantage goes
when every forecast is unbiased, it was the bias.

Run: ``.bench-venv/bin/python bench/forecast_bias.py`` (statsforecast lives in .bench-venv).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast_data  # noqa: E402
from bench_forecast import StatsforecastSearch  # noqa: E402

from roadie.engine.forecast import ForecastConfig, forecast_distribution  # noqa: E402

SERIES = ("feb-IN", "feb-IN-weekdays", "feb-TT")
HISTORY_DAYS = 16 * 7


def main() -> int:
    print("### Sparse series: wMAPE as forecast and with each forecast's bias removed "
          "(bench/forecast_bias.py, a diagnostic)")
    print()
    print("`as is`: wMAPE over the test folds; `total/actual`: the forecast's total over the "
          "actual total; `unbiased`: wMAPE of the same forecast times actual total / its "
          "total (an oracle rescaling from the test folds, to compare shapes, not a method).")
    print()
    print("| pair | forecast | as is | total/actual | unbiased |")
    print("|---|---|---:|---:|---:|")
    for interval in (30, 15):
        config = ForecastConfig(interval_minutes=interval, country="IL")
        search = StatsforecastSearch(config)
        for s in forecast_data.load(interval):
            if s.name not in SERIES:
                continue
            n = s.history.days
            first = n - 7 - (s.folds - 1) * s.step_days
            preds: dict[str, list[np.ndarray]] = {"roadie mean": [], "roadie point": [],
                                                  "statsforecast": []}
            actuals = []
            peer = search.method(s.name)
            t0 = time.perf_counter()
            for f in range(s.folds):
                origin = first + f * s.step_days
                train = s.history.slice(max(0, origin - HISTORY_DAYS), origin)
                result = forecast_distribution(train, horizon_days=7, config=config,
                                               series=s.name)
                preds["roadie mean"].append(result.mean.values)
                preds["roadie point"].append(result.point.values)
                preds["statsforecast"].append(
                    np.asarray(peer(train, 7), dtype=float).reshape(result.mean.values.shape))
                actuals.append(s.history.values[origin: origin + 7])
            actual = np.concatenate(actuals)
            total = float(actual.sum())
            for name, parts in preds.items():
                pred = np.concatenate(parts)
                label = name if name != "statsforecast" else \
                    f"statsforecast {search.choice.get(s.name, '-')}"
                ratio = float(pred.sum()) / total
                as_is = float(np.abs(pred - actual).sum()) / total
                fair = float(np.abs(pred / ratio - actual).sum()) / total
                print(f"| {s.name} @{interval} | {label} | {as_is:.3f} | {ratio:.2f} "
                      f"| {fair:.3f} |", flush=True)
            print(f"<!-- {s.name} @{interval}: {time.perf_counter() - t0:.1f} s -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
