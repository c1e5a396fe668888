"""Planning benchmark: roadie against pyworkforce (staffing, slots) and statsforecast (forecast).

Run through ``bench/run planning`` (it prepares .bench-venv with the peers). Prints a Markdown
report; figures go to docs/benchmarks.md ("Planning"). Options: ``--quick`` (smaller samples),
``--skip erlang_c,erlang_a,slots``. The forecast back-test is bench/bench_forecast.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from roadie.engine.birth_death import mmn_m
from roadie.engine.forecast import DayMatrix
from roadie.engine.planning import SlotRules, plan_slots
from roadie.engine.queueing import Targets, staff

ROOT = Path(__file__).resolve().parents[1]
PY312 = ROOT / ".bench-venv" / "py312" / "bin" / "python"

SL, T, AHT, MINUTES = 0.8, 20.0, 180.0, 30


def median_time(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --- exact references ------------------------------------------------------------------------


def erlang_c_sl_exact(n: int, load: float) -> float:
    """P(wait <= T) by the stable Erlang B recursion in plain floats (independent of roadie)."""
    if n <= load:
        return 0.0
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    c = n * b / (n - load * (1 - b))
    return 1.0 - c * math.exp(-(n - load) * T / AHT)


def minimal_c(n: int, load: float) -> bool:
    return erlang_c_sl_exact(n, load) >= SL and (n <= 1 or erlang_c_sl_exact(n - 1, load) < SL)


# --- Erlang C ------------------------------------------------------------------------------------


def bench_erlang_c(report: list[str], *, sample: int | None) -> None:
    from pyworkforce.queuing import ErlangC

    rng = np.random.default_rng(20260101)
    loads = np.exp(rng.uniform(math.log(0.1), math.log(20_000), 20_000))
    calls = loads * MINUTES * 60 / AHT
    targets = Targets(service_level=SL, answer_seconds=T)
    run = lambda: staff(calls=calls, interval_minutes=MINUTES, aht_seconds=AHT,  # noqa: E731
                        targets=targets)
    roadie_s = median_time(run)
    ours = run().agents
    idx = np.arange(loads.size) if sample is None else rng.choice(loads.size, size=sample,
                                                                   replace=False)
    peer_times, peer_agents, errors = [], {}, {}
    started = time.perf_counter()
    for i in idx:
        t0 = time.perf_counter()
        try:
            res = ErlangC(transactions=float(calls[i]), aht=AHT / 60, asa=T / 60,
                          interval=MINUTES).required_positions(service_level=SL)
            peer_agents[int(i)] = int(res["raw_positions"])
        except Exception as exc:  # noqa: BLE001
            errors[int(i)] = f"{type(exc).__name__}"
        peer_times.append(time.perf_counter() - t0)
    peer_total = time.perf_counter() - started
    try:
        ErlangC(transactions=0.0, aht=AHT / 60, asa=T / 60, interval=MINUTES)
        zero = "answers"
    except ValueError as exc:
        zero = f"refuses ({exc})"
    zero_ours = int(staff(calls=0.0, interval_minutes=MINUTES, aht_seconds=AHT,
                          targets=targets).agents)
    same = sum(1 for i, a in peer_agents.items() if a == ours[i])
    peer_wrong = [i for i, a in peer_agents.items() if not minimal_c(a, float(loads[i]))]
    ours_wrong = [int(i) for i in idx if not minimal_c(int(ours[i]), float(loads[i]))]
    scope = (f"all {idx.size:,} intervals, one call each, timed end to end" if sample is None
             else f"a random sample of {idx.size:,} of the intervals (--quick; NOT the 20,000)")
    report += [
        "### Erlang C staffing (80 % in 20 s, AHT 180 s, 30-minute intervals)",
        "",
        "- 20,000 intervals, loads log-uniform 0.1-20,000 Erlangs (seeded).",
        f"- roadie `staff()` on all 20,000 at once: median of 5 runs **{roadie_s * 1000:.1f} ms** "
        f"({roadie_s / loads.size * 1e6:.2f} µs per interval).",
        f"- pyworkforce 0.5.1 `ErlangC.required_positions` on {scope}: "
        f"**{peer_total:.1f} s** (per interval: mean {np.mean(peer_times) * 1000:.2f} ms, "
        f"median {np.median(peer_times) * 1000:.3f} ms, max {np.max(peer_times) * 1000:.0f} ms).",
        (f"- ratio (pyworkforce total / roadie total, the same 20,000 intervals): "
         f"**{peer_total / roadie_s:,.0f}x**." if sample is None else
         "- ratio: not given for a sample."),
        f"- agent counts: {same:,} identical, {len(peer_agents) - same} different, "
        f"{len(errors)} pyworkforce errors ({', '.join(sorted(set(errors.values()))) or 'none'}).",
        f"- checked against the exact recursion (minimal n with SL >= 80 %): roadie wrong on "
        f"{len(ours_wrong)}, pyworkforce wrong on {len(peer_wrong)}"
        + (f" (e.g. load {loads[peer_wrong[0]]:.2f} E: pyworkforce {peer_agents[peer_wrong[0]]},"
           f" roadie {ours[peer_wrong[0]]})" if peer_wrong else "") + ".",
        f"- an interval with no calls: pyworkforce {zero}; roadie answers {zero_ours} agents.",
        "",
    ]


# --- Erlang A ------------------------------------------------------------------------------------


def bench_erlang_a(report: list[str], *, sample: int, budget: float) -> None:
    patience = 120.0
    rng = np.random.default_rng(7)
    loads = np.exp(rng.uniform(math.log(0.1), math.log(20_000), 20_000))
    calls = loads * MINUTES * 60 / AHT
    targets = Targets(service_level=SL, answer_seconds=T)
    run = lambda: staff(calls=calls, interval_minutes=MINUTES, aht_seconds=AHT,  # noqa: E731
                        targets=targets, patience_seconds=patience)
    roadie_s = median_time(run, repeats=3)
    small = np.sort(np.exp(rng.uniform(math.log(0.5), math.log(60), sample)))
    small_calls = small * MINUTES * 60 / AHT
    ours = staff(calls=small_calls, interval_minutes=MINUTES, aht_seconds=AHT, targets=targets,
                 patience_seconds=patience).agents
    lines = [
        "### Erlang A staffing (M/M/n+M, patience 120 s, 80 % in 20 s over all arrivals)",
        "",
        f"- roadie alone (no peer timing to compare: pyworkforce is not run on these): "
        f"`staff(patience_seconds=120)` on 20,000 intervals (0.1-20,000 E), median of 3 runs "
        f"{roadie_s:.3f} s ({roadie_s / loads.size * 1e6:.1f} µs per interval).",
    ]

    def exact_ok(n: int, load: float) -> bool:
        def sl(k: int) -> float:
            if k <= 0:
                return 0.0
            return mmn_m(agents=k, load=load, aht_seconds=AHT, patience_seconds=patience,
                         answer_seconds=T).service_level_offered
        return sl(n) >= SL - 1e-12 and sl(n - 1) < SL

    ours_ok = sum(exact_ok(int(n), float(a)) for n, a in zip(ours, small, strict=True))
    lines.append(f"- exact birth-death check on {sample} intervals (0.5-60 E): roadie minimal and "
                 f"meeting the target on {ours_ok}/{sample}.")
    if not PY312.exists():
        lines.append("- pyworkforce ErlangA not run: it needs pyworkforce >= 0.5.2 on Python 3.12 "
                     "(bench/run makes .bench-venv/py312 when python3.12 is available).")
        report += lines + [""]
        return
    job = {"budget_seconds": budget, "intervals": [
        {"calls": float(c), "aht_seconds": AHT, "answer_seconds": T,
         "interval_minutes": MINUTES, "patience_seconds": patience, "service_level": SL}
        for c in small_calls]}
    proc = subprocess.run([str(PY312), str(ROOT / "bench" / "peer_erlang_a.py")],
                          input=json.dumps(job), capture_output=True, text=True, check=True)
    peer = json.loads(proc.stdout)
    version = subprocess.run([str(PY312), "-c", "import pyworkforce; print(pyworkforce.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    done = len(peer)
    peer_s = [p["seconds"] for p in peer]
    ours_one = []
    for c in small_calls[:done]:
        ours_one.append(median_time(lambda c=c: staff(
            calls=c, interval_minutes=MINUTES, aht_seconds=AHT, targets=targets,
            patience_seconds=patience), repeats=3))
    batch = median_time(lambda: staff(calls=small_calls[:done], interval_minutes=MINUTES,
                                      aht_seconds=AHT, targets=targets,
                                      patience_seconds=patience), repeats=5)
    same = sum(1 for p, o in zip(peer, ours, strict=False) if p["agents"] == o)
    peer_ok = sum(1 for p, a in zip(peer, small, strict=False)
                  if p["agents"] is not None and exact_ok(p["agents"], float(a)))
    lines += [
        f"- pyworkforce {version} `ErlangA.required_positions` (Python 3.12) on the first "
        f"{done} of those intervals (budget {budget:.0f} s): mean {np.mean(peer_s):.3f} s, "
        f"median {np.median(peer_s):.3f} s, max {np.max(peer_s):.2f} s per interval.",
        f"- roadie on the same {done} intervals: one call each, total "
        f"{np.sum(ours_one) * 1000:.1f} ms (median {np.median(ours_one) * 1000:.2f} ms per "
        f"interval); the {done} in one vectorised call: {batch * 1000:.2f} ms "
        f"({batch / done * 1e6:.0f} µs per interval), median of 5.",
        f"- ratio on the same {done} intervals (pyworkforce total "
        f"{np.sum(peer_s):.2f} s): one by one **{np.sum(peer_s) / np.sum(ours_one):,.0f}x**, "
        f"batch **{np.sum(peer_s) / batch:,.0f}x**.",
        f"- agent counts: {same}/{done} identical; exact check: pyworkforce minimal and meeting "
        f"the target on {peer_ok}/{done}.",
    ]
    report += lines + [""]


# --- slots ---------------------------------------------------------------------------------------


def four_weeks_requirement() -> DayMatrix:
    rng = np.random.default_rng(11)
    per = 96
    centre = (np.arange(per) + 0.5) / 4
    shape = 14 * np.exp(-0.5 * ((centre - 10.5) / 1.8) ** 2) + 11 * np.exp(
        -0.5 * ((centre - 17.5) / 2.2) ** 2) + 2.0
    week = np.array([1.2, 1.05, 1.0, 1.0, 0.95, 0.7, 0.45])
    values = np.zeros((29, per))
    start = dt.date(2026, 3, 2)
    for d in range(28):
        wd = (start + dt.timedelta(days=d)).weekday()
        day = shape * week[wd] * rng.uniform(0.9, 1.1) * rng.uniform(0.85, 1.15, per)
        values[d, 28:] = np.ceil(day[28:])  # 07:00-24:00
        values[d + 1, :4] = 1.0  # 00:00-01:00: one roadie
    values[0, :4] = 0
    return DayMatrix(start, 15, values[:28])


def bench_slots(report: list[str], *, time_limit: float) -> None:
    from pyworkforce.scheduling import MinRequiredResources

    req = four_weeks_requirement()
    # pyworkforce: the same requirement on the 72 quarter hours 07:00-01:00 of each day
    window = np.zeros((28, 72))
    for d in range(28):
        window[d, :68] = req.values[d, 28:]
        if d + 1 < 28:
            window[d, 68:] = req.values[d + 1, :4]
    shifts = {}
    for hours in (4, 5, 6, 7, 8):
        for s in range(0, 72 - hours * 4 + 1):
            cover = [0] * 72
            for p in range(s, s + hours * 4):
                cover[p] = 1
            shifts[f"{7 + s // 4:02d}:{s % 4 * 15:02d}+{hours}h"] = cover
    cost = {name: sum(cover) for name, cover in shifts.items()}  # quarter hours paid
    peer = MinRequiredResources(
        num_days=28, periods=72, shifts_coverage=shifts,
        required_resources=window.astype(int).tolist(), max_period_concurrency=1000,
        max_shift_concurrency=200, cost_dict=cost, max_search_time=time_limit,
        num_search_workers=2,
    )
    t0 = time.perf_counter()
    solution = peer.solve()
    peer_s = time.perf_counter() - t0
    peer_hours = sum(r["resources"] * cost[r["shift"]] for r in solution["resources_shifts"]
                     if r["resources"] > 0) / 4
    need_hours = window.sum() / 4
    # cost = paid hours for both (no night or Sunday premium), full coverage first
    plain = dict(sunday_open=True, night_premium=0.0, sunday_premium=0.0)
    same = SlotRules(start_step_minutes=15, length_step_minutes=60, min_minutes=240,
                     max_minutes=480, split_days=False, **plain)
    rich = SlotRules(start_step_minutes=15, length_step_minutes=15, **plain)
    rows = []
    for label, rules in (("same templates", same), ("richer templates", rich)):
        t0 = time.perf_counter()
        plan = plan_slots(req, rules=rules, time_limit_seconds=time_limit)
        rows.append((label, rules, plan, time.perf_counter() - t0))
    report += [
        "### Slots for four weeks of quarter hours (07:00-01:00, 2,016 intervals)",
        "",
        f"- requirement: {need_hours:,.0f} roadie-hours (two daily peaks, weekly pattern, "
        "noise; at least one roadie until 01:00). Cost = paid hours for both solvers (no "
        f"night or Sunday premium); every interval must be covered; time limit "
        f"{time_limit:.0f} s each.",
        f"- pyworkforce 0.5.1 `MinRequiredResources` (OR-Tools CP-SAT, 2 workers), "
        f"{len(shifts)} shift types a day (4, 5, 6, 7 or 8 h starting on any quarter hour): "
        f"**{peer_s:.2f} s**, **{peer_hours:,.2f} paid hours** "
        f"({peer_hours / need_hours - 1:+.2%}), status {solution['status']}.",
    ]
    for label, rules, plan, seconds in rows:
        covered = plan.under[:, 28:].sum() == 0
        what = ("the same shift types: 4-8 h in whole hours on quarter hours, no split days"
                if label == "same templates" else
                "2-8 h in quarter-hour steps on quarter hours, and split days")
        report.append(
            f"- roadie `plan_slots` ({label}, {len(roadie_templates(rules))} templates a day: "
            f"{what}), HiGHS: **{seconds:.2f} s**, **{plan.paid_hours:,.2f} paid hours** "
            f"({plan.paid_hours / need_hours - 1:+.2%}), full coverage: {covered}, gap "
            f"{plan.gap:.2e}, {plan.status}; against pyworkforce: {peer_s / seconds:.1f}x the "
            f"speed, {peer_hours - plan.paid_hours:,.2f} fewer paid hours.")
    report.append("")


def roadie_templates(rules: SlotRules):
    from roadie.engine.planning import slot_templates

    return slot_templates(rules)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip", default="")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    report = ["## Planning", "", f"Machine: {machine()}. Command: `bench/run planning`.", ""]
    if "erlang_c" not in skip:
        bench_erlang_c(report, sample=200 if args.quick else None)
    if "erlang_a" not in skip:
        bench_erlang_a(report, sample=8 if args.quick else 24,
                       budget=30.0 if args.quick else 240.0)
    if "slots" not in skip:
        bench_slots(report, time_limit=60.0)
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
