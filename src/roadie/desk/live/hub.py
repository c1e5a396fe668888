"""One reader of the live event table per web process, shared by every open stream.

Each page's event stream subscribes with the topics its user may follow; the hub polls the
table once for all of them and hands each stream the events of its topics. A web process
with a thousand open desks then reads the table twice a second, not two thousand times.
A stream that resumes (Last-Event-ID) first catches up from the table itself; the hub's
copies of events it already has are skipped by id.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async

from roadie.desk.live.lib import events_after, latest_id
from roadie.desk.live.models import LiveEvent

log = logging.getLogger("roadie.live")


@dataclass(eq=False)
class Subscription:
    topics: frozenset[str]
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


class LiveHub:
    def __init__(self, *, poll_seconds: float = 0.5, batch: int = 500) -> None:
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._subscriptions: set[Subscription] = set()
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last: int | None = None

    def subscribe(self, topics) -> Subscription:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests, a restarted server)
            self._loop, self._task, self._last = loop, None, None
            self._subscriptions = set()
        subscription = Subscription(topics=frozenset(topics))
        self._subscriptions.add(subscription)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    async def _run(self) -> None:
        try:
            if self._last is None:
                self._last = await sync_to_async(latest_id)()
            while self._subscriptions:
                events = await sync_to_async(_events_after_all)(self._last, self.batch)
                for event in events:
                    self._last = event.pk
                    for subscription in list(self._subscriptions):
                        if event.topic in subscription.topics:
                            subscription.queue.put_nowait(event)
                if len(events) < self.batch:
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
    subscription = hub.subscribe(topics)
    last = after
    try:
        # Catch up from the table (a resumed stream), then follow the hub.
        while True:
            backlog = await sync_to_async(events_after)(last, list(topics))
            for event in backlog:
                last = event.pk
                yield event
            if len(backlog) < 200:
                break
        while True:
            try:
                event = await asyncio.wait_for(subscription.queue.get(), timeout=keepalive_seconds)
            except TimeoutError:
                yield None
                continue
            if event.pk > last:
                last = event.pk
                yield event
    finally:
        hub.unsubscribe(subscription)

