"""Why the quantiles miss: a diagnostic of the default method's calibration, not a method.

On exactly the back-test's series and folds (bench/forecast_data.py; the origins, 7-day horizon
and 16 weeks of history of bench/bench_forecast.py; each series' public holidays and closed
days through roadie's own treatment), per series x interval pair, pooled over its test folds.
Each fold's forecast is ``forecast_distribution`` on the fold's training window, as
``backtest`` makes it; the model's calibration errors are read through
``forecast_auto.calibration_data`` (the same model as ``fit_auto``'s: the script wraps
``fit_auto`` to keep them, and checks that its test-fold shares equal ``backtest``'s).

Definitions (written before the run):

- **Open interval**: forecast mean > 0 on a day with data, as ``backtest`` counts them.
  ``>q90`` / ``>=q90``: share of the open intervals whose actual count lay strictly above /
  at or above the 90 % quantile; ``<q10`` / ``<=q10`` the same below the 10 % quantile.
  Counts, not weighted.
- **Horizon day**: 1 to 7, calendar days after the fold's origin (day 1: the first day
  forecast).
- **Kind of test day** (the first that applies): ``recent change``: the window's latest level
  change acted on (``AutoModel.breaks``) began at most 14 days before the test day (so the
  window holds at most a week of the new level before the fold); ``holiday/closure itself``:
  the day is a public holiday of the series' country or an unusual closure (a closed day on a
  weekday open on most days of the history; a weekly closed day such as the weekend of an
  export is not one); ``next to holiday/closure``: the day before or after one; ``older
  change``: the window had a change acted on, earlier than that; ``regular``: none of these.
- **Calibration errors**: the errors the model's quantiles were calibrated on
  (``CalibrationBlock``: the chosen mean's forecast of the regular days at the inner origins
  with at least half the window before them, source ``inner``, and, on windows under 13 weeks
  (inner origins closer than a week; sixth revision), at every origin after the latest inner
  one, source ``late``; on the re-levelled window). Their horizon day is the
  calendar day after their origin.
- **Honest shares on the calibration errors** (leave-one-origin-out): each block's intervals
  are compared with the 10 % and 90 % quantiles of the model recalibrated
  (``forecast_auto.recalibrated``) on every other block of the same window (the same kappa
  estimate, bands and level correction; the model's ``level_var`` kept, as the test quantiles
  have it). A block with no other block to calibrate on is left out (counted). The late
  origins' days overlap each other's and the inner ones', so leaving one origin out does not
  make the others independent of it: these shares lean towards calibrated.
- **Width and errors**: per open interval, (q90 - q10) / mean and |actual - mean| / mean; the
  median over a pair's intervals (test folds, and calibration errors). ``test / calib``: the
  test folds' median |error| / mean over the calibration errors' one at the same horizon day
  (above 1: the test errors are larger than those the quantiles were calibrated on).
- **Re-levelling leak** (windows with a change acted on): the blocks split by whether their
  origin lies before the window's latest change (``before``: their training days and some of
  their forecast days were re-levelled with a level measured after them) or at or after it
  (``after``); per source, their number of intervals, honest ``>q90`` and median |error| /
  mean, beside the test folds of the same windows.

Run: ``bench/run calibration`` (or ``.bench-venv/bin/python bench/forecast_calibration.py``;
roadie and scipy only). Options: ``--intervals 30``, ``--series feb-PS,us-bank``, ``--quick``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast_data  # noqa: E402

import roadie.engine.forecast_auto as forecast_auto  # noqa: E402
from roadie.engine.forecast import DayMatrix, ForecastConfig, forecast_distribution  # noqa: E402
from roadie.engine.forecast_backtest import backtest  # noqa: E402

HORIZON = forecast_data.HORIZON_DAYS  # 7
HISTORY_DAYS = 7 * forecast_data.HISTORY_WEEKS  # 112
RECENT_DAYS = 14
KINDS = ("regular", "next to holiday/closure", "holiday/closure itself", "older change",
         "recent change")
SOURCES = ("inner", "late")


@dataclass
class Rows:
    """Per open interval: horizon day, a label, actual, mean, 10 % and 90 % quantiles."""

    day: list = field(default_factory=list)
    label: list = field(default_factory=list)
    y: list = field(default_factory=list)
    mu: list = field(default_factory=list)
    q10: list = field(default_factory=list)
    q90: list = field(default_factory=list)

    def add(self, day, label, y, mu, q10, q90) -> None:
        for name, v in zip(("day", "label", "y", "mu", "q10", "q90"),
                           (day, label, y, mu, q10, q90), strict=True):
            getattr(self, name).append(np.asarray(v).ravel())

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in vars(self).items()}


def shares(a: dict[str, np.ndarray], sel: np.ndarray) -> dict[str, float]:
    n = int(sel.sum())
    if not n:
        return {"n": 0}
    y, mu, q10, q90 = (a[k][sel] for k in ("y", "mu", "q10", "q90"))
    return {"n": n, ">q90": float(np.mean(y > q90)), ">=q90": float(np.mean(y >= q90)),
            "<q10": float(np.mean(y < q10)), "<=q10": float(np.mean(y <= q10)),
            "width": float(np.median((q90 - q10) / mu)),
            "error": float(np.median(np.abs(y - mu) / mu))}


def pct(s: dict, key: str) -> str:
    return f"{s[key]:.1%}" if s.get("n") else "-"


def num(s: dict, key: str) -> str:
    return f"{s[key]:.3f}" if s.get("n") else "-"


def unusual_closures(history: DayMatrix) -> np.ndarray:
    """Closed days on a weekday that is open on most days of the history."""
    closed = history.closed_mask
    weekdays = np.array([d.weekday() for d in history.dates])
    usually_open = np.array([closed[weekdays == w].mean() < 0.5 if (weekdays == w).any()
                             else False for w in range(7)])
    return closed & usually_open[weekdays]


class Capture:
    """``fit_auto`` wrapped: the same model, and its calibration errors kept."""

    def __init__(self):
        self.last = None
        self.original = forecast_auto.fit_auto

    def __call__(self, values, weekdays, regular):
        model, blocks = forecast_auto.calibration_data(values, weekdays, regular)
        self.last = (model, blocks)
        return model


def calibration_rows(model, blocks, rows: Rows, leak: Rows | None) -> int:
    """Honest (leave-one-origin-out) quantiles of each block's intervals; returns how many
    blocks had no other block to calibrate on."""
    left_out = 0
    last_break = model.breaks[-1] if model.breaks else None
    for j, block in enumerate(blocks):
        others = [b for i, b in enumerate(blocks) if i != j and (b.mean > 0).any()]
        if not others:
            left_out += 1
            continue
        inner = forecast_auto.recalibrated(model, others)
        q10, q90 = inner.quantile(block.mean, 0.1), inner.quantile(block.mean, 0.9)
        open_ = block.mean > 0
        day = np.broadcast_to((block.days - block.origin + 1)[:, None], block.mean.shape)
        label = np.full(block.mean.shape, block.source)
        rows.add(day[open_], label[open_], block.actual[open_], block.mean[open_], q10[open_],
                 q90[open_])
        if leak is not None and last_break is not None:
            side = "before" if block.origin < last_break else "after"
            leak.add(day[open_], np.full(int(open_.sum()), f"{block.source} {side}"),
                     block.actual[open_], block.mean[open_], q10[open_], q90[open_])
    return left_out


def pair(s: forecast_data.Series, interval: int, capture: Capture) -> dict:
    config = ForecastConfig(interval_minutes=interval, country=s.country)
    history = s.history
    n = history.days
    first_origin = n - HORIZON - (s.folds - 1) * s.step_days
    missing = history.missing_mask
    dates = history.dates
    table = holidays.country_holidays(s.country, years=range(dates[0].year, dates[-1].year + 2))
    holiday = np.array([d in table for d in dates])
    special = holiday | unusual_closures(history)
    test, calib, leak, leak_test = Rows(), Rows(), Rows(), Rows()
    counts = {"above": 0, "at_above": 0, "below": 0, "at_below": 0, "opened": 0}
    left_out = breaks = 0
    for f in range(s.folds):
        origin = first_origin + f * s.step_days
        start = max(0, origin - HISTORY_DAYS)
        train = history.slice(start, origin)
        capture.last = None
        result = forecast_distribution(train, horizon_days=HORIZON, config=config,
                                       series=s.name)
        model, blocks = capture.last
        mean = result.mean.values
        q10, q90 = result.quantiles[0.1].values, result.quantiles[0.9].values
        actual = history.values[origin: origin + HORIZON]
        known = ~missing[origin: origin + HORIZON]
        open_ = (mean > 0) & known[:, None]
        counts["opened"] += int(open_.sum())
        counts["above"] += int((actual > q90)[open_].sum())
        counts["at_above"] += int((actual >= q90)[open_].sum())
        counts["below"] += int((actual < q10)[open_].sum())
        counts["at_below"] += int((actual <= q10)[open_].sum())
        last_break = start + model.breaks[-1] if model.breaks else None
        breaks += last_break is not None
        for i in range(HORIZON):
            d = origin + i
            if last_break is not None and d - last_break <= RECENT_DAYS:
                kind = "recent change"
            elif special[d]:
                kind = "holiday/closure itself"
            elif special[max(d - 1, 0)] or (d + 1 < n and special[d + 1]):
                kind = "next to holiday/closure"
            elif last_break is not None:
                kind = "older change"
            else:
                kind = "regular"
            o = open_[i]
            k = int(o.sum())
            test.add(np.full(k, i + 1), np.full(k, kind), actual[i][o], mean[i][o], q10[i][o],
                     q90[i][o])
            if last_break is not None:
                leak_test.add(np.full(k, i + 1), np.full(k, "test"), actual[i][o], mean[i][o],
                              q10[i][o], q90[i][o])
        left_out += calibration_rows(model, blocks, calib, leak)
    return {"test": test.arrays(), "calib": calib.arrays(), "leak": leak.arrays(),
            "leak_test": leak_test.arrays(), "counts": counts, "left_out": left_out,
            "breaks": breaks, "config": config}


def check(s: forecast_data.Series, interval: int, out: dict) -> bool:
    """Whether the test folds' shares equal ``backtest``'s on the same folds."""
    r = backtest(s.history, horizon_days=HORIZON, folds=s.folds, step_days=s.step_days,
                 config=out["config"], series=s.name, history_days=HISTORY_DAYS)
    c = out["counts"]
    mine = [c[k] / c["opened"] for k in ("above", "at_above", "below", "at_below")]
    theirs = [r.above_q90, r.at_or_above_q90, r.below_q10, r.at_or_below_q10]
    return all(abs(a - b) < 1e-12 for a, b in zip(mine, theirs, strict=True))


def detail(label: str, out: dict) -> None:
    t, c = out["test"], out["calib"]
    print(f"##### {label}")
    print()
    print(f"Folds whose window had a change acted on: {out['breaks']}; calibration blocks left "
          f"out (no other block): {out['left_out']}.")
    print()
    print("| horizon day | test n | test >q90 | >=q90 | <q10 | <=q10 | test width | test "
          "error | calib n | calib >q90 | >=q90 | <q10 | <=q10 | calib error | test / calib |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for day in (*range(1, HORIZON + 1), None):
        ts = shares(t, t["day"] == day if day else np.ones(t["y"].size, bool))
        cs = shares(c, c["day"] == day if day else np.ones(c["y"].size, bool))
        ratio = (f"{ts['error'] / cs['error']:.2f}" if ts.get("n") and cs.get("n")
                 and cs["error"] > 0 else "-")
        print(f"| {day or 'all'} | {ts['n']} | {pct(ts, '>q90')} | {pct(ts, '>=q90')} "
              f"| {pct(ts, '<q10')} | {pct(ts, '<=q10')} | {num(ts, 'width')} "
              f"| {num(ts, 'error')} | {cs['n']} | {pct(cs, '>q90')} | {pct(cs, '>=q90')} "
              f"| {pct(cs, '<q10')} | {pct(cs, '<=q10')} | {num(cs, 'error')} | {ratio} |")
    print()
    print("| test day kind / calibration source | n | >q90 | >=q90 | <q10 | <=q10 | width "
          "| error |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        ts = shares(t, t["label"] == kind)
        if ts["n"]:
            print(f"| test: {kind} | {ts['n']} | {pct(ts, '>q90')} | {pct(ts, '>=q90')} "
                  f"| {pct(ts, '<q10')} | {pct(ts, '<=q10')} | {num(ts, 'width')} "
                  f"| {num(ts, 'error')} |")
    for source in SOURCES:
        cs = shares(c, c["label"] == source)
        if cs["n"]:
            print(f"| calibration: {source} | {cs['n']} | {pct(cs, '>q90')} "
                  f"| {pct(cs, '>=q90')} | {pct(cs, '<q10')} | {pct(cs, '<=q10')} "
                  f"| {num(cs, 'width')} | {num(cs, 'error')} |")
    lk, lt = out["leak"], out["leak_test"]
    if lt["y"].size:
        print()
        print("Windows with a change acted on: calibration blocks before / after the latest "
              "change, and those windows' test folds.")
        print()
        print("| blocks | n | >q90 | >=q90 | <q10 | <=q10 | error |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name in ("inner before", "inner after", "late before", "late after"):
            ls = shares(lk, lk["label"] == name)
            if ls["n"]:
                print(f"| {name} | {ls['n']} | {pct(ls, '>q90')} | {pct(ls, '>=q90')} "
                      f"| {pct(ls, '<q10')} | {pct(ls, '<=q10')} | {num(ls, 'error')} |")
        ts = shares(lt, np.ones(lt["y"].size, bool))
        print(f"| test folds | {ts['n']} | {pct(ts, '>q90')} | {pct(ts, '>=q90')} "
              f"| {pct(ts, '<q10')} | {pct(ts, '<=q10')} | {num(ts, 'error')} |")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", default="30,15")
    parser.add_argument("--series", default="")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    wanted = {x for x in args.series.split(",") if x}
    capture = Capture()
    forecast_auto.fit_auto = capture
    print("### Why the quantiles miss: a diagnostic (bench/forecast_calibration.py)")
    print()
    print("Definitions: the script's docstring and docs/benchmarks.md. Shares are over open "
          "intervals (counts); `width` = median (q90 - q10) / mean, `error` = median |actual - "
          "mean| / mean; calibration shares are honest (leave-one-origin-out).")
    print()
    summary = []
    t0 = time.perf_counter()
    for interval in (int(x) for x in args.intervals.split(",")):
        for s in forecast_data.load(interval, quick=args.quick):
            if wanted and s.name not in wanted:
                continue
            label = f"{s.name} @{interval}" + (" (held out)" if s.held_out else "")
            out = pair(s, interval, capture)
            forecast_auto.fit_auto = capture.original
            same = check(s, interval, out)
            forecast_auto.fit_auto = capture
            out["same"] = same
            detail(label, out)
            summary.append((label, out))
            print(f"({label}: {time.perf_counter() - t0:.0f} s so far)", flush=True)
            print()
    print_summary(summary)
    return 0


def print_summary(summary: list) -> None:
    print("#### Summary, per pair")
    print()
    print("`= back-test`: the test-fold shares equal `backtest`'s. `calib`: honest shares on "
          "the calibration errors (all sources); `inner`, `late`: by source. `error ratio`: "
          "test folds' median |error| / mean over the calibration errors', all horizon days; "
          "`day 1`, `day 7`: the same at horizon day 1 and 7. `recent change`: test days at "
          "most 14 days after the window's latest change. `leak`: in windows with a change, "
          "the median |error| / mean of inner blocks before the change / after it / the test "
          "folds.")
    print()
    print("| pair | = back-test | test >q90 | test >=q90 | calib >q90 | calib >=q90 "
          "| inner >q90 | late >q90 | test <q10 | calib <q10 | test width | error ratio "
          "| day 1 | day 7 | recent change >q90 (n) | leak: before / after / test |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    pooled = {d: ([], []) for d in range(1, HORIZON + 1)}
    for label, out in summary:
        t, c = out["test"], out["calib"]
        ts, cs = shares(t, np.ones(t["y"].size, bool)), shares(c, np.ones(c["y"].size, bool))
        inner, late = (shares(c, c["label"] == x) for x in SOURCES)

        def ratio(day, t=t, c=c):
            a = shares(t, t["day"] == day)
            b = shares(c, c["day"] == day)
            if not (a.get("n") and b.get("n")) or b["error"] <= 0:
                return None
            return a["error"] / b["error"]

        for d in pooled:
            r = ratio(d)
            if r is not None:
                pooled[d][0].append(r)
        rc = shares(t, t["label"] == "recent change")
        lk, lt = out["leak"], out["leak_test"]
        leak = "-"
        if lt["y"].size:
            parts = [shares(lk, lk["label"] == x) for x in ("inner before", "inner after")]
            parts.append(shares(lt, np.ones(lt["y"].size, bool)))
            leak = " / ".join(num(p, "error") for p in parts)
        whole = ts["error"] / cs["error"] if cs.get("n") and cs["error"] > 0 else None
        r1, r7 = ratio(1), ratio(HORIZON)
        print(f"| {label} | {'yes' if out['same'] else 'NO'} | {pct(ts, '>q90')} "
              f"| {pct(ts, '>=q90')} | {pct(cs, '>q90')} | {pct(cs, '>=q90')} "
              f"| {pct(inner, '>q90')} | {pct(late, '>q90')} | {pct(ts, '<q10')} "
              f"| {pct(cs, '<q10')} | {num(ts, 'width')} "
              f"| {'-' if whole is None else f'{whole:.2f}'} "
              f"| {'-' if r1 is None else f'{r1:.2f}'} | {'-' if r7 is None else f'{r7:.2f}'} "
              f"| {pct(rc, '>q90')} ({rc['n']}) | {leak} |")
    print()
    print("Test / calibration median |error| / mean by horizon day, over the pairs that have "
          "both at that day: median over pairs (min - max).")
    print()
    print("| horizon day | pairs | median ratio | min | max |")
    print("|---|---:|---:|---:|---:|")
    for d, (ratios, _) in pooled.items():
        if ratios:
            r = np.array(ratios)
            print(f"| {d} | {r.size} | {np.median(r):.2f} | {r.min():.2f} | {r.max():.2f} |")
    print()
    print("Pooled over all pairs (counts): the shares by horizon day, test folds against honest "
          "calibration errors.")
    print()
    print("| horizon day | test n | test >q90 | test <q10 | calib n | calib >q90 | calib <q10 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for d in (*range(1, HORIZON + 1), None):
        tot = {"t": [0, 0, 0], "c": [0, 0, 0]}
        for _, out in summary:
            for key, a in (("t", out["test"]), ("c", out["calib"])):
                sel = a["day"] == d if d else np.ones(a["y"].size, bool)
                tot[key][0] += int(sel.sum())
                tot[key][1] += int((a["y"][sel] > a["q90"][sel]).sum())
                tot[key][2] += int((a["y"][sel] < a["q10"][sel]).sum())
        tn, cn = tot["t"][0], tot["c"][0]
        print(f"| {d or 'all'} | {tn} | {tot['t'][1] / tn if tn else 0:.1%} "
              f"| {tot['t'][2] / tn if tn else 0:.1%} | {cn} "
              f"| {tot['c'][1] / cn if cn else 0:.1%} | {tot['c'][2] / cn if cn else 0:.1%} |")
    print()
    print("Test folds by kind of day, pooled over all pairs (counts).")
    print()
    print("| kind | n | >q90 | >=q90 | <q10 | <=q10 |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        n = a90 = e90 = b10 = e10 = 0
        for _, out in summary:
            t = out["test"]
            sel = t["label"] == kind
            n += int(sel.sum())
            a90 += int((t["y"][sel] > t["q90"][sel]).sum())
            e90 += int((t["y"][sel] >= t["q90"][sel]).sum())
            b10 += int((t["y"][sel] < t["q10"][sel]).sum())
            e10 += int((t["y"][sel] <= t["q10"][sel]).sum())
        if n:
            print(f"| {kind} | {n} | {a90 / n:.1%} | {e90 / n:.1%} | {b10 / n:.1%} "
                  f"| {e10 / n:.1%} |")


if __name__ == "__main__":
    sys.exit(main())
