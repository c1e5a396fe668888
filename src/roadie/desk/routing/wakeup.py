"""Waking the dispatcher when something becomes routable, instead of waiting for its clock.

The write paths call :func:`notify_routing` inside their transaction: a contact queued or put
back in the queue, an agent becoming available, capacity freed (accept, resolve, abandon).
On PostgreSQL that is ``pg_notify`` on the ``roadie_routing`` channel, delivered when the
transaction commits (and dropped if it rolls back); the dispatcher LISTENs on its own
connection. SQLite has no notifications: the dispatcher polls, every ``ROADIE_DISPATCH_POLL``
seconds, the newest row of the contact history and of the presence history, which every one of
those write paths adds to, and routes when either moved. Either way the periodic round still
runs every ``ROADIE_DISPATCH_INTERVAL`` (offer expiry, absent agents, cascade tiers opening).
"""

from __future__ import annotations

import logging
import time

from django.db import connection
from django.db.models import Max

log = logging.getLogger("roadie.dispatcher")

CHANNEL = "roadie_routing"


def notify_routing() -> None:
    """Tell the dispatchers to route now (at commit; a no-op on SQLite, which is polled)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])


class Wakeup:
    """``wait(timeout)`` returns True as soon as something became routable, False on timeout."""

    def __init__(self, *, poll: float = 0.05) -> None:
        self.poll = poll
        self._listener = None
        self._seen: tuple | None = None

    def listen(self) -> None:
        """Start listening now (PostgreSQL), before the first round: a write committed between
        that round's reads and the first ``wait`` would otherwise not wake it."""
        if connection.vendor == "postgresql" and (self._listener is None or self._listener.closed):
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self._listener = psycopg.connect(**params, autocommit=True)
            self._listener.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        if connection.vendor == "postgresql":
            return self._wait_notified(timeout)
        return self._wait_polled(timeout)

    def _wait_notified(self, timeout: float) -> bool:
        import psycopg

        try:
            self.listen()
            woke = False
            for _ in self._listener.notifies(timeout=timeout, stop_after=1):
                woke = True
            if woke:  # several writes committed together: one round serves them all
                for _ in self._listener.notifies(timeout=0.0):
                    pass
            return woke
        except psycopg.Error:
            log.exception("routing notifications lost; polling until the next round")
            self.close()
            time.sleep(min(timeout, 1.0))
            return False

    def _wait_polled(self, timeout: float) -> bool:
        from roadie.desk.agents.models import PresenceChange
        from roadie.desk.contacts.models import ContactEvent

        end = time.monotonic() + timeout
        while True:
            seen = (ContactEvent.objects.aggregate(m=Max("pk"))["m"],
                    PresenceChange.objects.aggregate(m=Max("pk"))["m"])
            if self._seen is None:
                self._seen = seen
            elif seen != self._seen:
                self._seen = seen
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.poll, left))

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None
