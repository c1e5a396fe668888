"""The day replay (bench/bench_day.py) at a tiny size, so the script cannot rot: a day of 200
contacts and 10 agents compressed to seconds, through the live dispatcher, intake and agent
bots as processes, on this test run's database; then the three zeros read back from it. And
the check itself, on a history made by hand, finds what it must find."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_day", ROOT / "bench" / "bench_day.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_tiny_day_through_the_live_dispatcher_loses_nothing(tmp_path):
    cmd = [sys.executable, str(ROOT / "bench" / "bench_day.py"), "--contacts", "200", "--agents", "10",
           "--day-seconds", "8", "--offer-timeout", "1", "--generators", "2", "--bots", "1",
           "--drain", "60", "--json"]
    if connection.vendor == "sqlite":  # the migrated test database, copied to a file the processes share
        path = tmp_path / "day.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        cmd += ["--sqlite", str(path)]
    else:
        cmd += ["--database-url", _database_url()]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240,
                         env={**os.environ, "ROADIE_DATA_DIR": str(tmp_path)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(next(line for line in run.stdout.splitlines() if line.startswith("RESULT "))[7:])
    assert result["sent"] == result["arrived"] == 200
    assert (result["lost"], result["double_offered"], result["over_capacity"]) == (0, 0, 0)
    assert result["still_open"] == 0  # drained: every contact resolved or hung up
    statuses = result["statuses"]
    assert statuses.get("resolved", 0) > 0 and statuses["resolved"] + statuses.get("abandoned", 0) == 200
    assert result["bots"]["resolved"] == statuses["resolved"]  # through the bots' own write paths
    assert result["offers"] >= statuses["resolved"] and result["contacts_offered"] >= statuses["resolved"]
    assert "| **lost** | **0**" in run.stdout


def test_the_check_finds_double_offers_overcapacity_and_lost_contacts(make_brand, make_agent, make_contact):
    from roadie.desk.contacts.models import Contact
    from roadie.desk.routing.models import Offer, OfferStatus

    bench = _bench()
    brand = make_brand()
    ann, bob = (make_agent(brands=[brand], capacity=6) for _ in range(2))
    call, chat = make_contact(brand=brand, channel="voice"), make_contact(brand=brand, channel="chat")
    Contact.objects.filter(pk__in=[call.pk, chat.pk]).update(subject="t")
    t = timezone.now() - timedelta(hours=1)

    def offer(contact, agent, start, end, status=OfferStatus.DECLINED):
        Offer.objects.create(contact=contact, agent=agent, cost=6 if contact.channel == "voice" else 2,
                             status=status, offered_at=t + timedelta(seconds=start),
                             expires_at=t + timedelta(seconds=end), ended_at=t + timedelta(seconds=end))

    offer(call, ann, 0, 10)
    offer(call, ann, 10, 20)  # ends and starts at the same instant: not a double offer
    result = bench.verdict(tag="t", sent=2, speed=1.0)
    assert (result["lost"], result["double_offered"], result["over_capacity"]) == (0, 0, 0)

    offer(call, bob, 15, 30)  # bob rings while ann still holds it
    offer(chat, ann, 12, 14)  # a chat on top of ann's call: 8 units of 6
    result = bench.verdict(tag="t", sent=3, speed=1.0)
    assert result["double_offered"] == 1
    assert result["over_capacity"] == 1 and result["peak_units"] == 8
    assert result["lost"] == 1 and result["lost_detail"]["not_in_database"] == 1

    Contact.objects.filter(pk=chat.pk).update(status="resolved", agent=ann)  # no completed offer of ann
    assert bench.verdict(tag="t", sent=2, speed=1.0)["lost_detail"]["resolved_without_offer"] == 1
