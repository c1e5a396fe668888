"""The compiled routing core (the opt-in Cython build of the same source, docs/routing.md)
decides exactly as the pure-Python one.

Once per run, a copy of ``src/`` is compiled into a temporary directory by
``bench/compiled_core.py`` (the modules and directives of ``ROADIE_COMPILE=1 pip install .``).
Then, in a child process that imports the copy: the routing property and unit tests pass, and
the fingerprints of every decision (a randomised live workload under each agent policy, and
one simulated run of every example scenario) equal those computed here, in pure Python.

Skipped, with the reason, when Cython, a C compiler or the Python headers are absent
(``pip install -e '.[compiled]'``; ``scripts/system-deps`` installs gcc). Run as a script
(``python tests/engine/test_routing_compiled.py``) it prints the fingerprints as JSON.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROUTING_TESTS = [
    "tests/engine/test_routing.py",
    "tests/engine/test_routing_props.py",
    "tests/engine/test_routing_fast_paths.py",
    "tests/engine/test_routing_channels.py",
    "tests/engine/test_routing_offers.py",
    "tests/engine/test_routing_pools.py",
    "tests/engine/test_sim.py",
    "tests/engine/test_sim_offers.py",
]

pytestmark = [pytest.mark.compiled, pytest.mark.slow]


def _missing() -> str | None:
    if importlib.util.find_spec("Cython") is None:
        return "Cython is not installed (pip install -e '.[compiled]')"
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        return f"no C compiler ({cc!r} not found; scripts/system-deps installs gcc)"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h) for this interpreter"
    return None


@pytest.fixture(scope="module")
def compiled_src(tmp_path_factory) -> Path:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from compiled_core import COMPILED, build
    finally:
        sys.path.remove(str(ROOT / "bench"))

    out = tmp_path_factory.mktemp("compiled") / "src"
    try:
        built = build(out)
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"the compiled build failed:\n{exc.output[-3000:]}")
    assert {p.relative_to(out).as_posix().split(".")[0] for p in built} == set(COMPILED)
    return out


def _child(src: Path, code: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a Python that imports roadie from ``src`` and checks first that the
    compiled modules are the ones imported."""
    check = (
        "import importlib, sys\n"
        "from roadie_build import COMPILED\n"
        "for m in COMPILED:\n"
        "    f = importlib.import_module(m.replace('/', '.')).__file__\n"
        "    assert f.endswith('.so') and f.startswith(sys.argv[1]), f\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)])}
    return subprocess.run([sys.executable, "-c", check + code, str(src), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def test_compiled_core_passes_the_routing_tests(compiled_src):
    run = _child(compiled_src, "import pytest\nsys.exit(pytest.main(sys.argv[2:]))",
                 "-q", "-p", "no:cacheprovider", "-o", "addopts=", *ROUTING_TESTS)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and " failed" not in run.stdout, run.stdout[-2000:]


def test_compiled_core_decides_as_pure_python(compiled_src):
    run = _child(compiled_src, "import runpy\nrunpy.run_path(sys.argv[2], run_name='__main__')",
                 __file__)
    assert run.returncode == 0, run.stderr[-3000:]
    compiled = json.loads(run.stdout)
    pure = fingerprints()
    assert set(compiled) == set(pure)
    differ = sorted(k for k in pure if pure[k] != compiled[k])
    assert not differ, f"the compiled core decided otherwise in: {differ}"


# ---------------------------------------------------------------- the fingerprinted workloads
def _digest(rows) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def live_workload(policy_name: str, seed: int = 3) -> list:
    """Every decision and answer of a router fed a random day: arrivals of 3 brands on 4
    channels with cascades (regular, certified after 30 s, a pool after 90 s), accepts,
    declines, expiries, completions, breaks, abandons and skill changes; checked at the end."""
    import random

    from roadie.engine.routing import (
        POLICIES,
        Agent,
        AgentState,
        Contact,
        ContactState,
        Router,
        Tier,
        brand_skill,
    )

    rnd = random.Random(seed)
    brands = ("a", "b", "c")
    langs = ("lang:fr", "lang:en", "lsf")
    channels = ("voice", "chat", "email", "video")
    cascade = (Tier.regular(0.0), Tier.certified(30.0), Tier.of_pool("relay", 90.0))
    router = Router(
        POLICIES[policy_name](),
        cascades={"a": cascade, "b": cascade},
        max_pending=2,
        decline_cooldown=60.0,
        away_after_timeouts=2,
        accept_timeout=15.0,
    )

    def agent(aid: int) -> Agent:
        mine = rnd.sample(brands, rnd.randint(1, 3))
        relay = rnd.random() < 0.3
        limits = rnd.choice([{}, {}, {"chat": 2, "voice": 1}, {"email": 1, "chat": 3}])
        return Agent(
            aid,
            skills=frozenset(brand_skill(b) for b in mine) | frozenset(rnd.sample(langs, rnd.randint(0, 2))),
            capacity=rnd.choice([6, 6, 12]),
            state=rnd.choice([AgentState.AVAILABLE] * 4 + [AgentState.BREAK]),
            idle_since=float(rnd.randint(0, 300)),
            regular_brands=frozenset(rnd.sample(mine, 1)),
            proficiency={brand_skill(b): rnd.randint(1, 10) for b in mine},
            pools=frozenset({"relay"}) if relay else frozenset(),
            booked_pools=frozenset({"relay"}) if relay and rnd.random() < 0.5 else frozenset(),
            handled=rnd.randint(0, 40),
            channel_limits=limits,
        )

    agents = [agent(i) for i in range(60)]
    router.add_agents(agents)
    rows: list = []
    now = 0.0
    cid = 0
    held: list[int] = []
    for _ in range(400):
        now += rnd.choice([0.5, 1.0, 3.0, 10.0])
        for _ in range(rnd.randint(0, 4)):
            skills = frozenset(rnd.sample(langs, rnd.randint(0, 1)))
            router.add_contact(Contact(cid, rnd.choice(brands), rnd.choice(channels), skills,
                                       priority=rnd.randint(0, 2), arrival=now,
                                       deadline=now + rnd.choice([20.0, 60.0, 3600.0])))
            cid += 1
        rows.append(("expired", [(x.contact_id, x.agent_id) for x in router.expire(now)]))
        made = router.route(now)
        rows.append(("route", now, [(x.contact_id, x.agent_id, x.cost) for x in made]))
        for x in made:
            roll = rnd.random()
            if roll < 0.7:
                router.accept(x.contact_id, now)
                held.append(x.contact_id)
            elif roll < 0.85:
                router.decline(x.contact_id, now)
            # else: left to time out
        rnd.shuffle(held)
        for _ in range(min(len(held), rnd.randint(0, 3))):
            router.complete(held.pop(), now)
        roll = rnd.random()
        a = rnd.choice(agents).id
        if roll < 0.05:
            rows.append(("break", a, router.set_agent_state(a, AgentState.BREAK, now)))
        elif roll < 0.15:
            rows.append(("back", a, router.set_agent_state(a, AgentState.AVAILABLE, now)))
        elif roll < 0.17:
            rows.append(("update", a, router.update_agent(agent(a), now)))
            held = [c for c in held if router.contact_state(c) is ContactState.IN_SERVICE]
        waiting = router.waiting_ids()
        if waiting and rnd.random() < 0.2:
            router.remove_contact(rnd.choice(waiting), now)
        rows.append(("wake", router.next_wakeup()))
    router.check()
    rows.append(("end", sorted(router.waiting_ids()), router.decisions))
    return rows


def scenario_run(path: Path) -> list:
    """Start, end, outcome, agent and offers of every contact of one simulated run."""
    import numpy as np

    from roadie.engine.sim import load_scenario
    from roadie.engine.sim.engine import run

    res = run(load_scenario(path), np.random.default_rng(7))
    return [res.start.tolist(), res.end.tolist(), res.outcome.tolist(), res.agent.tolist(),
            res.offers.tolist()]


def fingerprints() -> dict[str, str]:
    from roadie.engine.routing import POLICIES

    out = {f"live {name}": _digest(live_workload(name)) for name in POLICIES}
    for path in sorted((ROOT / "examples" / "simulation").glob("*.toml")):
        out[f"scenario {path.name}"] = _digest(scenario_run(path))
    return out


def test_the_live_workload_exercises_every_kind_of_decision():
    """The fingerprinted workload is not idle: it routes, expires, re-queues and changes agents."""
    rows = live_workload("longest_idle")
    kinds = {r[0] for r in rows}
    assert {"route", "expired", "break", "back", "update", "wake"} <= kinds, kinds
    assert sum(len(r[2]) for r in rows if r[0] == "route") > 300
    assert any(r[1] for r in rows if r[0] == "expired")  # offers left to time out
    assert any(r[2] for r in rows if r[0] in ("break", "update"))  # contacts re-queued
    assert any(r[1] < float("inf") for r in rows if r[0] == "wake")  # a cascade tier pending


if __name__ == "__main__":
    print(json.dumps(fingerprints()))
