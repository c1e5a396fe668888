"""API: queue statistics per brand and channel."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest
from ninja import Router

from roadie.desk.api.schemas import QueueStatsOut
from roadie.desk.contacts.access import visible_brands
from roadie.desk.routing.lib import queue_stats

router = Router(tags=["queues"])


@router.get("/queues", response=list[QueueStatsOut])
def queues(request: HttpRequest):
    """Waiting, longest wait and today's service level against target, for the brands this
    user may see (agents: the brands they are certified for)."""
    return [asdict(s) for s in queue_stats(visible_brands(request.auth))]
