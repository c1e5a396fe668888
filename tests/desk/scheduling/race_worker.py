"""A process of the booking race (run by test_race_processes.py, and by bench/):

    python race_worker.py setup CLIENTS SEATS SLOTS   -> JSON {"slots": [...], "agents": [...]}
    python race_worker.py book START_AT SLOT AGENT...  -> JSON list of results, one per agent

``book`` runs one thread (one database connection) per agent; all start at START_AT (epoch).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402


def setup(clients: int, seats: int, slots: int) -> dict:
    from roadie.desk.accounts.models import User
    from roadie.desk.agents.models import Agent, Certification
    from roadie.desk.brands.models import Brand, Pool
    from roadie.desk.planning.models import PlanSlot, PlanStatus, SlotPlan

    brand = Brand.objects.create(slug="race", name="Race")
    pool = Pool.objects.create(slug="race", name="Race")
    pool.brands.add(brand)
    zero = Decimal("0")
    day = timezone.localdate() + dt.timedelta(days=10)
    plan = SlotPlan.objects.create(pool=pool, first_day=day, status=PlanStatus.PUBLISHED,
                                   published_at=timezone.now(), required_hours=zero,
                                   paid_hours=zero, uncovered_hours=zero,
                                   solver_status="optimal", solver_gap=0.0)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    made = [PlanSlot.objects.create(plan=plan, day=day + dt.timedelta(days=k // 2),
                                    starts_at=start + dt.timedelta(days=k // 2, hours=k % 2 * 12),
                                    ends_at=start + dt.timedelta(days=k // 2,
                                                                 hours=k % 2 * 12 + 1),
                                    roadies=seats)
            for k in range(slots)]
    agents = []
    for i in range(clients):
        user = User.objects.create_user(username=f"racer-{i}", password="x", role="agent")
        agent = Agent.objects.create(user=user)
        Certification.objects.create(agent=agent, brand=brand)
        agents.append(agent.pk)
    return {"slots": [s.pk for s in made], "agents": agents}


def book(start_at: float, slot_id: int, agent_ids: list[int]) -> list:
    from roadie.desk.agents.models import Agent
    from roadie.desk.scheduling import actions

    results: list = [None] * len(agent_ids)

    def run(i: int) -> None:
        agent = Agent.objects.get(pk=agent_ids[i])
        time.sleep(max(0.0, start_at - time.time()))
        try:
            results[i] = {"booking": actions.book(agent=agent, slot_id=slot_id).pk}
        except actions.BookingRefused as exc:
            results[i] = {"code": exc.code}
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = {"error": repr(exc)}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(agent_ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        print(json.dumps(setup(*map(int, sys.argv[2:5]))))
    else:
        print(json.dumps(book(float(sys.argv[2]), int(sys.argv[3]),
                              [int(a) for a in sys.argv[4:]])))
