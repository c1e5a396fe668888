"""What the database's fencing rule costs the offer write path: ``routing.actions.make_offers``
batches (a dispatcher's, stamped with its lease and epoch) with the fencing trigger
(``roadie.desk.routing.fence``) against the same write path with the trigger dropped (the
peer: our own code without the rule, in the same process and run).

On a scratch database (PostgreSQL: ``bench_fence_<pid>`` on the server of ``--url``, dropped at
the end; SQLite: a file in a temporary directory), ``--size`` agents and contacts are made once.
Each batch offers every contact to its own agent in one ``make_offers`` call and is then undone
(offers, history and live events deleted, contacts queued again); the two sides alternate which
goes first, and a small untimed batch after each switch prepares the statements again (SQLite
re-prepares them after a schema change). Reported: per side, the median wall time of a batch and per offer, the ratio
with / without of the medians, and the median of the per-round ratios (the two sides of one
round run back to back, so a load change between rounds cancels out).

    python bench/bench_fence.py --database postgres --url postgres://roadie@127.0.0.1:54329/roadie
    python bench/bench_fence.py --database sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time


def _setup(database: str, url: str) -> str | None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "roadie.desk.settings"
    os.environ.setdefault("ROADIE_SECRET_KEY", "bench-fence-" + "x" * 40)
    scratch = None
    data = tempfile.mkdtemp(prefix="bench-fence-")
    os.environ["ROADIE_DATA_DIR"] = data
    if database == "postgres":
        import psycopg

        scratch = f"bench_fence_{os.getpid()}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {scratch}")
        os.environ["ROADIE_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + scratch
    else:
        os.environ.pop("ROADIE_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return scratch


def _seed(size: int):
    from django.utils import timezone

    from roadie.desk.accounts.models import User
    from roadie.desk.agents.models import Agent, Certification
    from roadie.desk.brands.models import Brand, ServiceLevelPolicy
    from roadie.desk.contacts.actions import CustomerData, Inbound, receive

    brand = Brand.objects.create(slug="fence", name="Fence")
    ServiceLevelPolicy.objects.create(brand=brand, channel="chat", answer_seconds=60)
    agents = []
    for n in range(size):
        user = User.objects.create_user(username=f"fence-{n}", password=None, role="agent")
        agent = Agent.objects.create(user=user, languages=["fr"], capacity=6, presence="available",
                                     last_seen_at=timezone.now())
        Certification.objects.create(agent=agent, brand=brand)
        agents.append(agent.pk)
    contacts = [receive(Inbound(brand=brand, channel="chat", body="Bonjour", language="fr",
                                customer=CustomerData(name="Client", email=f"c{n}@example.org")))[0].pk
                for n in range(size)]
    return list(zip(contacts, agents, strict=True))


def _undo() -> None:
    from roadie.desk.contacts.models import Contact, ContactEvent, EventKind
    from roadie.desk.live.models import LiveEvent
    from roadie.desk.routing.models import Offer

    Offer.objects.all().delete()
    ContactEvent.objects.filter(kind=EventKind.OFFERED).delete()
    LiveEvent.objects.all().delete()
    Contact.objects.update(status="queued")


def run(*, database: str, url: str, batches: int, size: int) -> dict:
    scratch = _setup(database, url)
    try:
        from django.db import connection

        from roadie.desk.routing import actions, fence
        from roadie.desk.routing.dispatcher import take_lease

        decisions = _seed(size)
        times: dict[str, list[float]] = {"with the trigger": [], "without (peer)": []}
        for i in range(batches):
            sides = list(times) if i % 2 == 0 else list(reversed(times))
            for side in sides:
                (fence.install if side == "with the trigger" else fence.drop)(connection)
                epoch = take_lease("bench:1", seconds=3600)
                assert actions.make_offers(decisions[:10], holder="bench:1", epoch=epoch)[0]  # warm:
                _undo()  # statements prepared again after the schema change, not in the timing
                t = time.perf_counter()
                made = actions.make_offers(decisions, holder="bench:1", epoch=epoch)
                times[side].append(time.perf_counter() - t)
                assert all(made), "every decision should have become an offer"
                _undo()
        fence.install(connection)
        with_ms = statistics.median(times["with the trigger"]) * 1000
        without_ms = statistics.median(times["without (peer)"]) * 1000
        return {"database": database, "batch": size, "batches": batches,
                "with_ms": round(with_ms, 1), "without_ms": round(without_ms, 1),
                "with_us_per_offer": round(with_ms * 1000 / size), "without_us_per_offer": round(without_ms * 1000 / size),
                "ratio": round(with_ms / without_ms, 3),
                "paired_ratio_median": round(statistics.median(
                    w / o for w, o in zip(times["with the trigger"], times["without (peer)"], strict=True)), 3),
                "load": os.getloadavg()}
    finally:
        shutil.rmtree(os.environ["ROADIE_DATA_DIR"], ignore_errors=True)  # (the SQLite file)
        if scratch:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {scratch}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], required=True)
    parser.add_argument("--url", default="postgres://roadie@127.0.0.1:54329/roadie")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=250, help="offers per batch (the dispatcher's OFFER_BATCH)")
    args = parser.parse_args(argv)
    print(json.dumps(run(database=args.database, url=args.url, batches=args.batches, size=args.size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
