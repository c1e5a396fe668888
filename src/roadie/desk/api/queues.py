"""API: queue statistics per brand and channel."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from roadie.desk.contacts.access import visible_brands
from roadie.desk.routing.lib import QueueStats, queue_stats

router = Router(tags=["queues"])


@router.get("/queues", response=list[QueueStats])
def queues(request: HttpRequest):
    """Waiting, longest wait and today's service level against target, for the brands this
    user may see (agents: the brands they are certified for)."""
    return queue_stats(visible_brands(request.auth))
