"""The seat invariant across processes: 24 roadies in 4 processes (6 threads, 6 connections
each) race for a slot of 3 seats, on a file SQLite database or a fresh PostgreSQL database;
exactly 3 win and the other 21 are told ``full``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))
from livestack import _drop_postgres_database, _fresh_postgres_database  # noqa: E402

PROCESSES, THREADS, SEATS = 4, 6, 3


def _run(env: dict, *args: str) -> str:
    out = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                         timeout=300, check=False, cwd=HERE)
    assert out.returncode == 0, out.stderr[-3000:]
    return (out.stdout.strip().splitlines() or [""])[-1]


@pytest.mark.slow
def test_roadies_in_several_processes_racing_for_three_seats(tmp_path):
    env = {**os.environ, "ROADIE_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    pg_url = os.environ.get("ROADIE_DATABASE_URL")
    pg_name = None
    if pg_url:
        env["ROADIE_DATABASE_URL"], pg_name = _fresh_postgres_database(pg_url)
    else:
        env["ROADIE_SQLITE_PATH"] = str(tmp_path / "race.sqlite3")
    try:
        _run(env, "-m", "roadie.cli", "migrate", "--no-input", "-v", "0")
        made = json.loads(_run(env, "race_worker.py", "setup", str(PROCESSES * THREADS),
                               str(SEATS), "1"))
        (slot,) = made["slots"]
        start_at = time.time() + 8
        procs = [subprocess.Popen(
            [sys.executable, "race_worker.py", "book", str(start_at), str(slot),
             *map(str, made["agents"][p * THREADS:(p + 1) * THREADS])],
            env=env, cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for p in range(PROCESSES)]
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err[-3000:]
            results += json.loads(out.strip().splitlines()[-1])
        assert [r for r in results if "error" in r] == []
        assert sum(1 for r in results if "booking" in r) == SEATS
        assert [r["code"] for r in results if "code" in r] == ["full"] * (
            PROCESSES * THREADS - SEATS)
        check = ("from roadie.desk.scheduling.models import Booking, SlotSeats;"
                 f"print(Booking.objects.filter(slot_id={slot}, status='booked').count(),"
                 f" SlotSeats.objects.get(slot_id={slot}).booked)")
        counted = _run(env, "-c", "import race_worker;" + check)
        assert counted == f"{SEATS} {SEATS}"
    finally:
        if pg_name:
            _drop_postgres_database(pg_url, pg_name)
