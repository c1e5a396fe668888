"""The intake's cost: ``contacts.actions.receive`` on PostgreSQL, this checkout against a peer
checkout (another commit of roadie: ours, e.g. the one before a change), in the same run.

Each round runs one process per side, one after the other (sides alternate which goes
first), on the same scratch database. A process sends ``--contacts`` new contacts (two
customers in three new, as in the day replay, one in three already on file), each with its raw
payload stored first, then one more message with a message id to each of those open
conversations. It times every ``receive`` call and counts its queries (``execute_wrapper``:
the transaction's BEGIN and COMMIT are not statements there, so they are not counted).
Reported: per side and path, the median wall time per call over all rounds, the client's
CPU per call, the queries per call, and the ratio peer / this.

    python bench/bench_intake.py --peer /tmp/x-replay-peer/src --rounds 5 --contacts 300
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRANDS = 20


def child(url: str, *, tag: str, contacts: int) -> dict:
    os.environ["ROADIE_DATABASE_URL"] = url
    os.environ.setdefault("ROADIE_DATA_DIR", f"/tmp/bench-intake-{os.getpid()}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "roadie.desk.settings"
    import django

    django.setup()
    from django.db import connection

    import roadie
    from roadie.desk.brands.models import Brand
    from roadie.desk.contacts.actions import CustomerData, Inbound, receive, store_raw

    brands = list(Brand.objects.filter(slug__startswith="intake-").order_by("slug"))
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    out: dict[str, dict] = {}
    for path in ("new_contact", "message"):
        walls, cpus, counts = [], [], []
        for n in range(contacts):
            brand = brands[n % BRANDS]
            # one customer in three wrote before (made by an earlier round or side)
            customer = f"c{n}-{tag}" if n % 3 else f"c{n}"
            body = "Bonjour" if path == "new_contact" else "Vous êtes là ?"
            raw = store_raw(channel="chat", source="bench", payload=body.encode(), brand=brand)
            inbound = Inbound(brand=brand, channel="chat", body=body, external_id=f"{tag}-{n}",
                              message_id=f"{tag}-{n}-{path}",
                              customer=CustomerData(name="Client", email=f"{customer}@{brand.slug}.example"))
            queries[0] = 0
            c0, t0 = time.process_time(), time.perf_counter()
            with connection.execute_wrapper(count):
                receive(inbound, raw=raw)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            counts.append(queries[0])
        out[path] = {"walls": walls, "cpus": cpus, "queries": counts}
    return {"source": str(Path(roadie.__file__).parent.parent), "paths": out}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer", required=True, help="the peer's src directory (a checkout of another commit)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--contacts", type=int, default=300, help="new contacts per process and round")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--tag", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, tag=args.tag, contacts=args.contacts)), flush=True)
        return 0
    peer = Path(args.peer).resolve()
    if not (peer / "roadie" / "desk" / "contacts" / "actions.py").exists():
        ap.error(f"--peer {peer} is not a roadie src directory")
    import psycopg

    base = os.environ.get("ROADIE_DATABASE_URL") or subprocess.run(
        [str(ROOT / "scripts/pg-server"), "start"], capture_output=True, text=True, check=True).stdout.strip()
    scratch = f"bench_intake_replay_{uuid.uuid4().hex[:8]}"
    url = f"{base.rpartition('/')[0]}/{scratch}"
    sides = {"this": ROOT / "src", "peer": peer}
    results: dict[str, dict[str, dict[str, list]]] = {
        s: {p: {"walls": [], "cpus": [], "queries": []} for p in ("new_contact", "message")} for s in sides}
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        env = {**os.environ, "ROADIE_DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "roadie.desk.settings",
               "ROADIE_DATA_DIR": f"/tmp/bench-intake-{os.getpid()}", "PYTHONPATH": str(ROOT / "src")}
        setup = ("import django; django.setup()\n"
                 "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
                 "from roadie.desk.brands.models import Brand, ServiceLevelPolicy\n"
                 f"bs = Brand.objects.bulk_create([Brand(slug=f'intake-{{i:02d}}', name=f'B{{i}}') for i in range({BRANDS})])\n"
                 "ServiceLevelPolicy.objects.bulk_create([ServiceLevelPolicy(brand=b, channel='chat', answer_seconds=60) for b in bs])\n")
        subprocess.run([sys.executable, "-c", setup], env=env, check=True)
        load0 = os.getloadavg()
        for r in range(args.rounds):
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for side in order:
                done = subprocess.run(
                    [sys.executable, __file__, "--peer", str(peer), "--child", url, "--tag", f"{side}{r}",
                     "--contacts", str(args.contacts)],
                    env={**env, "PYTHONPATH": str(sides[side])}, capture_output=True, text=True, check=True)
                out = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))[7:])
                if Path(out["source"]).resolve() != sides[side].resolve():
                    raise RuntimeError(f"the {side} process ran {out['source']}, not {sides[side]}")
                for path, figures in out["paths"].items():
                    for key, values in figures.items():
                        results[side][path][key] += values
        load1 = os.getloadavg()
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    med = statistics.median
    print(f"intake: receive() on PostgreSQL, {args.rounds} rounds x {args.contacts} new contacts and as many "
          f"messages per side; this = {ROOT / 'src'}, peer = {peer}; load average {load0[0]:.2f} at start, "
          f"{load1[0]:.2f} at end")
    print("| path | side | queries per call (median) | wall per call, median | client CPU per call, median |")
    print("|---|---|---|---|---|")
    for path in ("new_contact", "message"):
        for side in sides:
            f = results[side][path]
            print(f"| {path.replace('_', ' ')} | {side} | {med(f['queries']):.0f} | {med(f['walls']) * 1000:.2f} ms | "
                  f"{med(f['cpus']) * 1000:.2f} ms |")
        ratio = med(results["peer"][path]["walls"]) / med(results["this"][path]["walls"])
        cpu = med(results["peer"][path]["cpus"]) / med(results["this"][path]["cpus"])
        print(f"| {path.replace('_', ' ')} | peer / this | | {ratio:.2f}x | {cpu:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
