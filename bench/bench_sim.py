"""Simulator speed against SimPy, on the same single-queue model in the same run.

Model (issue 4): 50 agents, load 90 % (0.15 calls/s), exponential handle times of 300 s,
200,000 calls, FCFS, nobody hangs up. Both simulators get the very same inter-arrival and
service times; roadie's run goes through its routing core (Router) for every call. With FCFS
and identical servers the wait of every call is the same in both, so the two results must
agree exactly, and both are shown beside Erlang C.

Run through bench/run (simpy lives only in the benchmark venv), or: python bench/bench_sim.py

Times are CPU seconds of this process (time.process_time): the machine may be shared, and
CPU time is what other work on it disturbs least. Each script is single-threaded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

# roadie is imported inside roadie_run and SimPy inside simpy_run, so that with --processes
# each child process imports only its own simulator (and numpy, which both use)

AGENTS = 50
RATE = 0.15  # calls per second: 45 Erlangs on 50 agents
AHT = 300.0
T = 20.0


def inputs(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.exponential(1 / RATE, n), rng.exponential(AHT, n)


def roadie_run(ia: np.ndarray, sv: np.ndarray):
    from roadie.engine.sim import single_queue
    from roadie.engine.sim.arrivals import Arrivals
    from roadie.engine.sim.engine import run

    n = ia.size
    times = np.cumsum(ia)
    scn = single_queue(
        agents=AGENTS,
        arrivals_per_minute=RATE * 60,
        aht_seconds=AHT,
        hours=float(times[-1]) / 3600 + 1,
        answer_seconds=T,
    )
    arr = Arrivals(
        time=times,
        stream=np.zeros(n, np.int64),
        handle=sv,
        patience=np.full(n, np.inf),
        priority=np.zeros(n, np.int64),
        streams=scn.streams,
    )
    t0 = time.process_time()
    res = run(scn, np.random.default_rng(0), arrivals=arr)
    wall = time.process_time() - t0
    return wall, res.start - times, res.events


def simpy_run(ia: np.ndarray, sv: np.ndarray):
    import simpy

    n = ia.size
    waits = np.empty(n)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)

    def call(i):
        arrived = env.now
        with agents.request() as req:
            yield req
            waits[i] = env.now - arrived
            yield env.timeout(sv[i])

    def source():
        for i in range(n):
            yield env.timeout(ia[i])
            env.process(call(i))

    t0 = time.process_time()
    env.process(source())
    env.run()
    wall = time.process_time() - t0
    eid = getattr(env, "_eid", None)  # SimPy's event counter (itertools.count)
    events = next(eid) if eid is not None and hasattr(eid, "__next__") else int(eid or 0)
    return wall, waits, events


def figures(w: np.ndarray) -> dict:
    return {
        "service_level": float(np.mean(w <= T)),
        "asa_seconds": float(w.mean()),
        "p_wait": float(np.mean(w > 1e-9)),
    }


def whole_processes(calls: int, repeat: int) -> dict:
    """Each simulator as a whole process (interpreter start, imports, inputs, run), wall and
    CPU time of the child, alternated, medians: what a user running a command waits for. A
    child imports numpy and its own simulator only (until the night of 1 December 2026 both also
    imported roadie and scipy, which flattered roadie's ratio)."""
    out: dict[str, list[tuple[float, float]]] = {"roadie": [], "simpy": []}
    for _ in range(repeat):
        for who in ("roadie", "simpy"):
            before = os.times()
            t0 = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--only", who, "--calls", str(calls)], check=True,
                           stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            after = os.times()
            cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
            out[who].append((wall, cpu))
    med = {f"{who}_process_{k}": statistics.median(r[i] for r in runs)
           for who, runs in out.items() for i, k in enumerate(("wall_seconds", "cpu_seconds"))}
    med["process_cpu_speedup"] = med["simpy_process_cpu_seconds"] / med["roadie_process_cpu_seconds"]
    return med


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=200_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    p.add_argument("--only", choices=["roadie", "simpy"], help="run one simulator once (a child of --processes)")
    p.add_argument("--processes", action="store_true", help="also time each simulator as a whole process")
    args = p.parse_args()
    if args.only:
        ia, sv = inputs(args.calls, seed=1)
        (roadie_run if args.only == "roadie" else simpy_run)(ia, sv)
        return
    import simpy

    ia, sv = inputs(args.calls, seed=1)
    r_runs, s_runs = [], []
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        r_runs.append(roadie_run(ia, sv))
        s_runs.append(simpy_run(ia, sv))
    r_wall = statistics.median(r[0] for r in r_runs)
    s_wall = statistics.median(s[0] for s in s_runs)
    r_w, r_events = r_runs[0][1], r_runs[0][2]
    s_w, s_events = s_runs[0][1], s_runs[0][2]
    from roadie.engine.queueing import erlang_c_metrics

    exact = erlang_c_metrics(agents=AGENTS, load=RATE * AHT, aht_seconds=AHT, answer_seconds=T)
    out = {
        "python": platform.python_version(),
        "simpy_version": getattr(simpy, "__version__", "?"),
        "calls": args.calls,
        "repeat": args.repeat,
        "roadie_seconds": r_wall,
        "simpy_seconds": s_wall,
        "speedup": s_wall / r_wall,
        "roadie_events": r_events,
        "roadie_events_per_second": r_events / r_wall,
        "simpy_events": s_events,
        "simpy_events_per_second": s_events / s_wall,
        "roadie": figures(r_w),
        "simpy": figures(s_w),
        "max_wait_difference_seconds": float(np.max(np.abs(r_w - s_w))),
        "erlang_c": {
            "service_level": float(exact.service_level),
            "asa_seconds": float(exact.asa_seconds),
            "p_wait": float(exact.p_wait),
        },
    }
    if args.processes:
        out.update(whole_processes(args.calls, args.repeat))
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(
        f"single queue: {AGENTS} agents, load 90 %, AHT {AHT:.0f} s, {args.calls:,} calls "
        f"(median of {args.repeat})"
    )
    print(
        f"  roadie (routing core in the loop): {r_wall:.2f} s, {r_events:,} events, "
        f"{r_events / r_wall:,.0f} events/s"
    )
    print(
        f"  SimPy {out['simpy_version']:26s}: {s_wall:.2f} s, {s_events:,} events, "
        f"{s_events / s_wall:,.0f} events/s"
    )
    print(f"  speed-up vs SimPy                : {s_wall / r_wall:.2f}x")
    for name, f in (
        ("roadie", out["roadie"]),
        ("SimPy", out["simpy"]),
        ("Erlang C", out["erlang_c"]),
    ):
        print(
            f"  {name:9s} SL(20 s) {100 * f['service_level']:.2f} %, ASA "
            f"{f['asa_seconds']:.2f} s, P(wait) {100 * f['p_wait']:.2f} %"
        )
    print(
        f"  largest difference in a call's wait, roadie vs SimPy: "
        f"{out['max_wait_difference_seconds']:.2e} s"
    )
    if args.processes:
        print(
            f"  whole processes (start-up, imports, inputs, run): roadie "
            f"{out['roadie_process_wall_seconds']:.2f} s wall / {out['roadie_process_cpu_seconds']:.2f} s CPU, "
            f"SimPy {out['simpy_process_wall_seconds']:.2f} s / {out['simpy_process_cpu_seconds']:.2f} s; "
            f"CPU ratio {out['process_cpu_speedup']:.2f}x"
        )


if __name__ == "__main__":
    main()
