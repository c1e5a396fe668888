"""One reader of the live event table per web process, shared by every open stream.

Each page's event stream subscribes with the topics its user may follow; the hub polls the
table once for all of them and hands each stream the events of its topics. A web process
with a thousand open desks then reads the table twice a second, not two thousand times.
A stream that resumes (Last-Event-ID) first catches up from the table itself; the hub's
copies of events it already has are skipped by id.

Ids are handed out when a row is written but become visible when its transaction commits,
so a lower id can appear after a higher one (two writers at once). The reader therefore
looks a little behind its high-water mark on every poll and skips the ids it has seen.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async

from roadie.desk.live.lib import events_after
from roadie.desk.live.models import LiveEvent

log = logging.getLogger("roadie.live")


@dataclass(eq=False)
class Subscription:
    topics: frozenset[str]
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


class LiveHub:
    def __init__(self, *, poll_seconds: float = 0.5, batch: int = 500, lookback: int = 200) -> None:
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.lookback = lookback
        self._seen: set[int] = set()
        self._subscriptions: set[Subscription] = set()
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last: int | None = None

    def subscribe(self, topics, *, after: int) -> Subscription:
        """Follow ``topics``; the caller has read (or will read) every event up to ``after``."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests, a restarted server)
            self._loop, self._task, self._last = loop, None, None
            self._subscriptions, self._seen = set(), set()
        if self._last is None or after < self._last - self.lookback:
            # Start from where the subscriber is, so that nothing written since is missed.
            self._last = after if self._last is None else min(self._last, after)
        subscription = Subscription(topics=frozenset(topics))
        self._subscriptions.add(subscription)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    async def _run(self) -> None:
        try:
            while self._subscriptions:
                events = await sync_to_async(_events_after_all)(self._last - self.lookback, self.batch)
                fresh = [e for e in events if e.pk not in self._seen]
                for event in fresh:
                    self._seen.add(event.pk)
                    self._last = max(self._last, event.pk)
                    for subscription in list(self._subscriptions):
                        if event.topic in subscription.topics:
                            subscription.queue.put_nowait(event)
                floor = self._last - self.lookback
                self._seen = {pk for pk in self._seen if pk > floor}
                if len(events) < self.batch or not fresh:
                    await asyncio.sleep(self.poll_seconds)
        except Exception:
            # Streams notice nothing but silence; the next subscription restarts the reader.
            log.exception("live event reader stopped")
            raise


def _events_after_all(last_id: int, limit: int) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(pk__gt=last_id).order_by("pk")[:limit])


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
                yield None
                continue
            if event.pk not in sent and event.pk > after:
                sent.add(event.pk)
                if len(sent) > 5000:  # keep the memory of one long-lived stream bounded
                    sent = set(sorted(sent)[-1000:])
                yield event
    finally:
        hub.unsubscribe(subscription)

