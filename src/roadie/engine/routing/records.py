"""The routing core's mutable bookkeeping: one record per agent, contact, agent heap, queue.

The public specs (:mod:`roadie.engine.routing.model`) are frozen; these records hold what
changes as the router works (load, state, heap entries, queue places). Only the router's own
modules write them.
"""

from __future__ import annotations

import math

from roadie.engine.routing.model import (
    Agent,
    AgentState,
    Contact,
    ContactState,
    QueueClass,
    Tier,
    TierKind,
)

_AVAILABLE = AgentState.AVAILABLE
_OFFLINE = AgentState.OFFLINE
_WAITING = ContactState.WAITING
_RESERVED = ContactState.RESERVED
_IN_SERVICE = ContactState.IN_SERVICE
_OPEN: frozenset[str] = frozenset()  # the channels closed to an agent without channel limits


class AgentStatus:
    """The router's live record of one agent (read it, do not write it)."""

    __slots__ = (
        "spec",
        "load",
        "state",
        "idle_since",
        "handled",
        "version",
        "memberships",
        "member_idx",
        "pushed",
        "contacts",
        "counted",
        "pending",
        "missed",
        "limits",
        "held",
        "closed",
    )

    def __init__(self, spec: Agent) -> None:
        self.spec = spec
        self.load = spec.load
        self.state = spec.state
        self.idle_since = spec.idle_since
        self.handled = spec.handled
        self.version = 0
        self.memberships: list[AgentHeap] = []
        self.member_idx: set[int] = set()
        self.pushed: dict[int, int] = {}
        self.contacts: set[int] = set()
        self.counted = 0  # the free units this agent is counted with in its heaps' ``counts``
        self.pending = 0  # reservations not yet accepted
        self.missed = 0  # offers left to time out in a row
        self.reset_channels(spec)

    def reset_channels(self, spec: Agent) -> None:
        """Per-channel bookkeeping, only for an agent with channel limits: ``held`` counts the
        contacts of each channel the agent holds (``channel_load`` included), ``closed`` the
        channels at their limit; the agent is in no agent heap of a closed channel."""
        limits = spec.channel_limits
        if limits:
            self.limits: dict[str, int] | None = dict(limits)
            self.held: dict[str, int] | None = dict(spec.channel_load)
            self.closed: set[str] | frozenset[str] = {
                ch for ch, n in limits.items() if self.held.get(ch, 0) >= n}
        else:
            self.limits = self.held = None
            self.closed = _OPEN

    @property
    def free(self) -> int:
        return self.spec.capacity - self.load

    @property
    def busy(self) -> bool:
        return self.load > 0


class ContactRec:
    __slots__ = (
        "spec",
        "queue",
        "state",
        "agent",
        "excluded",
        "order",
        "token",
        "reserved_at",
        "expires_at",
    )

    def __init__(self, spec: Contact, queue: Queue, order: tuple) -> None:
        self.spec = spec
        self.queue = queue
        self.state = _WAITING
        self.agent: int | None = None
        # agent -> until when it is set aside (declined, or let the offer time out)
        self.excluded: dict[int, float] = dict.fromkeys(spec.excluded_agents, math.inf)
        self.order = order
        self.token = 0
        self.reserved_at = math.nan
        self.expires_at = math.inf


class AgentHeap:
    __slots__ = (
        "idx",
        "qclass",
        "selector",
        "levels",
        "queues",
        "members",
        "onshift",
        "pushes",
        "dry_at",
        "dry_cost",
        "counts",
        "channel",
        "fits",
    )

    def __init__(self, idx: int, qclass: QueueClass, selector: tuple, channel: str | None = None) -> None:
        self.idx = idx
        self.qclass = qclass  # cascade left empty: brand and skills are what matter
        # None: the heap of agents without channel limits, shared by the queues of every
        # channel; a channel: the heap of the agents with channel limits, for that channel's
        # queues (each queue looks at both), where an agent sits while below that limit
        self.channel = channel
        self.selector = selector
        # one level heap per free capacity, a sorted list (best first): levels[f] holds
        # (*policy key, agent id, agent version) of agents with f free units, so a contact
        # of cost c only looks at levels >= c
        self.levels: list[list[tuple]] = [[]]
        self.queues: list[Queue] = []
        self.members = 0
        self.onshift = 0
        # "nobody here has dry_cost free units" holds while no entry was pushed since: a
        # queue of that cost or more need not look (many queues share one agent heap)
        self.pushes = 0
        self.dry_at = -1
        self.dry_cost = 0
        # counts[f]: members AVAILABLE with exactly f free units, kept exact at every change
        # (entries in ``levels`` are lazy): a queue of cost c with no member counted at c or
        # more is not looked at
        self.counts: list[int] = [0]
        # fits[f]: the ids of this heap's queues whose contacts cost at most f units (the last
        # entry, every queue: it serves any f beyond), so an agent freed with f units marks the
        # queues it may help in one set update
        self.fits: list[tuple[int, ...]] = [()]

    def add_queue(self, q: Queue) -> None:
        self.queues.append(q)
        top = max(x.cost for x in self.queues)
        self.fits = [tuple(x.idx for x in self.queues if x.cost <= f) for f in range(top + 1)]

    def admits(self, spec: Agent) -> bool:
        if not self.qclass.skills <= spec.skills:
            return False
        if (self.channel is None) is not (not spec.channel_limits):
            return False
        kind = self.selector[0]
        if kind is TierKind.CERTIFIED:
            return True
        if kind is TierKind.REGULAR:
            return self.qclass.brand in spec.regular_brands
        return self.selector[1] in spec.pools


class Queue:
    __slots__ = (
        "idx",
        "qclass",
        "heap",
        "oldest",
        "tier_heaps",
        "side_heaps",
        "waiting",
        "simple",
        "blocked",
        "blocked_since",
        "timer_at",
        "cost",
    )

    def __init__(self, idx: int, qclass: QueueClass) -> None:
        self.idx = idx
        self.qclass = qclass
        self.cost = qclass.cost
        self.heap: list[tuple] = []  # (order key, contact id, token)
        self.oldest: list[tuple] = []  # (arrival, contact id, token)
        self.tier_heaps: list[AgentHeap] = []  # per tier: agents without channel limits
        self.side_heaps: list[AgentHeap] = []  # per tier: agents with limits, for this channel
        self.waiting = 0
        self.simple = False  # one tier, open at once: every contact sees the same agents
        # route() found nobody for the queue's oldest contact (widest cascade): a newer
        # contact cannot do better until an agent frees up or a tier opens
        self.blocked = False
        self.blocked_since = math.inf
        self.timer_at = -math.inf  # when the pending tier timer of this queue fires


def selector(tier: Tier) -> tuple:
    return (tier.kind, tier.pool) if tier.kind is TierKind.POOL else (tier.kind,)
