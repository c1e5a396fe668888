"""Reading live events: which topics a user may follow, and the events after a given id."""

from __future__ import annotations

from roadie.desk.accounts.access import agent_of, brand_scope, can_supervise
from roadie.desk.live.actions import BOARD, agent_topic, brand_topic, pool_topic
from roadie.desk.live.models import LiveEvent


def topics_for(user) -> list[str]:
    board = [BOARD] if can_supervise(user) else []
    if brand_scope(user) is not None:
        return [brand_topic(brand_scope(user))]
    agent = agent_of(user)
    if agent is not None:  # a roadie, or a supervisor with an agent profile (their offers too)
        from roadie.desk.brands.models import Pool

        pools = Pool.objects.filter(brands__certifications__agent=agent).values_list("pk", flat=True)
        return [*board, agent_topic(agent.pk), *(pool_topic(p) for p in sorted(set(pools)))]
    return board


def events_after(last_id: int, topics: list[str], *, limit: int = 200) -> list[LiveEvent]:
    return list(
        LiveEvent.objects.filter(pk__gt=last_id, topic__in=topics).order_by("pk")[:limit]
    )


def latest_id() -> int:
    last = LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0
