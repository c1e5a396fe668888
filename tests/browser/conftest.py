"""A real roadie for browser tests: its own database, seeded with the demo, served by
uvicorn (`roadie serve`) with a routing dispatcher (`roadie dispatch`), and headless
Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveRoadie:
    url: str
    env: dict
    processes: list = field(default_factory=list)

    def roadie(self, *args: str, check: bool = True) -> str:
        out = subprocess.run([sys.executable, "-m", "roadie.cli", *args], env=self.env,
                             capture_output=True, text=True, check=False, timeout=120)
        if check and out.returncode:
            raise RuntimeError(f"roadie {' '.join(args)} failed: {out.stderr}")
        return out.stdout.strip()

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


@pytest.fixture(scope="session")
def live_roadie(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("live-roadie")
    env = {**os.environ, "ROADIE_DATA_DIR": str(data_dir), "ROADIE_OFFER_TIMEOUT": "20",
           "ROADIE_DISPATCH_INTERVAL": "0.3", "PYTHONUNBUFFERED": "1"}
    pg_url = os.environ.get("ROADIE_DATABASE_URL")
    pg_name = None
    if pg_url:
        env["ROADIE_DATABASE_URL"], pg_name = _fresh_postgres_database(pg_url)
    port = free_port()
    live = LiveRoadie(url=f"http://127.0.0.1:{port}", env=env)
    live.roadie("seed-demo", "--agents", "6")
    live.start("serve", "--port", str(port))
    live.start("dispatch")
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{live.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline or any(p.poll() is not None for p in live.processes):
            logs = "\n".join(p.read_text() for p in Path(data_dir).glob("*.log"))
            raise RuntimeError(f"roadie did not start:\n{logs}")
        time.sleep(0.3)
    yield live
    for process in live.processes:
        process.terminate()
    for process in live.processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    if pg_name:
        _drop_postgres_database(pg_url, pg_name)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run scripts/system-deps (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def login_as(browser, live_roadie):
    """Log a demo user in, in a fresh browser context: login_as("camille") -> page."""
    contexts = []

    def login(username: str, password: str = "roadie", *, locale: str = "en-US"):
        context = browser.new_context(locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_roadie.url}/login/")
        english = locale.startswith("en")
        page.get_by_label("Username" if english else "Identifiant").fill(username)
        page.get_by_label("Password" if english else "Mot de passe").fill(password)
        page.get_by_role("button", name="Log in" if english else "Se connecter").click()
        page.wait_for_load_state()
        return page

    yield login
    for context in contexts:
        context.close()
