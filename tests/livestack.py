"""A real roadie in subprocesses for tests that need one: its own database (a file SQLite
database, or a fresh database on the PostgreSQL server of ROADIE_DATABASE_URL), seeded with
the demo, served by uvicorn (`roadie serve`), with routing dispatchers (`roadie dispatch`)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveRoadie:
    url: str
    env: dict
    processes: list = field(default_factory=list)
    _console: subprocess.Popen | None = field(default=None, repr=False)

    def roadie(self, *args: str, check: bool = True) -> str:
        # The deadline only stops a hung command: seed-demo needs about 30 s of CPU, and on a
        # loaded shared machine its wall time has passed 4 minutes.
        out = subprocess.run([sys.executable, "-m", "roadie.cli", *args], env=self.env,
                             capture_output=True, text=True, check=False, timeout=600)
        if check and out.returncode:
            raise RuntimeError(f"roadie {' '.join(args)} failed: {out.stderr}")
        return out.stdout.strip()

    def python(self, code: str) -> str:
        """Run ``code`` in a Django process on the live database (kept open between calls) and
        return what it printed; an exception in it raises RuntimeError with its traceback."""
        if self._console is None or self._console.poll() is not None:
            self._console = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("live_console.py"))], env=self.env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            self.processes.append(self._console)
        self._console.stdin.write(json.dumps({"code": code}) + "\n")
        self._console.stdin.flush()
        line = self._console.stdout.readline()
        if not line:
            raise RuntimeError("the live console died")
        answer = json.loads(line)
        if answer["error"]:
            raise RuntimeError(answer["error"])
        return answer["out"]

    def token(self, username: str) -> str:
        return self.roadie("token", username)

    def api(self, method: str, path: str, *, token: str, payload: dict | None = None):
        request = urllib.request.Request(
            f"{self.url}/api{path}", method=method,
            data=json.dumps(payload).encode() if payload is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def wait_healthy(self, data_dir: Path, timeout: float = 240.0) -> dict:
        """Wait for /healthz to answer 200. The deadline only stops a start that hangs: on a
        loaded 2-core machine two web workers and two dispatchers took over 60 s to come up."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return json.loads(response.read())
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                logs = "\n".join(p.read_text() for p in Path(data_dir).glob("*.log"))
                raise RuntimeError(f"roadie did not start:\n{logs}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self._console is not None and self._console.poll() is None:
            self._console.stdin.close()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def start(self, *args: str) -> subprocess.Popen:
        log = open(Path(self.env["ROADIE_DATA_DIR"]) / f"{args[0]}-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen([sys.executable, "-m", "roadie.cli", *args], env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process


def _fresh_postgres_database(url: str) -> tuple[str, str]:
    import psycopg

    name = f"roadie_browser_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}", name


def _drop_postgres_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def running_roadie(data_dir: Path, *, dispatchers: int = 1, agents: int = 6, extra_env: dict | None = None):
    env = {**os.environ, "ROADIE_DATA_DIR": str(data_dir), "ROADIE_OFFER_TIMEOUT": "20",
           "ROADIE_DISPATCH_INTERVAL": "0.3", "PYTHONUNBUFFERED": "1",
           "ROADIE_SECRET_KEY": os.environ.get("ROADIE_SECRET_KEY") or uuid.uuid4().hex * 2, **(extra_env or {})}
    pg_url = os.environ.get("ROADIE_DATABASE_URL")
    pg_name = None
    if pg_url:
        env["ROADIE_DATABASE_URL"], pg_name = _fresh_postgres_database(pg_url)
    port = free_port()
    live = LiveRoadie(url=f"http://127.0.0.1:{port}", env=env)
    try:
        live.roadie("seed-demo", "--agents", str(agents), "--history-weeks", "0")
        # Two web processes: live events and offers must fan out across processes.
        live.start("serve", "--port", str(port), "--workers", "2")
        for _ in range(dispatchers):
            live.start("dispatch")
        live.wait_healthy(data_dir)
        yield live
    finally:
        live.stop()
        if pg_name:
            _drop_postgres_database(pg_url, pg_name)
