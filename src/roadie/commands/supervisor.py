"""Keeps a set of child processes running, as `roadie demo` needs: a child that dies is
started again after a backoff (1 s, then doubling up to 30 s; a child that had run a minute
before dying starts again from 1 s), so one crash never takes the whole demo down.

The routing dispatcher runs twice (one leads, the other stands by on the lease), so a killed
leader is replaced within a lease without waiting for its restart."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
SETTLED_AFTER = 60.0  # a child that ran this long before dying is not crash-looping


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0  # deaths in a row, each within SETTLED_AFTER of its start
    restart_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor:
    spawn: Callable[[list[str]], subprocess.Popen] = subprocess.Popen
    clock: Callable[[], float] = time.monotonic
    log: Callable[[str], None] = print
    children: list[Child] = field(default_factory=list)

    def add(self, name: str, argv: list[str]) -> Child:
        child = Child(name=name, argv=argv)
        self.children.append(child)
        self._start(child)
        return child

    def _start(self, child: Child) -> None:
        child.process = self.spawn(child.argv)
        child.started_at = self.clock()
        child.restart_at = None

    @staticmethod
    def delay(failures: int) -> float:
        """Seconds before the restart that follows ``failures`` quick deaths in a row."""
        return min(MAX_DELAY, FIRST_DELAY * 2 ** max(0, failures - 1))

    def poll(self) -> None:
        """Notice dead children and start again those whose backoff is over."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is None and child.process is not None and child.process.poll() is not None:
                ran = now - child.started_at
                child.failures = 1 if ran >= SETTLED_AFTER else child.failures + 1
                wait = self.delay(child.failures)
                child.restart_at = now + wait
                self.log(f"roadie demo: {child.name} exited ({_how(child.process.returncode)}); "
                         f"starting it again in {wait:g} s")
            elif child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._start(child)

    def first_death(self) -> Child | None:
        """A child that has exited (before any restart): what start-up checks."""
        return next((c for c in self.children if c.process is not None and c.process.poll() is not None), None)

    def stop(self, timeout: float = 10.0) -> None:
        running = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _how(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"status {code}"
