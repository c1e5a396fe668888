"""``roadie simulate`` starts without what it does not use: the other commands' modules,
multiprocessing for a one-process run, the TOML parser for the flag form (bench/bench_startup.py
measures the start-up itself)."""

import json
import subprocess
import sys

CODE = """
import contextlib, io, json, sys
from roadie.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def run(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CODE, *argv], capture_output=True, text=True,
                          check=True, timeout=120)
    return json.loads(proc.stdout)


def test_simulate_imports_only_what_its_run_needs():
    got = run("simulate", "--agents", "4", "--arrivals-per-minute", "1", "--aht-seconds", "120",
              "--hours", "1", "--reps", "1", "--workers", "1", "--json")
    assert got["code"] == 0
    assert "service_level" in got["out"] or "contacts" in got["out"]  # the figures came out
    mods = set(got["modules"])
    assert "roadie.engine.sim.engine" in mods  # the simulator ran
    others = {m for m in mods if m.startswith("roadie.commands.") and m != "roadie.commands.simulate"}
    assert not others, others
    for unused in ("concurrent.futures.process", "tomllib", "scipy", "pandas", "matplotlib", "django"):
        assert unused not in mods, unused


def test_other_commands_and_help_still_list_every_command():
    got = run()  # no command: the help, listing every command
    for name in ("simulate", "plan", "seed-demo", "kb-import", "pay-close"):
        assert name in got["out"], name
