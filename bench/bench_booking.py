"""Bookings under contention on PostgreSQL, through the HTTP API: 200 concurrent clients (one
roadie each, one thread and connection each) book 50 slots of 4 seats (200 seats), each client
trying 5 slots in random order, against a uvicorn server with two web processes.

Peer: a naive read-then-write booking written by us for this benchmark (bench/booking/booking_urls.py:
count the slot's bookings, insert if under the seats), served by the same server in the same
run on its own 50 slots. Figures: bookings per second, p50/p99 request latency, overbookings
(bookings beyond the seats: must be 0 for roadie).

Needs PostgreSQL: ROADIE_DATABASE_URL, or the server of scripts/pg-server. Run through
bench/run booking, or: python bench/bench_booking.py
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS, SLOTS, SEATS, TRIES = 200, 50, 4, 5

SETUP = """
import datetime as dt, json
from decimal import Decimal
from django.utils import timezone
from roadie.desk.accounts.models import ApiToken, User
from roadie.desk.agents.models import Agent, Certification
from roadie.desk.brands.models import Brand, Pool
from roadie.desk.planning.models import PlanSlot, PlanStatus, SlotPlan
from roadie.desk.scheduling.models import PoolRules
brand = Brand.objects.create(slug="bench", name="Bench")
pool = Pool.objects.create(slug="bench", name="Bench")
pool.brands.add(brand)
PoolRules.objects.create(pool=pool, max_day_hours=24, max_week_hours=168, rest_hours=0)
out = {"tokens": [], "roadie": [], "naive": []}
day = timezone.localdate() + dt.timedelta(days=10)
for key, offset in (("roadie", 0), ("naive", 1)):
    plan = SlotPlan.objects.create(pool=pool, first_day=day + dt.timedelta(days=offset),
        status=PlanStatus.PUBLISHED, published_at=timezone.now(), required_hours=0,
        paid_hours=0, uncovered_hours=0, solver_status="bench", solver_gap=0)
    start = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(7)))
    for k in range(%(slots)d):
        s = PlanSlot.objects.create(plan=plan, day=plan.first_day, roadies=%(seats)d,
            starts_at=start + dt.timedelta(minutes=15 * k),
            ends_at=start + dt.timedelta(minutes=15 * (k + 1)))
        out[key].append(s.pk)
for i in range(%(clients)d):
    user = User.objects.create_user(username=f"bench-{i}", password=None, role="agent")
    agent = Agent.objects.create(user=user)
    Certification.objects.create(agent=agent, brand=brand)
    out["tokens"].append(ApiToken.issue(user, label="bench"))
print(json.dumps(out))
"""

COUNT = """
import json
from django.db.models import Count, Q
from roadie.desk.planning.models import PlanSlot
rows = PlanSlot.objects.filter(pk__in=%(ids)s).annotate(
    n=Count("bookings", filter=Q(bookings__status="booked")))
print(json.dumps({"booked": sum(r.n for r in rows),
                  "over": sum(max(r.n - r.roadies, 0) for r in rows)}))
"""


def pg_url() -> str:
    url = os.environ.get("ROADIE_DATABASE_URL")
    if url:
        return url
    return subprocess.run([str(ROOT / "scripts/pg-server"), "start"], capture_output=True,
                          text=True, check=True).stdout.strip()


def roadie(env, *args) -> str:
    out = subprocess.run([sys.executable, "-m", "roadie.cli", *args], env=env,
                         capture_output=True, text=True, check=False, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def race(base: str, path: str, tokens: list[str], slot_ids: list[int]) -> dict:
    rng = random.Random(5)
    plans = [rng.sample(slot_ids, TRIES) for _ in tokens]
    latencies: list[float] = []
    codes: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens) + 1)

    def client(token: str, picks: list[int]) -> None:
        barrier.wait()
        for slot in picks:
            req = urllib.request.Request(f"{base}{path.format(slot)}", method="POST", data=b"",
                                         headers={"Authorization": f"Bearer {token}"})
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    code = str(r.status)
            except urllib.error.HTTPError as exc:
                code = str(exc.code)
            except OSError as exc:
                code = type(exc).__name__
            with lock:
                latencies.append(time.perf_counter() - t)
                codes[code] = codes.get(code, 0) + 1

    threads = [threading.Thread(target=client, args=(t, p)) for t, p in zip(tokens, plans,
                                                                            strict=True)]
    for th in threads:
        th.start()
    barrier.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    return {"wall": wall, "codes": codes, "p50": statistics.median(latencies),
            "p99": latencies[int(0.99 * (len(latencies) - 1))], "requests": len(latencies)}


def main() -> int:
    import psycopg

    base_url = pg_url()
    name = f"roadie_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{base_url.rpartition('/')[0]}/{name}"
    env = {**os.environ, "ROADIE_DATABASE_URL": url, "ROADIE_DATA_DIR": f"/tmp/{name}",
           "PYTHONPATH": str(ROOT / "bench/booking")}
    server = None
    try:
        roadie(env, "migrate", "--no-input", "-v", "0")
        made = json.loads(roadie(env, "shell", "-c", SETUP % {"slots": SLOTS, "seats": SEATS,
                                                              "clients": CLIENTS}))
        port = 18000 + random.Random().randrange(1000)
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench/booking"),
             "booking_asgi:application", "--port", str(port), "--workers", "2", "--log-level",
             "warning"], env={**env, "DJANGO_SETTINGS_MODULE": "booking_settings"}, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break                   # the server answers (its health names what is off)
            except OSError:
                time.sleep(0.5)
        results = {}
        for key, path in (("roadie", "/api/slots/{}/book"), ("naive", "/naive/slots/{}/book")):
            r = race(base, path, made["tokens"], made[key])
            counted = json.loads(roadie(env, "shell", "-c", COUNT % {"ids": made[key]}))
            results[key] = {**r, **counted}
        print(f"{CLIENTS} clients x {TRIES} tries on {SLOTS} slots of {SEATS} seats "
              f"({SLOTS * SEATS} seats), PostgreSQL, uvicorn with 2 web processes")
        print("| | bookings | bookings/s | p50 | p99 | overbookings | answers |")
        print("|---|---|---|---|---|---|---|")
        for key, label in (("roadie", "roadie `POST /api/slots/{id}/book`"),
                           ("naive", "naive read-then-write (ours, peer)")):
            r = results[key]
            print(f"| {label} | {r['booked']} | {r['booked'] / r['wall']:.0f} | "
                  f"{r['p50'] * 1000:.0f} ms | {r['p99'] * 1000:.0f} ms | **{r['over']}** | "
                  f"{json.dumps(r['codes'], sort_keys=True)} |")
        ratio = results["naive"]["booked"] / results["naive"]["wall"]
        print(f"ratio of bookings/s, roadie / naive: "
              f"{results['roadie']['booked'] / results['roadie']['wall'] / ratio:.2f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
