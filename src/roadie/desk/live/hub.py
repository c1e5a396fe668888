"""One reader of the live event table per web process, shared by every open stream.

Each page's event stream subscribes with the topics its user may follow; the hub polls the
table once for all of them and hands each stream the events of its topics. A web process
with a thousand open desks then reads the table twice a second, not two thousand times.
A stream that resumes (Last-Event-ID, ``?after=``) first catches up from the table itself,
for its own topics; the shared reader never goes back for it.

Ids are handed out when a row is written but become visible when its transaction commits,
so a lower id can appear after a higher one (two writers at once), however late. The
reader remembers every id it has passed without seeing (a hole) and reads those again on
each poll until they appear (delivered then, to every stream) or ``hole_seconds`` pass (a
rolled-back write leaves a hole that never fills). When it starts it looks ``lookback`` ids
below the top for writes already in flight. A poll that fails is logged and retried with a
backoff; a reader that stopped anyway (cancelled) is started again by the next stream that
waits on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection

from roadie.desk.live.lib import events_after, latest_id
from roadie.desk.live.models import LiveEvent

log = logging.getLogger("roadie.live")


@dataclass(eq=False)
class Subscription:
    topics: frozenset[str]
    after: int = 0  # what the subscriber has read already (its page, or its own catch-up)
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


class LiveHub:
    def __init__(self, *, poll_seconds: float = 0.5, batch: int = 500, lookback: int = 1000,
                 hole_seconds: float = 300.0, max_holes: int = 2000, max_backoff: float = 5.0) -> None:
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.lookback = lookback
        self.hole_seconds = hole_seconds
        self.max_holes = max_holes
        self.max_backoff = max_backoff
        self._subscriptions: set[Subscription] = set()
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last: int | None = None  # every id up to here was seen, or is a hole
        self._holes: dict[int, float] = {}  # id passed unseen -> when (monotonic)
        self.failures = 0  # polls that failed since the process started (for the record)

    def subscribe(self, topics, *, after: int) -> Subscription:
        """Follow ``topics``; the caller has read (or will read) every event up to ``after``.
        The shared reader does not move back for it, however old ``after`` is."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests, a restarted server)
            self._loop, self._task, self._last = loop, None, None
            self._subscriptions, self._holes = set(), {}
        subscription = Subscription(topics=frozenset(topics), after=after)
        self._subscriptions.add(subscription)
        self.ensure_running()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def ensure_running(self) -> None:
        """Start the reader if streams wait on it and it is not running (first stream, or it
        stopped)."""
        if self._subscriptions and (self._task is None or self._task.done()):
            if self._task is not None and self._task.done() and not self._task.cancelled():
                log.warning("live event reader had stopped; starting it again")
            self._task = self._loop.create_task(self._run())

    async def _run(self) -> None:
        failures = 0
        while self._subscriptions:
            try:
                full = await self._poll()
                failures = 0
            except Exception:
                failures += 1
                self.failures += 1
                log.exception("live event read failed (%d in a row); retrying", failures)
                await sync_to_async(_drop_connection)()
                await asyncio.sleep(min(self.max_backoff, self.poll_seconds * 2 ** failures))
                continue
            if not full:
                await asyncio.sleep(self.poll_seconds)
        self._last = None  # nobody listens: the next stream starts the reader from the top

    async def _poll(self) -> bool:
        """Read what appeared since the last poll; True when a full batch came (read again)."""
        now = time.monotonic()
        if self._last is None:  # starting: a little below the top, for writes in flight
            self._last = max(0, await sync_to_async(latest_id)() - self.lookback)
        late = await sync_to_async(_events_in)(sorted(self._holes)) if self._holes else []
        fresh = await sync_to_async(_events_after_all)(self._last, self.batch)
        if fresh:
            got = {e.pk for e in fresh}
            first = max(self._last + 1, fresh[-1].pk - self.max_holes)  # a jump of the sequence
            self._holes.update((pk, now) for pk in range(first, fresh[-1].pk) if pk not in got)
            self._last = fresh[-1].pk
        for event in late:
            del self._holes[event.pk]
            log.info("live event %s committed late: delivered", event.pk)
            self._dispatch(event, late=True)
        for event in fresh:
            self._dispatch(event, late=False)
        self._forget_old_holes(now)
        return len(fresh) >= self.batch

    def _dispatch(self, event: LiveEvent, *, late: bool) -> None:
        for subscription in list(self._subscriptions):
            if event.topic not in subscription.topics:
                continue
            # What the subscriber has not read; a late commit it cannot have seen.
            if late or event.pk > subscription.after:
                subscription.queue.put_nowait(event)

    def _forget_old_holes(self, now: float) -> None:
        expired = [pk for pk, at in self._holes.items() if now - at > self.hole_seconds]
        for pk in expired:
            del self._holes[pk]
        if len(self._holes) > self.max_holes:
            keep = sorted(self._holes)[-self.max_holes:]
            log.warning("live event reader: %d unfilled ids, forgetting the oldest", len(self._holes))
            self._holes = {pk: self._holes[pk] for pk in keep}


def _events_after_all(last_id: int, limit: int) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(pk__gt=last_id).order_by("pk")[:limit])


def _events_in(ids: list[int]) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(pk__in=ids).order_by("pk"))


def _drop_connection() -> None:
    """After a failed read the connection may be broken (database restarted): a new one next."""
    if connection.in_atomic_block:  # not the reader's own connection (a test's transaction)
        return
    try:
        connection.close()
    except Exception:
        log.exception("could not close the live reader's connection")
    close_old_connections()


hub = LiveHub()


async def follow(topics, *, after: int, keepalive_seconds: float):
    """Yield the events of ``topics`` after id ``after`` as they happen; yield None when
    nothing happened for ``keepalive_seconds`` (time for a keepalive)."""
    subscription = hub.subscribe(topics, after=after)
    last = after
    sent: set[int] = set()
    try:
        # Catch up from the table (a resumed stream), then follow the hub.
        while True:
            backlog = await sync_to_async(events_after)(last, list(topics))
            for event in backlog:
                last = event.pk
                sent.add(event.pk)
                yield event
            if len(backlog) < 200:
                break
        while True:
            try:
                event = await asyncio.wait_for(subscription.queue.get(), timeout=keepalive_seconds)
            except TimeoutError:
                hub.ensure_running()
                yield None
                continue
            if event.pk not in sent:
                sent.add(event.pk)
                if len(sent) > 5000:  # keep the memory of one long-lived stream bounded
                    sent = set(sorted(sent)[-1000:])
                yield event
    finally:
        hub.unsubscribe(subscription)

