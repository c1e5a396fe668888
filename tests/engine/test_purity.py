"""The engine stays pure: importing every engine module pulls in no Django, HTTP or DB driver."""

import pkgutil
import subprocess
import sys

import roadie.engine

FORBIDDEN = ("django", "ninja", "psycopg", "sqlite3", "httpx", "requests", "uvicorn")


def test_engine_imports_no_web_or_database_module():
    modules = [
        m.name
        for m in pkgutil.walk_packages(roadie.engine.__path__, prefix="roadie.engine.")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {['roadie.engine', *modules]!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"engine imported: {out.stdout.strip()}"
