"""Publishing live events, inside the caller's transaction so that they commit with the change."""

from __future__ import annotations

from roadie.desk.live.models import LiveEvent

BOARD = "board"


def agent_topic(agent_id: int) -> str:
    return f"agent:{agent_id}"


def brand_topic(brand_id: int) -> str:
    return f"brand:{brand_id}"


def pool_topic(pool_id: int) -> str:
    """What every roadie of a pool hears (scheduling: seats booked and freed)."""
    return f"pool:{pool_id}"


def publish(kind: str, *, topics: list[str], payload: dict | None = None) -> None:
    LiveEvent.objects.bulk_create(
        [LiveEvent(topic=topic, kind=kind, payload=payload or {}) for topic in topics]
    )


def publish_contact_change(contact, kind: str, *, agent_ids: tuple[int, ...] = ()) -> None:
    """A contact changed: supervisors, the brand and the agents involved hear of it."""
    publish_contact_changes([(contact, agent_ids)], kind)


def publish_contact_changes(changes, kind: str) -> None:
    """Several contacts changed the same way (``(contact, agent ids)`` pairs): one insert."""
    events = []
    for contact, agent_ids in changes:
        topics = [BOARD, brand_topic(contact.brand_id)]
        topics += [agent_topic(a) for a in agent_ids if a is not None]
        payload = {"contact": contact.pk, "status": contact.status}
        events += [LiveEvent(topic=topic, kind=kind, payload=payload) for topic in topics]
    LiveEvent.objects.bulk_create(events)
