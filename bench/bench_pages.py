"""Page loads of the desk, the contact page, the supervision board and the brand dashboard with
10,000 contacts (issue 13: under 300 ms), on SQLite and PostgreSQL.

Each page is requested through Django's test client (the whole request: middleware, session,
views, templates, the real database), logged in as the person who uses it; median and p95 of
``--requests`` loads after two warm-ups, and the queries each load costs. Baseline in the same
run: the same pages over ``--baseline`` contacts (100), so the ratio shows what 10,000
contacts cost. It is roadie against itself (no other helpdesk runs here): named as such.

    bench/bench_pages.py [--contacts 10000] [--baseline 100] [--requests 40] [--backends sqlite,postgres]

PostgreSQL comes from ``scripts/pg-server start`` (its own scratch database
``roadie_pages_bench_desk``). Each backend and size runs in a child process on a fresh database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0
PG_DATABASE = "roadie_pages_bench_desk"
CHANNELS = ("email", "chat", "whatsapp", "voice")


def populate(*, contacts: int, brands: int, agents: int, seed: int) -> dict:
    """Brands with their agents; ``contacts`` contacts over the last 30 days (3 messages and
    4 events each, most resolved, some queued), bulk-inserted; then the measured agent's own
    open contacts through the real write paths (offer, accept, reply, note, tags)."""
    from django.utils import timezone

    from roadie.desk.accounts.models import User
    from roadie.desk.agents.models import Agent, Certification
    from roadie.desk.brands.models import Brand, ServiceLevelPolicy, WrapUpCode
    from roadie.desk.contacts import actions as contact_actions
    from roadie.desk.contacts.actions import CustomerData, Inbound
    from roadie.desk.contacts.models import Contact, ContactEvent, Customer, Message, Status
    from roadie.desk.routing.actions import accept_offer, make_offer

    rng = random.Random(seed)
    now = timezone.now()
    brand_rows = []
    for b in range(brands):
        brand = Brand.objects.create(slug=f"bench-{b}", name=f"Bench brand {b}")
        for channel in CHANNELS:
            ServiceLevelPolicy.objects.create(brand=brand, channel=channel, answer_seconds=60)
        WrapUpCode.objects.create(brand=brand, code="solved", label="Solved")
        brand_rows.append(brand)
    agent_rows = []
    for a in range(agents):
        user = User.objects.create_user(username=f"agent{a}", password="pw", role="agent",
                                        first_name=f"Agent{a}")
        agent = Agent.objects.create(user=user, languages=["fr"], capacity=12, presence="offline",
                                     last_seen_at=now)
        for brand in brand_rows:
            Certification.objects.create(agent=agent, brand=brand)
        agent_rows.append(agent)
    supervisor = User.objects.create_user(username="supervisor", password="pw", role="supervisor")
    brand_user = User.objects.create_user(username="brand", password="pw", role="brand_admin",
                                          brand=brand_rows[0])

    customers = Customer.objects.bulk_create([
        Customer(brand=brand_rows[i % brands], name=f"Client {i}", email=f"client{i}@example.org",
                 phone=f"+3361{i:07d}") for i in range(contacts)], batch_size=2000)
    rows = []
    for i, customer in enumerate(customers):
        arrived = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
        queued = i % 100 == 0  # 1 % still waiting in the queues
        agent = None if queued else agent_rows[i % agents]
        rows.append(Contact(
            brand_id=customer.brand_id, channel=CHANNELS[i % len(CHANNELS)], customer=customer,
            subject=f"Demande {i}", arrived_at=arrived, queued_at=arrived,
            deadline_at=arrived + timedelta(seconds=60),
            status=Status.QUEUED if queued else Status.RESOLVED, agent=agent,
            answered_at=None if queued else arrived + timedelta(seconds=rng.uniform(5, 120)),
            resolved_at=None if queued else arrived + timedelta(seconds=rng.uniform(200, 900)),
            wrap_up_code="" if queued else "solved", tags=["billing"] if i % 7 == 0 else []))
    created = Contact.objects.bulk_create(rows, batch_size=2000)
    messages, events = [], []
    for contact in created:
        at = contact.arrived_at
        messages.append(Message(contact=contact, direction="in", body="Bonjour, j'ai une question "
                                "sur ma commande et ma facture du mois dernier.", created_at=at))
        events.append(ContactEvent(contact=contact, kind="arrived", at=at))
        if contact.status == Status.RESOLVED:
            messages.append(Message(contact=contact, direction="out", body="Bonjour, voici la réponse.",
                                    created_at=contact.answered_at))
            messages.append(Message(contact=contact, direction="in", body="Merci !",
                                    created_at=contact.answered_at + timedelta(seconds=30)))
            events += [ContactEvent(contact=contact, kind="offered", at=at, agent_id=contact.agent_id),
                       ContactEvent(contact=contact, kind="accepted", at=contact.answered_at,
                                    agent_id=contact.agent_id),
                       ContactEvent(contact=contact, kind="resolved", at=contact.resolved_at,
                                    agent_id=contact.agent_id)]
    Message.objects.bulk_create(messages, batch_size=5000)
    ContactEvent.objects.bulk_create(events, batch_size=5000)

    # The measured agent, at work: four emails in hand (cost 3 each, capacity 12) (one with a longer thread).
    me = agent_rows[0]
    Agent.objects.filter(pk=me.pk).update(presence="available")
    me.refresh_from_db()
    open_ids = []
    for k in range(4):
        contact, _, _ = contact_actions.receive(Inbound(
            brand=brand_rows[0], channel="email", body="Ma commande n'est pas arrivée.", language="fr",
            subject=f"Commande {k}", customer=CustomerData(name=f"Cliente {k}", email=f"open{k}@example.org")))
        accept_offer(me.user, make_offer(contact_id=contact.pk, agent_id=me.pk).pk)
        contact.refresh_from_db()
        for turn in range(6 if k == 0 else 1):
            contact_actions.reply(me.user, contact, body=f"Réponse {turn}")
            contact_actions.add_customer_message(contact, body=f"Relance {turn}")
        contact_actions.add_note(me.user, contact, body="Vérifier le transporteur")
        contact_actions.set_tags(me.user, contact, tags=["livraison"])
        open_ids.append(contact.pk)
    return {"agent": me.user, "supervisor": supervisor, "brand": brand_user, "open": open_ids[0],
            "contacts": Contact.objects.count()}


def child(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0, interactive=False)
    vendor = connection.vendor
    started = time.perf_counter()
    world = populate(contacts=args.contacts, brands=args.brands, agents=args.agents, seed=args.seed)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    load_s = time.perf_counter() - started
    pages = [
        ("agent", "the agent's desk", "/desk/"),
        ("agent", "a contact page (agent, 14-message email thread)", f"/desk/contacts/{world['open']}/"),
        ("supervisor", "the same contact page (supervisor)", f"/desk/contacts/{world['open']}/"),
        ("supervisor", "the supervision board", "/board/"),
        ("supervisor", "the board's contacts list", "/board/contacts/"),
        ("brand", "the brand dashboard", "/brand/"),
    ]
    results = []
    for who, name, path in pages:
        client = Client()
        client.force_login(world[who])
        for _ in range(2):
            assert client.get(path).status_code == 200, path
        times = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        if args.profile:  # the slowest statements of one load, to find what grows with the data
            slow = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
            print(f"-- {name}:", *(f"   {float(q['time']) * 1000:.0f} ms {q['sql'][:600]}" for q in slow),
                  sep="\n", file=sys.stderr)
        times.sort()
        results.append({"page": name, "path": path.split("/")[1] if path.count("/") > 1 else path,
                        "p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)],
                        "queries": len(ctx.captured_queries)})
    print(json.dumps({"vendor": vendor, "contacts": world["contacts"], "load_s": load_s, "pages": results}),
          flush=True)


def _pg_url() -> str | None:
    try:
        url = subprocess.run([str(ROOT / "scripts" / "pg-server"), "start"], check=True,
                             capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"PostgreSQL unavailable ({exc}): skipped")
        return None
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"{base}/{PG_DATABASE}"


def run_child(backend: str, contacts: int, args) -> dict | None:
    with tempfile.TemporaryDirectory(prefix="roadie-pages-bench-") as tmp:
        env = {**os.environ, "ROADIE_DATA_DIR": tmp, "ROADIE_KB_SEMANTIC": "0", "ROADIE_DEBUG": "0"}
        env.pop("ROADIE_DATABASE_URL", None)
        if backend == "postgres":
            url = _pg_url()
            if url is None:
                return None
            env["ROADIE_DATABASE_URL"] = url
        out = subprocess.run([sys.executable, __file__, "--child", "--contacts", str(contacts),
                              "--brands", str(args.brands), "--agents", str(args.agents),
                              "--requests", str(args.requests), "--seed", str(args.seed)],
                             env=env, capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-3000:])
            return None
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--brands", type=int, default=5)
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--profile", action="store_true",
                        help="with --child: print each page's slowest statements to stderr")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
    if args.child:
        child(args)
        return 0
    status = 0
    print(f"load average at start: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    for backend in args.backends.split(","):
        print(f"== {backend}: baseline {args.baseline} contacts, then {args.contacts}", flush=True)
        small = run_child(backend, args.baseline, args)
        big = run_child(backend, args.contacts, args)
        if small is None or big is None:
            status = 1
            continue
        print(f"\n{backend}: {big['contacts']} contacts (seeded in {big['load_s']:.0f} s) against "
              f"the same pages over {small['contacts']} (baseline: roadie itself); "
              f"{args.requests} loads each, logged in")
        print("| database | page | p50 ms | p95 ms | queries | baseline p50 ms | baseline queries | p50 ratio |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for row, base in zip(big["pages"], small["pages"], strict=True):
            print(f"| {backend} | {row['page']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['queries']} | "
                  f"{base['p50']:.1f} | {base['queries']} | {row['p50'] / base['p50']:.2f} |")
        worst = max(r["p95"] for r in big["pages"])
        print(f"{backend}: slowest p95 {worst:.0f} ms, target < {TARGET_MS:.0f} ms: "
              f"{'met' if worst < TARGET_MS else 'NOT met'}", flush=True)
        print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    return status


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
