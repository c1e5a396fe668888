"""The demo's supervisor: a child that dies is started again, after a backoff that doubles
while it keeps dying quickly and starts over once it has run a while."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from roadie.commands.supervisor import FIRST_DELAY, MAX_DELAY, SETTLED_AFTER, Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_dead_child_is_started_again_after_a_doubling_backoff():
    clock, said = Clock(), []
    sup = Supervisor(clock=clock, log=said.append)
    child = sup.add("crash", [sys.executable, "-c", "raise SystemExit(3)"])
    steady = sup.add("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        child.process.wait()
        sup.poll()
        assert "crash exited (status 3); starting it again in 1 s" in said[-1]
        clock.now = 0.5
        sup.poll()
        assert child.restarts == 0  # not before its delay
        clock.now = 1.0
        sup.poll()
        assert child.restarts == 1
        child.process.wait()
        sup.poll()
        assert said[-1].endswith("starting it again in 2 s")
        assert steady.process.poll() is None and steady.restarts == 0
    finally:
        sup.stop(timeout=5)
    assert steady.process.returncode is not None  # stop ends every child


def test_a_killed_child_is_named_with_its_signal_and_settled_children_start_over():
    clock, said = Clock(), []
    sup = Supervisor(clock=clock, log=said.append)
    child = sup.add("dispatch", [sys.executable, "-c", "import time; time.sleep(60)"])
    child.failures = 4
    clock.now = SETTLED_AFTER + 1  # it ran a minute: not a crash loop
    child.process.kill()
    child.process.wait()
    sup.poll()
    assert said[-1] == f"roadie demo: dispatch exited (killed by SIGKILL); starting it again in {FIRST_DELAY:g} s"
    sup.stop(timeout=5)


@given(st.integers(min_value=0, max_value=200))
def test_the_backoff_never_exceeds_its_cap_and_never_shrinks(failures):
    assert FIRST_DELAY <= Supervisor.delay(failures) <= MAX_DELAY
    assert Supervisor.delay(failures + 1) >= Supervisor.delay(failures)


def test_stop_kills_a_child_that_ignores_sigterm():
    sup = Supervisor(spawn=lambda argv: subprocess.Popen(argv, stdout=subprocess.PIPE, text=True),
                     log=lambda _: None)
    stubborn = sup.add("stubborn", [sys.executable, "-c", (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
        "time.sleep(60)")])
    assert stubborn.process.stdout.readline().strip() == "ready"
    sup.stop(timeout=0.5)
    assert stubborn.process.returncode == -9
