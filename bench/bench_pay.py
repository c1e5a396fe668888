"""Closing a pay month on PostgreSQL: N resolved contacts for R roadies (default 1,000,000 and
1,500), time and peak memory of ``roadie.desk.pay.actions.close_period`` (batched reads, the
pure evaluator, batched ledger writes through the one write path).

Peer (written by us, for this benchmark): a per-row ORM loop over the same events — for each
RESOLVED event, load it with its contact, price it with the same engine function, and create
the transaction and its two legs with ``objects.create`` — in the same run, on a copy of the
same database (PostgreSQL ``CREATE DATABASE ... TEMPLATE``). The peer books contact lines
only; the close also books invoices, payouts and statements, so the comparison favours the peer.

    bench/bench_pay.py [--contacts 1000000] [--roadies 1500] [--peer-contacts N] [--repeat 3]
                       [--name NAME]

Each measurement runs in a child process, on a fresh copy of the loaded database; peak memory
is the child's maximum resident set size. With ``--repeat``, the close and the peer run that
many times each (alternately) and the medians are reported. ``--peer-contacts`` lets the peer
book only the first N events (then its rate is reported and extrapolated, said so). Scratch
databases are named ``roadie_pay_bench_<NAME>_<pid>_*`` and dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-03"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
    import django

    django.setup()


def load(contacts: int, roadies: int) -> None:
    _setup()
    import random

    from django.core.management import call_command

    from roadie.desk.accounts.models import User
    from roadie.desk.agents.models import Agent
    from roadie.desk.brands.models import Brand
    from roadie.desk.contacts.models import Contact, ContactEvent, Customer, EventKind
    from roadie.engine.pay.evaluate import PARIS

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(5)
    brands = [Brand.objects.create(slug=f"b{i}", name=f"B{i}") for i in range(10)]
    # About three contacts per customer, so that some customers write again (the quality
    # index's reopen rate looks for the same customer's next contact).
    per_brand = max(1, contacts // 30)
    customers = [Customer.objects.bulk_create([Customer(brand=b, name="bench") for _ in range(per_brand)],
                                              batch_size=5000) for b in brands]
    users = User.objects.bulk_create([User(username=f"r{i}", role="agent") for i in range(roadies)])
    agents = Agent.objects.bulk_create([Agent(user=u) for u in users])
    start = dt.datetime(2026, 3, 1, tzinfo=PARIS)
    channels = ["chat", "email", "voice", "whatsapp", "video", "social"]
    batch = 20_000
    t0 = time.perf_counter()
    for i in range(0, contacts, batch):
        rows = []
        for _ in range(min(batch, contacts - i)):
            b = rng.randrange(10)
            answered = start + dt.timedelta(seconds=rng.randrange(30 * 86400))
            rows.append(Contact(brand=brands[b], customer=rng.choice(customers[b]), channel=rng.choice(channels),
                                status="resolved", arrived_at=answered - dt.timedelta(seconds=30),
                                deadline_at=answered, answered_at=answered,
                                resolved_at=answered + dt.timedelta(seconds=rng.randint(30, 1500)),
                                agent=agents[rng.randrange(roadies)]))
        made = Contact.objects.bulk_create(rows)
        ContactEvent.objects.bulk_create([ContactEvent(contact=c, kind=EventKind.RESOLVED, agent=c.agent,
                                                       at=c.resolved_at) for c in made])
    print(f"loaded {contacts:,} contacts and their events for {roadies:,} roadies in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)


def close() -> None:
    _setup()
    from roadie.desk.pay import actions
    from roadie.desk.pay.models import Entry
    from roadie.engine.pay.evaluate import PARIS

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    _, build = actions.close_period(None, period=MONTH, now=dt.datetime(2026, 5, 1, tzinfo=PARIS))
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"RESULT close seconds={seconds:.1f} peak_rss_mb={peak / 1024:.0f} "
          f"rss_growth_mb={(peak - before) / 1024:.0f} lines={len(build.lines)} legs={Entry.objects.count()} "
          f"load={load:.1f}-{os.getloadavg()[0]:.1f}", flush=True)


def peer(limit: int) -> None:
    _setup()
    from django.db import transaction

    from roadie.desk.contacts.models import ContactEvent, EventKind
    from roadie.desk.pay import actions
    from roadie.desk.pay.facts import rule_sets
    from roadie.desk.pay.models import Account, Entry, Transaction
    from roadie.engine.pay.evaluate import ContactFact, contact_line

    actions.ensure_default_rules()
    rules = rule_sets()[0]
    expense, _ = Account.objects.get_or_create(code="expense:pay", defaults={"name": "pay", "kind": "expense"})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    n = 0
    with transaction.atomic():
        for e in ContactEvent.objects.filter(kind=EventKind.RESOLVED).select_related(
                "contact__brand").order_by("pk")[:limit].iterator(chunk_size=2000):
            c = e.contact
            line = contact_line(ContactFact(event_id=e.pk, contact_id=c.pk, agent_id=e.agent_id,
                                            brand=c.brand.slug, channel=c.channel, resolved_at=e.at,
                                            answered_at=c.answered_at), rules, quality=None)
            if Transaction.objects.filter(key=line.key).exists():
                continue
            agent, _ = Account.objects.get_or_create(code=f"agent:{e.agent_id}", defaults={
                "name": "r", "kind": "liability", "agent_id": e.agent_id})
            tx = Transaction.objects.create(key=line.key, period=MONTH, source_kind="contact",
                                            source_id=str(c.pk), occurred_at=e.at)
            for account, amount in ((expense, line.amount), (agent, -line.amount)):
                Entry.objects.create(transaction=tx, account=account, amount=amount, kind=line.kind,
                                     rule=line.rule, rule_version=line.rule_version,
                                     evidence_kind="contact", evidence_id=str(c.pk), label=line.label)
            n += 1
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"RESULT peer seconds={seconds:.1f} peak_rss_mb={peak / 1024:.0f} "
          f"rss_growth_mb={(peak - before) / 1024:.0f} lines={n} "
          f"load={load:.1f}-{os.getloadavg()[0]:.1f}", flush=True)


def _pg(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _child(me: list[str], kind: str, env: dict, db: str) -> dict[str, str]:
    out = subprocess.run([*me, "--child", kind], env={**env, "ROADIE_DATABASE_URL": db}, check=True,
                         capture_output=True, text=True).stdout
    print(out, end="", flush=True)
    line = [li for li in out.splitlines() if li.startswith("RESULT ")][-1]
    return dict(field.split("=", 1) for field in line.split()[2:])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--contacts", type=int, default=1_000_000)
    p.add_argument("--roadies", type=int, default=1_500)
    p.add_argument("--peer-contacts", type=int, default=0, help="events the peer books (default: all)")
    p.add_argument("--repeat", type=int, default=1, help="runs of each side (medians reported)")
    p.add_argument("--name", default="run", help="part of the scratch databases' names")
    p.add_argument("--child", choices=("load", "close", "peer"))
    args = p.parse_args()
    if args.child == "load":
        load(args.contacts, args.roadies)
        return 0
    if args.child == "close":
        close()
        return 0
    if args.child == "peer":
        peer(args.peer_contacts or args.contacts)
        return 0
    url = subprocess.run([str(ROOT / "scripts" / "pg-server"), "start"], check=True, capture_output=True,
                         text=True).stdout.strip()
    base = url.rpartition("/")[0]
    # Scratch databases of this run only (two runs at once must not share them).
    source = f"roadie_pay_bench_{args.name}_{os.getpid()}_src"
    work = f"roadie_pay_bench_{args.name}_{os.getpid()}_work"
    for name in (source, work):
        _pg(url, f"DROP DATABASE IF EXISTS {name}")
    _pg(url, f"CREATE DATABASE {source}")
    env = {**os.environ, "ROADIE_DATA_DIR": f"/tmp/roadie-pay-bench-{args.name}"}
    me = [sys.executable, __file__, "--contacts", str(args.contacts), "--roadies", str(args.roadies),
          "--peer-contacts", str(args.peer_contacts)]
    import psycopg

    with psycopg.connect(url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    print(f"== pay close bench: {args.contacts:,} contacts, {args.roadies:,} roadies, PostgreSQL {server}; "
          f"Python {platform.python_version()}, {os.cpu_count()} logical cores; "
          f"load average at start {os.getloadavg()[0]:.1f}", flush=True)
    results: dict[str, list[dict[str, str]]] = {"close": [], "peer": []}
    try:
        subprocess.run([*me, "--child", "load"], env={**env, "ROADIE_DATABASE_URL": f"{base}/{source}"},
                       check=True)
        for _ in range(args.repeat):
            for kind in ("close", "peer"):
                _pg(url, f"DROP DATABASE IF EXISTS {work}")
                _pg(url, f"CREATE DATABASE {work} TEMPLATE {source}")
                results[kind].append(_child(me, kind, env, f"{base}/{work}"))
    finally:
        for name in (source, work):
            _pg(url, f"DROP DATABASE IF EXISTS {name}")
    close_s = statistics.median(float(r["seconds"]) for r in results["close"])
    peer_s = statistics.median(float(r["seconds"]) for r in results["peer"])
    peer_lines = int(results["peer"][0]["lines"])
    rate = peer_lines / peer_s
    print(f"SUMMARY runs={args.repeat} close_median_s={close_s:.1f} "
          f"close_peak_rss_mb={max(int(r['peak_rss_mb']) for r in results['close'])} "
          f"close_lines={results['close'][0]['lines']} legs={results['close'][0]['legs']} "
          f"peer_median_s={peer_s:.1f} peer_lines={peer_lines} "
          f"peer_peak_rss_mb={max(int(r['peak_rss_mb']) for r in results['peer'])} "
          f"peer_lines_per_s={rate:.0f}", flush=True)
    contact_lines = args.contacts
    peer_full = contact_lines / rate
    estimate = "" if peer_lines >= contact_lines else " (extrapolated from its rate)"
    print(f"SUMMARY peer for all {contact_lines:,} events{estimate}: {peer_full:.0f} s; "
          f"close is {peer_full / close_s:.1f}x faster", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
