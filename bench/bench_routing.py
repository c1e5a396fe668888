"""Routing core alone: decisions per second with 5,000 agents, 200 skill combinations and
50,000 waiting contacts, and the memory it takes.

Peer: a naive router that scans every waiting contact for every free agent (what a periodic
"assign unassigned tickets" sweep does), run on the same state for a bounded number of
decisions. Run through bench/run (benchmark-only venv), or: python bench/bench_routing.py

Times are CPU seconds of this process (time.process_time): the machine may be shared, and
CPU time is what other work on it disturbs least. Each script is single-threaded.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import time
import tracemalloc

import numpy as np

from roadie.engine.routing import CHANNEL_COST, Agent, Contact, Router

BRANDS = 40
LANGS = ("fr", "en", "de", "es", "it")  # 40 brands x 5 languages = 200 skill combinations
CHANNELS = ("voice", "chat", "chat", "email", "whatsapp")


def make_state(rng: np.random.Generator, n_agents: int, n_contacts: int):
    agents = []
    for aid in range(n_agents):
        brands = rng.choice(BRANDS, size=8, replace=False)
        langs = rng.choice(len(LANGS), size=2, replace=False)
        skills = {f"brand:b{b}" for b in brands} | {f"lang:{LANGS[i]}" for i in langs}
        agents.append(
            Agent(
                id=aid,
                skills=frozenset(skills),
                idle_since=float(rng.uniform(0, 3600)),
                regular_brands=frozenset(f"b{b}" for b in brands[:5]),
            )
        )
    contacts = []
    b = rng.integers(0, BRANDS, n_contacts)
    la = rng.integers(0, len(LANGS), n_contacts)
    ch = rng.integers(0, len(CHANNELS), n_contacts)
    arrival = np.sort(rng.uniform(0, 3600, n_contacts))
    pr = rng.choice([0, 0, 0, 1, 2], n_contacts)
    skill_sets = {}
    for i in range(n_contacts):
        key = int(la[i])
        s = skill_sets.setdefault(key, frozenset({f"lang:{LANGS[key]}"}))
        channel = CHANNELS[ch[i]]
        contacts.append(
            Contact(
                id=i,
                brand=f"b{b[i]}",
                channel=channel,
                skills=s,
                cost=CHANNEL_COST[channel],
                priority=int(pr[i]),
                arrival=float(arrival[i]),
                deadline=float(arrival[i]) + (20.0 if channel == "voice" else 3600.0),
            )
        )
    return agents, contacts


def bench_core(agents, contacts, rng, cycles: int):
    t0 = time.process_time()
    router = Router.from_snapshot(agents=agents, contacts=contacts)
    build = time.process_time() - t0

    t0 = time.process_time()
    first = router.route(3600.0)
    first_s = time.process_time() - t0
    for r in first:
        router.accept(r.contact_id, 3600.0)

    # steady state: contacts finish, new ones arrive, the router fills the freed capacity
    in_service = [r.contact_id for r in first]
    next_id = len(contacts)
    now = 3600.0
    route_s = 0.0
    event_s = 0.0
    decisions = 0
    batch = 50
    template = contacts[: batch * cycles]
    for c in range(cycles):
        now += 1.0
        t0 = time.process_time()
        picks = rng.choice(len(in_service), size=batch, replace=False)
        picks.sort()
        for k in picks[::-1]:
            cid = in_service[k]
            in_service[k] = in_service[-1]
            in_service.pop()
            router.complete(cid, now)
        for j in range(batch):
            t = template[c * batch + j]
            router.add_contact(
                Contact(next_id, t.brand, t.channel, t.skills, t.cost, t.priority, now, now + 20.0)
            )
            next_id += 1
        t1 = time.process_time()
        made = router.route(now)
        t2 = time.process_time()
        for r in made:
            router.accept(r.contact_id, now)
            in_service.append(r.contact_id)
        event_s += t1 - t0
        route_s += t2 - t1
        decisions += len(made)
    return {
        "build_seconds": build,
        "first_route_decisions": len(first),
        "first_route_seconds": first_s,
        "first_route_per_second": len(first) / first_s,
        "steady_decisions": decisions,
        "steady_route_per_second": decisions / route_s,
        "steady_cycle_per_second": decisions / (route_s + event_s),
        "waiting_after": router.waiting_count,
    }


def naive_router(agents, contacts, limit: int):
    """Peer: for each free agent, scan the waiting contacts in order for the first it can take."""
    load = {a.id: 0 for a in agents}
    waiting = sorted(contacts, key=lambda c: (-c.priority, c.arrival))
    taken = set()
    made = 0
    t0 = time.process_time()
    for a in sorted(agents, key=lambda a: a.idle_since):
        for c in waiting:
            if c.id in taken:
                continue
            if load[a.id] + c.cost <= a.capacity and c.required_skills <= a.skills:
                taken.add(c.id)
                load[a.id] += c.cost
                made += 1
                if made >= limit:
                    return made, time.process_time() - t0
    return made, time.process_time() - t0


def memory(agents, contacts) -> float:
    gc.collect()
    tracemalloc.start()
    router = Router.from_snapshot(agents=agents, contacts=contacts)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del router
    return current / 2**20


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--agents", type=int, default=5000)
    p.add_argument("--contacts", type=int, default=50_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cycles", type=int, default=200)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    rng = np.random.default_rng(1)
    agents, contacts = make_state(rng, args.agents, args.contacts)
    runs = [
        bench_core(agents, contacts, np.random.default_rng(i), args.cycles)
        for i in range(args.repeat)
    ]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    naive_made, naive_s = naive_router(agents, contacts, limit=2000)
    mem = memory(agents, contacts)
    out = {
        "python": platform.python_version(),
        "agents": args.agents,
        "skill_combinations": BRANDS * len(LANGS),
        "waiting_contacts": args.contacts,
        **med,
        "naive_scan_decisions": naive_made,
        "naive_scan_per_second": naive_made / naive_s,
        "router_memory_mib": mem,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(
        f"routing core, {args.agents} agents, {BRANDS * len(LANGS)} skill combinations, "
        f"{args.contacts} waiting contacts (median of {args.repeat})"
    )
    print(f"  snapshot build (agents + contacts) : {med['build_seconds']:.2f} s")
    print(
        f"  first route(): {med['first_route_decisions']:.0f} reservations in "
        f"{med['first_route_seconds']:.2f} s = {med['first_route_per_second']:,.0f} decisions/s"
    )
    print(
        f"  steady state, route() only         : {med['steady_route_per_second']:,.0f} decisions/s"
    )
    print(
        f"  steady state, complete+arrive+route: {med['steady_cycle_per_second']:,.0f} decisions/s"
    )
    print(
        f"  naive scan peer                    : {out['naive_scan_per_second']:,.0f} "
        f"decisions/s (first {naive_made})"
    )
    print(
        f"  ratio (first route / naive)        : "
        f"{med['first_route_per_second'] / out['naive_scan_per_second']:,.0f}x"
    )
    print(f"  router memory (tracemalloc)        : {mem:.0f} MiB")


if __name__ == "__main__":
    main()
