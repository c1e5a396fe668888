"""Pluggable routing policies: which agent gets a contact, and in which order contacts go.

Both are small classes behind a :class:`typing.Protocol`, so the simulator and the live
dispatcher plug the very same ones. Keys are compared ascending (lower goes first).

Two rules make the router's incremental indexes valid (and are checked by the tests):

* an :class:`AgentPolicy` key must never get *better* when the agent's load rises (the router
  re-keys an agent lazily after a reservation and eagerly after anything else);
* a :class:`QueueOrder` key must not depend on the current time: aging is expressed through the
  arrival time or the deadline (an older contact has an earlier key), so a heap stays ordered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from roadie.engine.routing.model import Agent, AgentState, Contact, QueueClass


class AgentView(Protocol):
    """What a policy may read about an agent (the router's live record)."""

    spec: Agent
    load: int
    state: AgentState
    idle_since: float
    handled: int


@runtime_checkable
class AgentPolicy(Protocol):
    """``key(agent, queue)``; a policy whose key ignores ``queue`` may say so with a class
    attribute ``per_queue = False`` (the router then computes one key per agent, not per heap)."""

    def key(self, agent: AgentView, queue: QueueClass) -> tuple: ...


@runtime_checkable
class QueueOrder(Protocol):
    def key(self, contact: Contact) -> tuple: ...


def _occupancy(agent: AgentView) -> float:
    cap = agent.spec.capacity
    return agent.load / cap if cap else 1.0


_NO_LOAD = 0.0


class LongestIdle:
    """Least loaded first (a free agent before one already on two chats), then longest idle."""

    per_queue = False  # the key ignores the queue: the router computes it once per agent

    def key(self, agent: AgentView, queue: QueueClass) -> tuple:
        spec = agent.spec
        cap = spec.capacity
        if not agent.load and cap:
            # one shared 0.0: heap comparisons of two idle agents' keys then see the same
            # object first (an identity test, not a float comparison)
            return (_NO_LOAD, agent.idle_since, spec.id)
        return (agent.load / cap if cap else 1.0, agent.idle_since, spec.id)


class BestProficiency:
    """Highest mean proficiency over the contact's required skills, then least loaded, then idle."""

    def __init__(self, default: int = 5) -> None:
        self.default = default

    def key(self, agent: AgentView, queue: QueueClass) -> tuple:
        prof = agent.spec.proficiency
        rated = [prof.get(s, self.default) for s in queue.skills]
        score = sum(rated) / len(rated) if rated else self.default
        return (-score, _occupancy(agent), agent.idle_since, agent.spec.id)


class Fairness:
    """Fewest contacts handled so far today, then least loaded, then longest idle."""

    per_queue = False

    def key(self, agent: AgentView, queue: QueueClass) -> tuple:
        return (agent.handled, _occupancy(agent), agent.idle_since, agent.spec.id)


class RegularBrandFirst:
    """The brand's regular roadies before the others; ties broken by another policy."""

    def __init__(self, then: AgentPolicy | None = None) -> None:
        self.then = then or LongestIdle()

    def key(self, agent: AgentView, queue: QueueClass) -> tuple:
        regular = queue.brand in agent.spec.regular_brands
        return (0 if regular else 1, *self.then.key(agent, queue))


class OnShiftFirst:
    """Agents on a booked slot for one of the contact's brand's pools before the others (they
    committed to serve it now), ties broken by another policy. ``brand_pools`` maps a brand to
    its pools; an agent's booked pools are ``Agent.booked_pools``."""

    def __init__(self, then: AgentPolicy | None = None, *,
                 brand_pools: Mapping[str, frozenset[str]] | None = None) -> None:
        self.then = then or LongestIdle()
        self.brand_pools = dict(brand_pools or {})

    def key(self, agent: AgentView, queue: QueueClass) -> tuple:
        booked = agent.spec.booked_pools and agent.spec.booked_pools & self.brand_pools.get(
            queue.brand, frozenset())
        return (0 if booked else 1, *self.then.key(agent, queue))


class DeadlinePriority:
    """Earliest "virtual due time" first: the service-level deadline minus a head start per
    priority class (``priority_seconds`` per class). A contact's key is fixed at arrival, so a
    low-priority contact ages: any newer contact, whatever its class, eventually has a later due
    time, and nothing starves. Contacts with no deadline are due ``default_target`` after arrival.
    """

    def __init__(self, priority_seconds: float = 60.0, default_target: float = 86_400.0) -> None:
        self.priority_seconds = priority_seconds
        self.default_target = default_target

    def key(self, contact: Contact) -> tuple:
        due = contact.deadline
        if not math.isfinite(due):
            due = contact.arrival + self.default_target
        return (due - contact.priority * self.priority_seconds, contact.arrival, contact.id)


class Fifo:
    """First come, first served (priority and deadline ignored)."""

    def key(self, contact: Contact) -> tuple:
        return (contact.arrival, contact.id)


POLICIES: dict[str, type] = {
    "longest_idle": LongestIdle,
    "best_proficiency": BestProficiency,
    "fairness": Fairness,
    "regular_brand_first": RegularBrandFirst,
    "on_shift_first": OnShiftFirst,
}
QUEUE_ORDERS: dict[str, type] = {"deadline_priority": DeadlinePriority, "fifo": Fifo}
