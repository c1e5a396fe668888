"""The shared live event reader: an old ``?after=`` does not send it back for everyone, a
write that commits long after later ids is still delivered (real concurrent commits on
PostgreSQL), and a reader that fails or stops starts again."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import OperationalError, connection, connections, transaction

from roadie.desk.live import hub as hub_module
from roadie.desk.live.actions import publish
from roadie.desk.live.hub import LiveHub, follow
from roadie.desk.live.lib import latest_id
from roadie.desk.live.models import LiveEvent


async def _drain(queue: asyncio.Queue, *, until=None, seconds: float = 5.0) -> list[LiveEvent]:
    """What arrives within ``seconds`` (or until an event matches ``until``)."""
    got: list[LiveEvent] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            event = await asyncio.wait_for(queue.get(), timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        got.append(event)
        if until is not None and until(event):
            break
    return got


def _board_rows(n: int, *, kind: str, first_pk: int | None = None) -> None:
    rows = [LiveEvent(topic="board", kind=kind, **({"pk": first_pk + i} if first_pk else {}))
            for i in range(n)]
    LiveEvent.objects.bulk_create(rows)


@pytest.mark.django_db
def test_an_old_after_does_not_send_the_shared_reader_back(monkeypatch):
    _board_rows(300, kind="old")
    start = latest_id()
    read = []
    real = hub_module._events_after_all

    def counted(last_id, limit):
        rows = real(last_id, limit)
        read.extend(r.pk for r in rows)
        return rows

    monkeypatch.setattr(hub_module, "_events_after_all", counted)

    async def scenario():
        hub = LiveHub(poll_seconds=0.01, lookback=10)
        current = hub.subscribe(["board"], after=start)
        await asyncio.sleep(0.2)
        from_zero = hub.subscribe(["board"], after=0)  # a crafted ?after=0
        await asyncio.sleep(0.3)
        resent = await _drain(current.queue, seconds=0.2)
        await sync_to_async(_board_rows)(1, kind="new")
        fresh = await _drain(from_zero.queue, until=lambda e: e.kind == "new")
        hub.unsubscribe(current)
        hub.unsubscribe(from_zero)
        return resent, fresh

    resent, fresh = async_to_sync(scenario)()
    assert resent == []  # the open page is not sent 300 old events again
    assert [e.kind for e in fresh] == ["new"]
    assert len([pk for pk in read if pk <= start]) <= 10  # the reader never went below its start


@pytest.mark.django_db
def test_follow_from_zero_still_catches_the_stream_up_on_its_own():
    _board_rows(450, kind="old")
    LiveEvent.objects.create(topic="agent:1", kind="not-mine")

    async def scenario():
        got = []
        async for event in follow(["board"], after=0, keepalive_seconds=0.2):
            if event is None:
                break
            got.append(event)
        return got

    got = async_to_sync(scenario)()
    assert len(got) == 450 and {e.kind for e in got} == {"old"}
    assert [e.pk for e in got] == sorted(e.pk for e in got)


@pytest.mark.django_db
def test_an_id_filled_more_than_200_ids_late_is_delivered():
    _board_rows(1, kind="before")
    top = latest_id()

    async def scenario():
        hub = LiveHub(poll_seconds=0.01)
        sub = hub.subscribe(["board"], after=top)
        await asyncio.sleep(0.1)
        # Ids top+2 .. top+401 become visible first; top+1 (taken earlier) only afterwards.
        await sync_to_async(_board_rows)(400, kind="filler", first_pk=top + 2)
        fillers = await _drain(sub.queue, until=lambda e: e.pk == top + 401)
        await asyncio.sleep(0.1)
        await sync_to_async(LiveEvent.objects.create)(pk=top + 1, topic="board", kind="late")
        late = await _drain(sub.queue, until=lambda e: e.kind == "late")
        hub.unsubscribe(sub)
        return fillers, late

    fillers, late = async_to_sync(scenario)()
    assert len(fillers) == 400 and [e.kind for e in late] == ["late"]


@pytest.mark.django_db(transaction=True)
def test_a_transaction_committing_after_300_others_is_delivered_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: ids always become visible in order")
    publish("before", topics=["board"])
    after = latest_id()
    taken, release = threading.Event(), threading.Event()
    received: list[LiveEvent] = []
    done = threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                publish("late", topics=["board"])  # takes its id now...
                taken.set()
                release.wait(30)  # ...and commits after 300 later ids are visible
        finally:
            connections.close_all()

    def reader():
        async def run():
            hub = LiveHub(poll_seconds=0.02)
            sub = hub.subscribe(["board"], after=after)
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and not done.is_set():
                received.extend(await _drain(sub.queue, seconds=0.2))
                if any(e.kind == "late" for e in received):
                    break
            hub.unsubscribe(sub)
            await sync_to_async(connections.close_all)()

        asyncio.run(run())

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=reader)]
    threads[1].start()
    threads[0].start()
    assert taken.wait(10)
    for _ in range(60):  # 300 rows in 60 committed transactions
        with transaction.atomic():
            publish("filler", topics=["board"] * 5)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and sum(e.kind == "filler" for e in received) < 300:
        time.sleep(0.05)
    assert sum(e.kind == "filler" for e in received) == 300
    release.set()
    threads[0].join(10)
    threads[1].join(20)
    done.set()
    kinds = [e.kind for e in received]
    late_pk = LiveEvent.objects.get(kind="late").pk
    assert max(e.pk for e in received) - late_pk > 200  # it really was over 200 ids late
    assert kinds.count("late") == 1 and kinds.count("filler") == 300
    assert len({e.pk for e in received}) == len(received)  # nothing twice


@pytest.mark.django_db
def test_the_reader_survives_failing_reads(monkeypatch):
    real = hub_module._events_after_all
    failures = {"left": 3}

    def flaky(last_id, limit):
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return real(last_id, limit)

    monkeypatch.setattr(hub_module, "_events_after_all", flaky)
    start = latest_id()

    async def scenario():
        hub = LiveHub(poll_seconds=0.01, max_backoff=0.05)
        sub = hub.subscribe(["board"], after=start)
        await sync_to_async(_board_rows)(1, kind="after-the-outage")
        got = await _drain(sub.queue, until=lambda e: True)
        hub.unsubscribe(sub)
        return got, hub.failures

    got, failed = async_to_sync(scenario)()
    assert [e.kind for e in got] == ["after-the-outage"] and failed == 3


@pytest.mark.django_db
def test_a_stopped_reader_is_started_again_by_a_waiting_stream():
    start = latest_id()

    async def scenario():
        stream = follow(["board"], after=start, keepalive_seconds=0.05)
        assert await anext(stream) is None  # keepalive: caught up, following the hub
        hub_module.hub._task.cancel()
        await asyncio.sleep(0.05)
        assert hub_module.hub._task.done()
        await sync_to_async(_board_rows)(1, kind="after-the-stop")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            event = await asyncio.wait_for(anext(stream), timeout=5)
            if event is not None:
                await stream.aclose()
                return event.kind
        await stream.aclose()
        return None

    assert async_to_sync(scenario)() == "after-the-stop"
