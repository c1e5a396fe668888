"""The live dispatcher on PostgreSQL: the in-memory core fed by events against the dispatcher
that rebuilds its core from the database every round (the peer, ``ROADIE_DISPATCH_MODE=rebuild``,
roadie's own previous dispatcher), on the same database in the same run.

State: AGENTS agents (each certified on 8 of 40 brands, 2 of 5 languages, capacity 6, all
available and busy: each holds an accepted call), WAITING contacts waiting (calls, chats and
emails over the 200 brand x language combinations). Two measures, each for both dispatchers,
alternately, on the same state:

* **time to offer**: one agent's call is resolved (the real write path); time from that commit
  until the dispatcher's round has persisted the offer of a waiting contact to that agent;
* **offers persisted per second**: BURST calls resolved at once; one round offers the freed
  agents a waiting contact each; offers persisted ÷ the round's wall time.

Each offer is then accepted (the real write path), so that the state stays the same for the
next repetition. Times are wall-clock (the database works too) and CPU of this process.

With ``--traffic RATE``, instead: the agents are free, the waiting contacts a backlog nobody can
take, and chats arrive at RATE/s through the intake write path (``--generators`` processes)
while each dispatcher runs as its own process: offer latency p50/p99 from arrival, offers
persisted per second and the dispatcher's CPU.

Needs PostgreSQL: ROADIE_DATABASE_URL, or the server of scripts/pg-server (a scratch database
is created and dropped). Run through bench/run dispatch, or: python bench/bench_dispatch.py
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRANDS, LANGS = 40, ("fr", "en", "de", "es", "it")


def _django(url: str) -> None:
    os.environ["ROADIE_DATABASE_URL"] = url
    os.environ.setdefault("ROADIE_DATA_DIR", f"/tmp/bench-dispatch-{os.getpid()}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
    os.environ.setdefault("ROADIE_AGENT_STALE_SECONDS", "1000000")
    os.environ.setdefault("ROADIE_OFFER_TIMEOUT", "100000")
    os.environ.setdefault("ROADIE_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def load(*, agents: int, waiting: int, seed: int = 7, traffic: bool = False) -> None:
    """Bulk-load the state (fast paths: this is set-up, not what is measured). ``traffic``:
    the agents are free and the waiting contacts need a skill nobody has (a backlog every
    round carries, that no arrival queues behind)."""
    import random
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from roadie.desk.accounts.models import User
    from roadie.desk.agents.models import Agent, Certification
    from roadie.desk.brands.models import Brand, ServiceLevelPolicy, WrapUpCode
    from roadie.desk.contacts.models import Contact, ContactEvent, Customer, EventKind, Status
    from roadie.desk.routing.models import Offer, OfferStatus

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed)
    now = timezone.now()
    brands = Brand.objects.bulk_create([Brand(slug=f"b{i}", name=f"Brand {i}") for i in range(BRANDS)])
    ServiceLevelPolicy.objects.bulk_create([ServiceLevelPolicy(brand=b, channel=c, answer_seconds=60)
                                            for b in brands for c in ("voice", "chat", "email")])
    WrapUpCode.objects.bulk_create([WrapUpCode(brand=b, code="solved", label="Solved") for b in brands])
    users = User.objects.bulk_create([User(username=f"agent{i}", password="!", role="agent")
                                      for i in range(agents)])
    staff = Agent.objects.bulk_create([
        Agent(user=u, languages=rng.sample(LANGS, 2), capacity=6, presence="available",
              last_seen_at=now + timedelta(days=30), idle_since=now - timedelta(seconds=rng.uniform(0, 3600)))
        for u in users])
    certs = []
    for a in staff:
        for j, b in enumerate(rng.sample(brands, 8)):
            certs.append(Certification(agent=a, brand=b, regular=j < 5))
    Certification.objects.bulk_create(certs)
    customers = Customer.objects.bulk_create([Customer(brand=b, name="C", email=f"c@{b.slug}.example")
                                              for b in brands])
    cust = {c.brand_id: c for c in customers}
    contacts = []
    for _ in range(waiting):
        b = rng.choice(brands)
        arrived = now - timedelta(seconds=rng.uniform(0, 3600))
        contacts.append(Contact(brand=b, channel=rng.choice(["voice", "chat", "chat", "email"]),
                                customer=cust[b.pk], language=rng.choice(LANGS), arrived_at=arrived,
                                deadline_at=arrived + timedelta(seconds=60), status=Status.QUEUED,
                                priority=rng.choice([0, 0, 0, 1]),
                                extra_skills=["area:backlog"] if traffic else []))
    Contact.objects.bulk_create(contacts, batch_size=5000)
    if traffic:
        ContactEvent.objects.bulk_create([ContactEvent(contact=c, kind=EventKind.ARRIVED, at=c.arrived_at)
                                          for c in contacts], batch_size=5000)
        return
    # every agent busy on one call of one of their brands, in their first language
    busy = []
    for a in staff:
        b = next(c.brand for c in certs if c.agent_id == a.pk)
        busy.append(Contact(brand=b, channel="voice", customer=cust[b.pk], language=a.languages[0],
                            arrived_at=now - timedelta(hours=2), deadline_at=now - timedelta(hours=2),
                            status=Status.ACTIVE, agent=a, answered_at=now - timedelta(hours=1)))
    Contact.objects.bulk_create(busy, batch_size=5000)
    Offer.objects.bulk_create([Offer(contact=c, agent_id=c.agent_id, cost=6, status=OfferStatus.ACCEPTED,
                                     offered_at=now - timedelta(hours=1), expires_at=now,
                                     responded_at=now - timedelta(hours=1)) for c in busy], batch_size=5000)
    ContactEvent.objects.bulk_create([ContactEvent(contact=c, kind=EventKind.ARRIVED, at=c.arrived_at)
                                      for c in contacts + busy], batch_size=5000)


def _free(n: int, rng) -> list:
    """Resolve the calls of n busy agents (the real write path); returns the agents."""
    from roadie.desk.contacts.actions import resolve
    from roadie.desk.contacts.models import Contact, Status

    calls = list(Contact.objects.filter(status=Status.ACTIVE, channel="voice").select_related("agent__user")
                 .order_by("?")[:n])
    for c in calls:
        resolve(c.agent.user, c, wrap_up_code="solved")
    return [c.agent for c in calls]


def _settle() -> int:
    """Accept every pending offer (the agents take the work: the state stays busy)."""
    from roadie.desk.routing.actions import accept_offer
    from roadie.desk.routing.models import Offer

    pending = list(Offer.objects.filter(status="pending").select_related("agent__user"))
    for o in pending:
        accept_offer(o.agent.user, o.pk)
    return len(pending)


def measure(*, repeat: int, burst: int, profile: str | None) -> dict:
    import random

    from roadie.desk.routing.dispatcher import tick
    from roadie.desk.routing.live import LiveCore

    rng = random.Random(1)
    core = LiveCore(reconcile_every=10**9)
    t0 = time.perf_counter()
    core.round()
    build = time.perf_counter() - t0
    _settle()
    modes = {"events": core.round, "rebuild": tick}
    out = {"build_seconds": build, "time_to_offer": {m: [] for m in modes},
           "offers_per_second": {m: [] for m in modes}, "cpu_per_offer": {m: [] for m in modes}}
    prof = cProfile.Profile() if profile else None
    for _ in range(repeat):
        for mode, round_ in modes.items():
            core.round()  # the in-memory core follows the peer's writes too (not timed)
            _free(1, rng)
            w, c = time.perf_counter(), time.process_time()
            made = round_()
            out["time_to_offer"][mode].append(time.perf_counter() - w)
            assert made == 1, (mode, made)
            _settle()
            core.round()
            _free(burst, rng)
            if prof and mode == profile:
                prof.enable()
            w, c = time.perf_counter(), time.process_time()
            made = round_()
            wall, cpu = time.perf_counter() - w, time.process_time() - c
            if prof and mode == profile:
                prof.disable()
            out["offers_per_second"][mode].append(made / wall)
            out["cpu_per_offer"][mode].append(cpu / max(made, 1))
            _settle()
    if prof:
        stats = pstats.Stats(prof).sort_stats("tottime")
        stats.print_stats(15)
    from django.utils import timezone

    out["divergences"] = len(core.reconcile(timezone.now()))
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def generate(*, rate: float, seconds: float, tag: str, seed: int) -> None:
    """Contacts arriving at ``rate`` per second through the real intake write path."""
    import random

    from roadie.desk.brands.models import Brand
    from roadie.desk.contacts.actions import CustomerData, Inbound, receive

    rng = random.Random(seed)
    brands = list(Brand.objects.all())
    start = time.monotonic()
    n = 0
    while (due := start + n / rate) < start + seconds:
        time.sleep(max(0.0, due - time.monotonic()))
        receive(Inbound(brand=rng.choice(brands), channel="chat", body="Bonjour", subject=tag,
                        language=rng.choice(LANGS),
                        customer=CustomerData(name="C", email=f"{tag}-{seed}-{n}@example.org")))
        n += 1


def dispatch(mode: str) -> None:
    import signal

    from roadie.desk.routing.dispatcher import Dispatcher

    dispatcher = Dispatcher(interval=0.5, mode=mode, holder=f"bench-{mode}:{os.getpid()}")
    signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop())
    dispatcher.run()


def traffic(url: str, *, rate: float, seconds: float, generators: int, modes=("events", "rebuild"),
            warm_timeout: float = 300.0) -> dict:
    """Per dispatcher mode: contacts arrive at ``rate``/s for ``seconds`` (``generators``
    processes through ``receive``) while the dispatcher runs as its own process; latency from
    each contact's arrival to its offer (``arrived_at`` and ``offered_at``, both stamped by the
    write paths, so the intake's own commit is inside it), offers persisted per second (first
    arrival to last offer), and the dispatcher's CPU from the first arrival to the last offer
    or a 180 s wait (the generators' start-up is inside the window, not in the rates)."""
    from django.db import connections

    from roadie.desk.brands.models import Brand
    from roadie.desk.contacts.actions import CustomerData, Inbound, receive
    from roadie.desk.contacts.models import Contact
    from roadie.desk.routing.models import Lease, Offer

    out = {}
    me = [sys.executable, __file__, "--child", url]
    for mode in modes:
        Lease.objects.all().delete()
        proc = subprocess.Popen([*me, "--dispatch", mode], env={**os.environ, "ROADIE_DISPATCH_MODE": mode})
        # Warm: the dispatcher leads, built its core, and offers a probe contact.
        w = time.perf_counter()
        probe, _, _ = receive(Inbound(brand=Brand.objects.first(), channel="chat", body="probe", subject="probe",
                                      language="fr", customer=CustomerData(name="P", email="probe@example.org")))
        while not Offer.objects.filter(contact=probe).exists():
            assert proc.poll() is None, "the dispatcher died"
            if time.perf_counter() - w > warm_timeout:
                break
            time.sleep(0.05)
        warm = time.perf_counter() - w
        if warm > warm_timeout:  # no offer at all: recorded as such, traffic not sent
            proc.kill()
            proc.wait(60)
            out[mode] = {"no_offer_within": warm_timeout}
            print("MODE " + json.dumps({mode: out[mode]}), flush=True)
            Contact.objects.filter(subject="probe").delete()
            continue
        tag = f"traffic-{mode}"
        cpu0, w0 = _cpu_seconds(proc.pid), time.perf_counter()
        gens = [subprocess.Popen([*me, "--generate", tag, "--rate", str(rate / generators), "--seconds",
                                  str(seconds), "--seed", str(i)]) for i in range(generators)]
        for g in gens:
            g.wait()
        contacts = Contact.objects.filter(subject=tag)
        deadline = time.monotonic() + 180
        while (Offer.objects.filter(contact__subject=tag).count() < contacts.count()
               and time.monotonic() < deadline):
            time.sleep(0.2)
        wall, cpu = time.perf_counter() - w0, _cpu_seconds(proc.pid) - cpu0
        # what its reconciliation found different (and repaired), recorded in its lease row
        divergences = sum(Lease.objects.values_list("divergences", flat=True))
        proc.terminate()
        proc.wait(60)
        rows = list(Offer.objects.filter(contact__subject=tag).values_list("offered_at", "contact__arrived_at"))
        lat = sorted((o - a).total_seconds() for o, a in rows)
        n = contacts.count()
        first = min(a for _, a in rows)
        last = max(o for o, _ in rows)
        arrivals = list(contacts.values_list("arrived_at", flat=True))
        arrived_for = (max(arrivals) - min(arrivals)).total_seconds()
        out[mode] = {"arrived": n, "offered": len(rows), "arrival_rate": n / arrived_for,
                     "p50": statistics.median(lat), "p99": lat[min(len(lat) - 1, int(0.99 * len(lat)))],
                     "max": lat[-1], "offers_per_second": len(rows) / (last - first).total_seconds(),
                     "cpu_seconds": cpu, "wall_seconds": wall, "cpu_share": cpu / wall, "warm_seconds": warm,
                     "divergences": divergences}
        print("MODE " + json.dumps({mode: out[mode]}), flush=True)  # kept if a later mode fails
        Contact.objects.filter(subject__in=[tag, "probe"]).delete()  # the agents are free again
        connections.close_all()
    return out


def _pg_url() -> str:
    url = os.environ.get("ROADIE_DATABASE_URL")
    if url:
        return url
    return subprocess.run([str(ROOT / "scripts/pg-server"), "start"], capture_output=True, text=True,
                          check=True).stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--waiting", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--burst", type=int, default=100)
    ap.add_argument("--profile", choices=["events", "rebuild"], help="cProfile the burst rounds of one mode")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--traffic", type=float, metavar="RATE",
                    help="instead: contacts arriving at RATE/s to free agents, both dispatchers as processes")
    ap.add_argument("--seconds", type=float, default=15.0, help="traffic: how long contacts arrive")
    ap.add_argument("--generators", type=int, default=4, help="traffic: intake processes")
    ap.add_argument("--modes", default="events,rebuild", help="traffic: the dispatchers, in order")
    ap.add_argument("--warm-timeout", type=float, default=300.0,
                    help="traffic: a dispatcher with no offer this long after its start is recorded so")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--dispatch", help=argparse.SUPPRESS)
    ap.add_argument("--generate", help=argparse.SUPPRESS)
    ap.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _django(args.child)
        if args.dispatch:
            dispatch(args.dispatch)
            return 0
        if args.generate:
            generate(rate=args.rate, seconds=args.seconds, tag=args.generate, seed=args.seed)
            return 0
        load(agents=args.agents, waiting=args.waiting, traffic=args.traffic is not None)
        if args.traffic:
            result = traffic(args.child, rate=args.traffic, seconds=args.seconds, generators=args.generators,
                             modes=tuple(args.modes.split(",")), warm_timeout=args.warm_timeout)
        else:
            result = measure(repeat=args.repeat, burst=args.burst, profile=args.profile)
        print("RESULT " + json.dumps(result))
        return 0
    import psycopg

    base = _pg_url()
    name = f"bench_dispatch_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{base.rpartition('/')[0]}/{name}"
        cmd = [sys.executable, __file__, "--child", url, "--agents", str(args.agents), "--waiting",
               str(args.waiting), "--repeat", str(args.repeat), "--burst", str(args.burst)]
        if args.traffic:
            cmd += ["--traffic", str(args.traffic), "--seconds", str(args.seconds),
                    "--generators", str(args.generators), "--modes", args.modes,
                    "--warm-timeout", str(args.warm_timeout)]
        if args.profile:
            cmd += ["--profile", args.profile]
        run = subprocess.run(cmd, capture_output=True, text=True)
        sys.stdout.write("".join(line + "\n" for line in run.stdout.splitlines() if not line.startswith("RESULT ")))
        if run.returncode:
            sys.stderr.write(run.stderr)
            return run.returncode
        result = json.loads(next(line for line in run.stdout.splitlines() if line.startswith("RESULT "))[7:])
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.traffic:
        return _print_traffic(args, result)
    med = {k: {m: statistics.median(v) for m, v in result[k].items()}
           for k in ("time_to_offer", "offers_per_second", "cpu_per_offer")}
    if args.json:
        print(json.dumps({"median": med, **result}))
    print(f"live dispatcher on PostgreSQL: {args.agents} agents (all busy), {args.waiting} waiting; "
          f"median of {args.repeat}; Python {platform.python_version()}")
    print(f"in-memory core built from the database in {result['build_seconds']:.2f} s; "
          f"divergences at the final reconciliation: {result['divergences']}")
    print("| | in-memory core fed by events | rebuild every round (peer) | ratio |")
    print("|---|---|---|---|")
    tt, ops, cpo = med["time_to_offer"], med["offers_per_second"], med["cpu_per_offer"]
    print(f"| time to offer, one agent freed | {tt['events'] * 1000:.0f} ms | {tt['rebuild'] * 1000:.0f} ms "
          f"| {tt['rebuild'] / tt['events']:.1f}x |")
    print(f"| offers persisted/s, {args.burst} agents freed at once | {ops['events']:.0f} | {ops['rebuild']:.0f} "
          f"| {ops['events'] / ops['rebuild']:.1f}x |")
    print(f"| dispatcher CPU per offer (burst) | {cpo['events'] * 1000:.1f} ms | {cpo['rebuild'] * 1000:.1f} ms "
          f"| {cpo['rebuild'] / cpo['events']:.1f}x |")
    return 0


def _print_traffic(args, result: dict) -> int:
    if args.json:
        print(json.dumps(result))
    empty = {"arrived": 0, "offered": 0, "arrival_rate": 0, "p50": 0, "p99": 0, "max": 0,
             "offers_per_second": 0, "cpu_share": 0, "warm_seconds": 0}
    for mode in ("events", "rebuild"):
        if "no_offer_within" in result.get(mode, {"no_offer_within": None}):
            print(f"{mode}: no offer within {result.get(mode, {}).get('no_offer_within')} s of its start "
                  "(or not run)")
    ev, rb = ({**empty, **result.get(m, {})} for m in ("events", "rebuild"))
    print(f"live dispatcher on PostgreSQL, traffic: {args.agents} free agents, {args.waiting} waiting "
          f"(a backlog nobody can take), chats arriving at {args.traffic:.0f}/s for {args.seconds:.0f} s "
          f"({args.generators} intake processes); one window per dispatcher; Python {platform.python_version()}")
    print("| | in-memory core fed by events | rebuild every round (peer) | ratio |")
    print("|---|---|---|---|")
    for label, key, fmt in (("arrivals achieved (/s)", "arrival_rate", "{:.0f}"),
                            ("contacts arrived / offered", None, None),
                            ("offer latency p50", "p50", "{:.0f} ms"), ("offer latency p99", "p99", "{:.0f} ms"),
                            ("offer latency max", "max", "{:.0f} ms"),
                            ("offers persisted/s", "offers_per_second", "{:.0f}"),
                            ("dispatcher CPU (share of one core)", "cpu_share", "{:.0%}")):
        if key is None:
            print(f"| {label} | {ev['arrived']} / {ev['offered']} | {rb['arrived']} / {rb['offered']} | |")
            continue
        scale = 1000 if label.startswith("offer latency") else 1
        a, b = ev[key] * scale, rb[key] * scale
        ratio = f"{b / a:.1f}x" if key in ("p50", "p99", "max", "cpu_share") and a else (
            f"{a / b:.1f}x" if b else "")
        print(f"| {label} | {fmt.format(ev[key] * scale if '%' not in fmt else ev[key])} | "
              f"{fmt.format(rb[key] * scale if '%' not in fmt else rb[key])} | {ratio} |")
    print(f"dispatcher start to first offer: {ev['warm_seconds']:.1f} s (events), {rb['warm_seconds']:.1f} s (rebuild)")
    print(f"divergences the in-memory dispatcher's reconciliation recorded: {ev.get('divergences', 0)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
