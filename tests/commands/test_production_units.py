"""The systemd units, run for real: on a fresh PostgreSQL database, with only the environment
of examples/systemd/roadie.env (its CHANGE-ME values filled in, as the sysadmin would), the
first start of docs/operations.md (``roadie migrate``, ``roadie createsuperuser --noinput``),
then every unit's ExecStart exactly as written (two web instances, two dispatchers, the
worker, the mail listener, the scheduling tick, the IMAP poller). Checked: ``/healthz`` on
both web processes through the headers nginx sends, one dispatcher leads and the other takes
over when it stops, a mail sent to the listener becomes a contact, the worker runs a task."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from prod_units import INSTALLED, SYSTEMD, env_file_set, exec_start

pytestmark = pytest.mark.skipif(not os.environ.get("ROADIE_DATABASE_URL", "").startswith("postgres"),
                                reason="the units run on PostgreSQL (scripts/run-tests postgres)")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from livestack import _drop_postgres_database, free_port  # noqa: E402

ROADIE = str(Path(sys.executable).with_name("roadie"))
HOST = "desk.example.com"   # ROADIE_ALLOWED_HOSTS of the environment file


def _environment(tmp_path: Path) -> tuple[dict, str]:
    """The environment file's variables, the CHANGE-ME values filled in and the data directory
    in the test's; nothing else of the test's own environment but PATH (systemd starts units
    with a clean environment)."""
    import psycopg
    from cryptography.fernet import Fernet

    server = os.environ["ROADIE_DATABASE_URL"]
    name = f"roadie_console_units_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = env_file_set()
    filled = {"ROADIE_DATABASE_URL": f"{server.rpartition('/')[0]}/{name}",
              "ROADIE_SECRET_KEY": uuid.uuid4().hex * 2,
              "ROADIE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
              "ROADIE_DATA_DIR": str(tmp_path)}
    assert {k for k, v in env.items() if "CHANGE-ME" in v} | {"ROADIE_DATA_DIR"} == set(filled)
    env.update(filled)
    # Free ports for the mail listener (2525 may be taken on a shared machine).
    env.update({"ROADIE_SMTPD_PORT": str(free_port()), "PATH": os.environ["PATH"], "PYTHONUNBUFFERED": "1"})
    return env, name


def _run(argv: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False, **kwargs)


def _health(port: int) -> tuple[int, dict, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={
        "Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    try:
        with urllib.request.urlopen(request, timeout=3) as r:
            return r.status, json.loads(r.read()), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), dict(e.headers)
    except (urllib.error.URLError, OSError):
        return 0, {}, {}


def _wait(what: str, check, processes: dict, logs: Path, timeout: float = 120.0):  # generous: a shared machine
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        dead = [n for n, p in processes.items() if p.poll() is not None]
        assert not dead, f"{dead} died:\n" + "\n".join(f.read_text()[-2000:] for f in logs.glob("*.log"))
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout} s\n" + "\n".join(
        f"--- {f.name}\n{f.read_text()[-1500:]}" for f in logs.glob("*.log")))


def _shell(code: str, env: dict) -> str:
    out = _run([ROADIE, "shell", "--no-imports", "-c", code], env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _start(unit: str, instance: str, env: dict, logs: Path) -> subprocess.Popen:
    argv = exec_start(SYSTEMD / unit, instance=instance)
    assert argv[0] == INSTALLED
    log = open(logs / f"{unit.replace('@.service', '@' + instance)}.log", "w")  # noqa: SIM115
    return subprocess.Popen([ROADIE, *argv[1:]], env=env, stdout=log, stderr=subprocess.STDOUT)


def test_the_units_run_roadie_in_production(tmp_path):
    env, database = _environment(tmp_path)
    processes: dict[str, subprocess.Popen] = {}
    try:
        # First start, as docs/operations.md says.
        assert _run([ROADIE, "migrate", "--noinput"], env).returncode == 0
        made = _run([ROADIE, "createsuperuser", "--noinput", "--username", "ada", "--email", "ada@example.org"],
                    {**env, "DJANGO_SUPERUSER_PASSWORD": "a long first password"})
        assert made.returncode == 0, made.stderr
        _shell("from roadie.desk.accounts.models import User; from roadie.desk.brands import actions as a; "
               "ada = User.objects.get(username='ada'); "
               "b = a.create_brand(ada, slug='ondes', name='Ondes', via='demo'); "
               "a.create_channel(ada, b, kind='email', address='aide@ondes.example', via='demo')", env)
        web = [str(free_port()), str(free_port())]
        for port in web:
            processes[f"web@{port}"] = _start("roadie-web@.service", port, env, tmp_path)
        for i in ("1", "2"):
            processes[f"dispatch@{i}"] = _start("roadie-dispatch@.service", i, env, tmp_path)
        for unit in ("roadie-worker.service", "roadie-smtpd.service", "roadie-scheduling-tick.service",
                     "roadie-imap-poll.service"):
            processes[unit] = _start(unit, "", env, tmp_path)

        # Both web processes healthy, through nginx's headers; HTTPS settings on.
        for port in web:
            status, body, headers = _wait(f"/healthz on {port}", lambda p=int(port): (
                lambda h: h if h[0] == 200 else None)(_health(p)), processes, tmp_path)
            assert body["status"] == "ok"
            assert "max-age=31536000" in headers.get("Strict-Transport-Security", "")

        # One dispatcher leads; when it stops (systemctl stop: SIGTERM), the other takes over.
        def holder():
            out = _shell("from roadie.desk.routing.models import Lease; from roadie.desk.routing.partitions import lease_names; "
                         "print(';'.join(Lease.objects.filter(name__in=lease_names(), expires_at__gt=__import__('django.utils.timezone').utils.timezone.now()).values_list('holder', flat=True)))", env)
            return out or None

        leader = _wait("a dispatcher leading", holder, processes, tmp_path)
        pids = {str(p.pid): name for name, p in processes.items() if name.startswith("dispatch@")}
        leading = pids[leader.rsplit(":", 1)[1]]
        processes.pop(leading).send_signal(signal.SIGTERM)
        new = _wait("the standby taking over", lambda: (lambda h: h if h and h != leader else None)(holder()),
                    processes, tmp_path, timeout=90)
        assert pids[new.rsplit(":", 1)[1]] != leading
        _wait("/healthz ok with the standby leading", lambda: _health(int(web[0]))[0] == 200, processes, tmp_path)

        # The mail listener files a mail to the brand's address as a contact.
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "Lou <lou@example.net>", "aide@ondes.example", "Colis"
        mail["Message-ID"] = f"<{uuid.uuid4().hex}@example.net>"
        mail.set_content("Mon colis n'est pas arrivé.")
        smtp_port = int(env["ROADIE_SMTPD_PORT"])
        _wait("the mail listener", lambda: _connects(smtp_port), processes, tmp_path)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.send_message(mail)
        count = ("from roadie.desk.contacts.models import Contact; "
                 "print(Contact.objects.filter(brand__slug='ondes', channel='email', subject='Colis').count())")
        _wait("the mail filed as a contact", lambda: _shell(count, env) == "1", processes, tmp_path)

        # The worker runs a task (an invitation, held: no relay in the environment file).
        task = _shell("from roadie.desk.accounts.tasks import send_invitation; "
                      "print(send_invitation.enqueue(1).id)", env)
        status = f"from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.get(id='{task}').status)"
        _wait("the worker running the task", lambda: _shell(status, env) == "SUCCESSFUL", processes, tmp_path)
        assert all(p.poll() is None for p in processes.values())
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        _drop_postgres_database(os.environ["ROADIE_DATABASE_URL"], database)


def _connects(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
