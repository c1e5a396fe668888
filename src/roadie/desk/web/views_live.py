"""GET /events: the live event stream (server-sent events) for the logged-in user.

Pages listen and re-fetch the panel an event concerns, so what a page shows after an event
is exactly what a fresh load would show. Streams read events through the process's shared
hub (roadie.desk.live.hub), not one database poll each.
"""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from django.http import JsonResponse, StreamingHttpResponse

from roadie.desk.accounts.access import agent_of
from roadie.desk.contacts.access import live_payload_for, live_redaction_kinds
from roadie.desk.live.hub import follow
from roadie.desk.live.lib import latest_id, topics_for
from roadie.desk.routing.actions import heartbeat

KEEPALIVE_SECONDS = 15.0


async def events(request):
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"detail": "log in first"}, status=401)
    topics = await sync_to_async(topics_for)(user)
    kinds = await sync_to_async(live_redaction_kinds)(user)
    agent = await sync_to_async(agent_of)(user)
    try:
        last = int(request.headers.get("Last-Event-ID") or request.GET.get("after") or -1)
    except ValueError:
        last = -1
    if last < 0:
        last = await sync_to_async(latest_id)()

    async def stream():
        yield f"retry: 2000\nid: {last}\nevent: hello\ndata: {{}}\n\n"
        async for event in follow(topics, after=last, keepalive_seconds=KEEPALIVE_SECONDS):
            if event is None:
                if agent is not None:
                    # An open desk page is an agent who is there.
                    await sync_to_async(heartbeat)(agent)
                yield ": keepalive\n\n"
                continue
            yield frame(event, kinds)

    if agent is not None:
        await sync_to_async(heartbeat)(agent)
    response = StreamingHttpResponse(stream(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def frame(event, kinds: frozenset[str]) -> str:
    """One server-sent event as its reader may see it (free text redacted for ``kinds``)."""
    data = json.dumps({"kind": event.kind, **live_payload_for(kinds, event.payload)})
    return f"id: {event.pk}\nevent: {event.kind}\ndata: {data}\n\n"
