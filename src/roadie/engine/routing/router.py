"""The routing core: which waiting contact goes to which agent, now.

Indexes (all incremental, nothing scans all agents x all contacts):

* contacts are grouped into queues by :class:`QueueClass` (brand, required skills, cost,
  cascade); each queue keeps a heap by the :class:`QueueOrder` key and, when it has a cascade,
  a heap by arrival (the oldest contact has the widest choice of agents). Re-queued contacts
  go back with their original key, so they keep their place.
* agents are indexed per (brand, skills, tier selector), shared by the queues of every cost;
  inside each index, one heap per number of free capacity units, ordered by the
  :class:`AgentPolicy` key, so a contact of cost c only looks at the heaps of c units or more.
  An agent sits in every index whose skills it holds, while it is available with free
  capacity. After a reservation its entries are re-keyed lazily when they reach the top (keys
  only worsen as load rises); after anything else they are pushed at once. Each index also
  counts, exactly, its available members per number of free units: a queue whose index has
  nobody with room for it is skipped without touching a heap. An inverted index
  (skill -> agents) finds the agents of a new skill class without scanning every agent.
* ``route(now)`` only looks at queues where something changed (new contact, capacity freed
  that fits the queue's cost, agent state change, a cascade tier opening on time), in global
  urgency order; a queue that found nobody for its oldest contact is not looked at again for
  newer arrivals until an agent frees up or a tier opens.

A decision costs a few heap operations (O(log n)) per skill class the chosen agent serves
plus the number of open tiers, whatever the number of waiting contacts and of agents.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

from roadie.engine.routing.model import (
    DEFAULT_CASCADE,
    Agent,
    AgentState,
    Contact,
    ContactState,
    QueueClass,
    Reservation,
    RoutingError,
    Tier,
    TierKind,
)
from roadie.engine.routing.policies import AgentPolicy, DeadlinePriority, LongestIdle, QueueOrder

_AVAILABLE = AgentState.AVAILABLE
_OFFLINE = AgentState.OFFLINE
_WAITING = ContactState.WAITING
_RESERVED = ContactState.RESERVED
_IN_SERVICE = ContactState.IN_SERVICE


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
    )

    def __init__(self, spec: Agent) -> None:
        self.spec = spec
        self.load = spec.load
        self.state = spec.state
        self.idle_since = spec.idle_since
        self.handled = spec.handled
        self.version = 0
        self.memberships: list[_AgentHeap] = []
        self.member_idx: set[int] = set()
        self.pushed: dict[int, int] = {}
        self.contacts: set[int] = set()
        self.counted = 0  # the free units this agent is counted with in its heaps' ``counts``
        self.pending = 0  # reservations not yet accepted
        self.missed = 0  # offers left to time out in a row

    @property
    def free(self) -> int:
        return self.spec.capacity - self.load

    @property
    def busy(self) -> bool:
        return self.load > 0


class _ContactRec:
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

    def __init__(self, spec: Contact, queue: _Queue, order: tuple) -> None:
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


class _AgentHeap:
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
    )

    def __init__(self, idx: int, qclass: QueueClass, selector: tuple) -> None:
        self.idx = idx
        self.qclass = qclass  # cascade left empty: brand, skills and cost are what matter
        self.selector = selector
        # one heap per free capacity: levels[f] holds (*policy key, agent id, agent version)
        # of agents with f free units, so a contact of cost c only looks at levels >= c
        self.levels: list[list[tuple]] = [[]]
        self.queues: list[_Queue] = []
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

    def admits(self, spec: Agent) -> bool:
        if not self.qclass.skills <= spec.skills:
            return False
        kind = self.selector[0]
        if kind is TierKind.CERTIFIED:
            return True
        if kind is TierKind.REGULAR:
            return self.qclass.brand in spec.regular_brands
        return self.selector[1] in spec.pools


class _Queue:
    __slots__ = (
        "idx",
        "qclass",
        "heap",
        "oldest",
        "tier_heaps",
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
        self.tier_heaps: list[_AgentHeap] = []
        self.waiting = 0
        self.simple = False  # one tier, open at once: every contact sees the same agents
        # route() found nobody for the queue's oldest contact (widest cascade): a newer
        # contact cannot do better until an agent frees up or a tier opens
        self.blocked = False
        self.blocked_since = math.inf
        self.timer_at = -math.inf  # when the pending tier timer of this queue fires


def _selector(tier: Tier) -> tuple:
    return (tier.kind, tier.pool) if tier.kind is TierKind.POOL else (tier.kind,)


class Router:
    """One routing core. Feed it agents and contacts (a snapshot, or events as they happen)
    and ask ``route(now)`` for the reservations to make.

    ``policy`` chooses among qualified agents (default :class:`LongestIdle`); ``order`` sorts
    waiting contacts (default :class:`DeadlinePriority`); ``accept_timeout`` is the time an agent
    has to accept an offer; ``cascades`` maps a brand to its cascade of tiers (default: every
    certified agent at once); ``away_after_timeouts=n`` puts an agent who let ``n`` offers in a
    row time out on BREAK (they are probably not really there; ``away_on_timeout=True`` is
    ``n=1``; 0 never). ``decline_cooldown``: seconds during which a contact is not offered again
    to an agent who declined it (or let it time out) unless nobody else qualified is available
    (default: for good). ``max_pending``: reservations an agent may hold not yet accepted
    (default: no limit); a pending reservation always holds its capacity.
    """

    def __init__(
        self,
        policy: AgentPolicy | None = None,
        *,
        order: QueueOrder | None = None,
        accept_timeout: float = 20.0,
        cascades: Mapping[str, Sequence[Tier]] | None = None,
        default_cascade: Sequence[Tier] = DEFAULT_CASCADE,
        away_on_timeout: bool = False,
        away_after_timeouts: int = 0,
        decline_cooldown: float = math.inf,
        max_pending: int | None = None,
    ) -> None:
        self.policy: AgentPolicy = policy or LongestIdle()
        self.order: QueueOrder = order or DeadlinePriority()
        self._per_queue = getattr(self.policy, "per_queue", True) is not False
        self.accept_timeout = accept_timeout
        self.cascades = {b: tuple(c) for b, c in (cascades or {}).items()}
        self.default_cascade = tuple(default_cascade)
        for cascade in (self.default_cascade, *self.cascades.values()):
            if not cascade:
                raise RoutingError("a cascade needs at least one tier")
        self.away_on_timeout = away_on_timeout
        if away_after_timeouts < 0 or decline_cooldown < 0 or (max_pending is not None and max_pending < 1):
            raise RoutingError("away_after_timeouts and decline_cooldown must be >= 0, max_pending >= 1")
        self.away_after_timeouts = away_after_timeouts or (1 if away_on_timeout else 0)
        self.decline_cooldown = decline_cooldown
        self.max_pending = max_pending
        self._max_pending = math.inf if max_pending is None else max_pending
        self._agents: dict[int, AgentStatus] = {}
        self._by_skill: dict[str, set[int]] = {}  # skill -> agents holding it
        self._contacts: dict[int, _ContactRec] = {}
        self._queues: dict[QueueClass, _Queue] = {}
        self._qcache: dict[tuple, _Queue] = {}  # (brand, contact skills, cost) -> queue
        self._queue_list: list[_Queue] = []
        self._heaps: dict[tuple, _AgentHeap] = {}
        self._heap_list: list[_AgentHeap] = []
        self._candidates: set[int] = set()
        self._timers: list[tuple[float, int]] = []
        self._expiry: list[tuple[float, int, int]] = []
        self._expiry_limit = 4096
        self._ver = itertools.count(1)  # agent versions, unique across the router's life
        self.decisions = 0

    # ------------------------------------------------------------------ snapshot
    @classmethod
    def from_snapshot(
        cls,
        *,
        agents: Iterable[Agent],
        contacts: Iterable[Contact],
        reservations: Iterable[Reservation] = (),
        now: float = 0.0,
        **options,
    ) -> Router:
        """A router rebuilt from stored state: agents, waiting contacts, live reservations.

        Contacts named in ``reservations`` must be among ``contacts``; their cost is added to
        the agent's load (so ``Agent.load`` must not count them already). Contacts already
        accepted and in service are not given: count them in ``Agent.load``. Stored
        reservations are trusted (see :meth:`restore`): the database is the source of truth.
        """
        router = cls(**options)
        router.add_agents(agents)
        router.add_contacts(contacts)
        for r in reservations:
            router.restore(r.contact_id, r.agent_id, now, expires_at=r.expires_at)
        return router

    def add_agents(self, agents: Iterable[Agent]) -> None:
        for agent in agents:
            self.add_agent(agent)

    def add_contacts(self, contacts: Iterable[Contact]) -> None:
        for contact in contacts:
            self.add_contact(contact)

    # ------------------------------------------------------------------ agents
    def add_agent(self, agent: Agent) -> None:
        if agent.id in self._agents:
            raise RoutingError(f"agent {agent.id} is already known")
        if agent.load > agent.capacity:
            raise RoutingError(f"agent {agent.id}: load {agent.load} over capacity")
        rec = AgentStatus(agent)
        rec.version = next(self._ver)
        self._agents[agent.id] = rec
        self._index(agent, add=True)
        self._join_heaps(rec)
        self._push_agent(rec)

    def update_agent(self, agent: Agent, now: float | None = None) -> list[int]:
        """Replace an agent's spec (skills, capacity, state, load...). Contacts the router holds
        for them stay with them if they still qualify, else are re-queued (ids returned)."""
        rec = self._get_agent(agent.id)
        self._leave_heaps(rec)
        self._index(rec.spec, add=False)
        self._index(agent, add=True)
        held = sorted(rec.contacts)
        requeued = []
        rec.spec = agent
        rec.handled = agent.handled
        rec.idle_since = agent.idle_since
        rec.load = agent.load
        rec.contacts = set()
        rec.state = agent.state
        rec.pending = 0
        for cid in held:
            crec = self._contacts[cid]
            ok = (
                crec.queue.qclass.skills <= agent.skills
                and agent.state is not _OFFLINE
                and (agent.state is _AVAILABLE or crec.state is _IN_SERVICE)
                and rec.load + crec.spec.cost <= agent.capacity
            )
            if ok:
                rec.load += crec.spec.cost
                rec.contacts.add(cid)
                rec.pending += crec.state is _RESERVED
            else:
                requeued.append(cid)
        for cid in requeued:
            self._requeue(self._contacts[cid], exclude=None, now=now or 0.0)
        rec.version = next(self._ver)
        self._join_heaps(rec)
        self._push_agent(rec)
        return requeued

    def remove_agent(self, agent_id: int, now: float = 0.0) -> list[int]:
        """The agent is gone (logged out, disconnected): every contact they held is re-queued
        in its old place. Returns the re-queued contact ids."""
        rec = self._get_agent(agent_id)
        requeued = self._drop_contacts_of(rec, reserved_only=False)
        self._leave_heaps(rec)
        self._index(rec.spec, add=False)
        del self._agents[agent_id]
        return requeued

    def set_agent_state(self, agent_id: int, state: AgentState, now: float) -> list[int]:
        """Change an agent's state. Leaving AVAILABLE re-queues offers not yet accepted; going
        OFFLINE also re-queues the contacts in service. Returns the re-queued contact ids."""
        rec = self._get_agent(agent_id)
        if state is rec.state:
            return []
        was_onshift = rec.state is not _OFFLINE
        rec.state = state
        requeued: list[int] = []
        if state is not _AVAILABLE:
            requeued = self._drop_contacts_of(rec, reserved_only=state is not _OFFLINE)
        elif rec.load == 0:
            rec.idle_since = now
        is_onshift = state is not _OFFLINE
        if was_onshift != is_onshift:
            delta = 1 if is_onshift else -1
            for h in rec.memberships:
                h.onshift += delta
        rec.version = next(self._ver)
        for h in rec.memberships:  # fall-through may have changed for these queues
            for q in h.queues:
                self._candidates.add(q.idx)
        self._push_agent(rec)
        return requeued

    # ------------------------------------------------------------------ contacts
    def add_contact(self, contact: Contact) -> None:
        cid = contact.id
        if cid in self._contacts:
            raise RoutingError(f"contact {cid} is already known")
        queue = self._qcache.get((contact.brand, contact.skills, contact.cost))
        if queue is None:
            queue = self._queue_for(contact)
        crec = _ContactRec(contact, queue, self.order.key(contact))
        self._contacts[cid] = crec
        q = queue
        if q.simple and q.waiting == 0 and not q.heap:  # as _enqueue, inlined: an empty queue
            crec.token = 1
            q.heap.append((crec.order, cid, 1))
            q.blocked = False
            q.waiting = 1
            self._candidates.add(q.idx)
            return
        self._enqueue(crec, fresh=True)

    def remove_contact(self, contact_id: int, now: float = 0.0) -> None:
        """The contact is gone (abandoned, handled elsewhere): forget it, freeing any agent."""
        crec = self._get_contact(contact_id)
        if crec.state is _WAITING:
            crec.queue.waiting -= 1
        else:
            self._release(crec, now)
        crec.token += 1
        del self._contacts[contact_id]

    # ------------------------------------------------------------------ decisions
    def route(self, now: float) -> list[Reservation]:
        """Make every reservation possible now, most urgent contact first, and return them.

        The reservations are applied inside the router at once (capacity held, contact out of
        its queue); the caller persists them and later reports accept/decline/timeout.
        """
        pairs = self._route(now)
        if not pairs:
            return []
        contacts = self._contacts
        out = []
        for cid, aid in pairs:
            c = contacts[cid]
            out.append(Reservation(cid, aid, c.spec.cost, c.reserved_at, c.expires_at))
        return out

    def route_pairs(self, now: float) -> list[tuple[int, int]]:
        """As :meth:`route`, the same decisions, returned as ``(contact_id, agent_id)`` pairs
        without building :class:`Reservation` objects (the simulator's way)."""
        return self._route(now)

    def _route(self, now: float) -> list[tuple[int, int]]:
        timers = self._timers
        cand = self._candidates
        while timers and timers[0][0] <= now:
            cand.add(heapq.heappop(timers)[1])
        if not cand:
            return []
        queues = self._queue_list
        made: list[tuple[int, int]] = []
        if len(cand) == 1:  # the common case live and in simulation: one queue changed
            q = queues[cand.pop()]
            if q.simple:
                counts = q.tier_heaps[0].counts
                cost = q.cost
                while q.waiting and any(counts[cost:]) and self._route_one(q, now, made):
                    pass
                return made
            route_one = self._route_one
            while q.waiting and route_one(q, now, made):
                pass
            return made
        self._candidates = set()
        # work: (key, queue) with a lower bound of the queue's head key (its heap's top entry,
        # perhaps stale); a popped queue whose true head is later goes back under that key, so
        # queues are served in the exact order of their heads without cleaning every heap
        work = []
        for qi in cand:
            q = queues[qi]
            q.blocked = False
            if not q.waiting or not q.heap:
                continue
            if q.simple and not any(q.tier_heaps[0].counts[q.cost :]):
                continue  # its one agent heap has nobody with room for it: nothing to do
            work.append((q.heap[0][0], qi))
        heapq.heapify(work)
        heappop = heapq.heappop
        heappush = heapq.heappush
        head_of = self._head
        route_one = self._route_one
        while work:
            key, qi = heappop(work)
            q = queues[qi]
            if q.simple and not any(q.tier_heaps[0].counts[q.cost :]):
                continue  # the same test: earlier decisions may have drained the heap
            head = head_of(q.heap)
            if head is None:
                continue
            if head.order is not key and head.order != key:
                heappush(work, (head.order, qi))
                continue
            if route_one(q, now, made) and q.heap:
                heappush(work, (q.heap[0][0], qi))
        return made

    def _route_one(self, q: _Queue, now: float, made: list[tuple[int, int]]) -> bool:
        """Reserve an agent for the most urgent contact of ``q`` (or, failing that, for its
        oldest, whose cascade is widest). False when nothing in ``q`` can be served now."""
        q.blocked = False
        heap = q.heap
        crec = None
        if heap:  # the head entry is live unless its contact was reserved or went away
            _, cid, token = heap[0]
            crec = self._contacts.get(cid)
            if crec is None or crec.token != token or crec.state is not _WAITING:
                crec = self._head(heap)
        if crec is None:
            return False
        if q.simple and not crec.excluded:  # one agent heap, nobody to set aside
            h = q.tier_heaps[0]
            best, lst = self._best_in(h, crec.spec.cost)
            if best is None:
                q.blocked = True
                q.blocked_since = crec.spec.arrival
                return False
            heapq.heappop(heap)  # the contact's entry (the head): it leaves the queue
            arec = self._agents[best[-2]]
            self._reserve(crec, arec, now, now + self.accept_timeout)
            made.append((crec.spec.id, arec.spec.id))
            heapq.heappop(lst)  # the agent's entry (the top): re-keyed here at once
            if (arec.state is _AVAILABLE and arec.spec.capacity > arec.load
                    and arec.pending < self._max_pending):
                self._push_one(arec, h)
            return True
        arec, nxt = self._match(crec, q, now)
        if arec is None:
            old = None if q.simple else self._head(q.oldest)  # simple: all see the same agents
            if old is not None and old is not crec:
                crec = old
                arec, nxt = self._match(crec, q, now)
            if arec is None:
                q.blocked = True
                q.blocked_since = crec.spec.arrival
                if nxt < math.inf and not (now < q.timer_at <= nxt):  # one timer is enough
                    q.timer_at = nxt
                    heapq.heappush(self._timers, (nxt, q.idx))
                return False
        self._reserve(crec, arec, now, now + self.accept_timeout)
        made.append((crec.spec.id, arec.spec.id))
        return True

    def next_wakeup(self) -> float:
        """When a cascade tier next opens for a waiting contact (``inf`` if none is due): call
        ``route`` then even if nothing else happened."""
        return self._timers[0][0] if self._timers else math.inf

    def reserve(
        self, contact_id: int, agent_id: int, now: float, *, expires_at: float | None = None
    ) -> Reservation:
        """Apply a reservation decided elsewhere (e.g. restored from the database)."""
        crec = self._get_contact(contact_id)
        arec = self._get_agent(agent_id)
        if crec.state is not _WAITING:
            raise RoutingError(f"contact {contact_id} is not waiting")
        if arec.state is not _AVAILABLE:
            raise RoutingError(f"agent {agent_id} is not available")
        if not crec.queue.qclass.skills <= arec.spec.skills:
            raise RoutingError(f"agent {agent_id} lacks a skill contact {contact_id} needs")
        if arec.free < crec.spec.cost:
            raise RoutingError(f"agent {agent_id} has not the capacity for contact {contact_id}")
        exp = now + self.accept_timeout if expires_at is None else expires_at
        self._reserve(crec, arec, now, exp)
        return Reservation(contact_id, agent_id, crec.spec.cost, now, exp)

    def restore(
        self, contact_id: int, agent_id: int, now: float, *, expires_at: float | None = None
    ) -> Reservation:
        """Record a reservation that already exists in storage, without judging it: the agent
        may have gone on break or lost a skill since. Its capacity is held; the router makes
        no new offer that would exceed it. Unknown ids still raise :class:`RoutingError`."""
        crec = self._get_contact(contact_id)
        arec = self._get_agent(agent_id)
        if crec.state is not _WAITING:
            raise RoutingError(f"contact {contact_id} is not waiting")
        exp = now + self.accept_timeout if expires_at is None else expires_at
        self._reserve(crec, arec, now, exp)
        return Reservation(contact_id, agent_id, crec.spec.cost, now, exp)

    def accept(self, contact_id: int, now: float) -> None:
        crec = self._get_contact(contact_id)
        if crec.state is not _RESERVED:
            raise RoutingError(f"contact {contact_id} is not reserved")
        crec.state = _IN_SERVICE
        crec.expires_at = math.inf
        arec = self._agents.get(crec.agent)
        if arec is not None:
            arec.missed = 0
            arec.pending -= 1
            if arec.pending + 1 >= self._max_pending:  # room for another offer again
                arec.version = next(self._ver)
                self._push_agent(arec)

    def decline(self, contact_id: int, now: float) -> None:
        """The agent said no: capacity freed, contact back in its place, the agent set aside
        for the cool-down (offered it again only if nobody else qualified is available)."""
        crec = self._get_contact(contact_id)
        if crec.state is not _RESERVED:
            raise RoutingError(f"contact {contact_id} is not reserved")
        agent_id = crec.agent
        self._release(crec, now)
        self._requeue(crec, exclude=agent_id, now=now)

    def set_aside(self, contact_id: int, agent_id: int, *, until: float) -> None:
        """Do not offer the contact to the agent before ``until`` unless nobody else qualified
        is available (a decline read back from storage)."""
        crec = self._get_contact(contact_id)
        if until > crec.excluded.get(agent_id, -math.inf):
            crec.excluded[agent_id] = until

    def timeout(self, contact_id: int, now: float) -> list[int]:
        """The offer was not answered in time: as a decline; after ``away_after_timeouts``
        in a row the agent is put on BREAK. Returns the contacts re-queued by that (the other
        offers the agent held), not this one."""
        crec = self._get_contact(contact_id)
        agent_id = crec.agent
        self.decline(contact_id, now)
        rec = self._agents.get(agent_id)
        if rec is None:
            return []
        rec.missed += 1
        if self.away_after_timeouts and rec.missed >= self.away_after_timeouts:
            rec.missed = 0
            return self.set_agent_state(agent_id, AgentState.BREAK, now)
        return []

    def expire(self, now: float) -> list[Reservation]:
        """Time out every reservation whose accept deadline has passed; return them."""
        out = []
        exp = self._expiry
        while exp and exp[0][0] <= now:
            t, cid, token = heapq.heappop(exp)
            crec = self._contacts.get(cid)
            if crec is None or crec.token != token or crec.state is not _RESERVED:
                continue
            out.append(Reservation(cid, crec.agent, crec.spec.cost, crec.reserved_at, t))
            self.timeout(cid, now)
        return out

    def complete(self, contact_id: int, now: float) -> None:
        """The agent is done with the contact (wrap-up included): capacity freed, contact gone."""
        crec = self._contacts.get(contact_id)
        if crec is None:
            raise RoutingError(f"unknown contact {contact_id}")
        if crec.state is _WAITING:
            raise RoutingError(f"contact {contact_id} was never reserved")
        arec = self._agents.get(crec.agent)
        crec.token += 1
        del self._contacts[contact_id]
        crec.agent = None
        crec.expires_at = math.inf
        if arec is not None:  # as _release, inlined: the simulator's most frequent event
            if crec.state is _RESERVED:
                arec.pending -= 1
            arec.handled += 1
            arec.load -= crec.spec.cost
            arec.contacts.discard(contact_id)
            arec.version = next(self._ver)
            if arec.load == 0:
                arec.idle_since = now
            self._push_agent(arec)

    # ------------------------------------------------------------------ reading
    def agent(self, agent_id: int) -> AgentStatus:
        return self._get_agent(agent_id)

    def agents(self) -> Iterable[AgentStatus]:
        return self._agents.values()

    def contact_state(self, contact_id: int) -> ContactState | None:
        crec = self._contacts.get(contact_id)
        return None if crec is None else crec.state

    def contact(self, contact_id: int) -> Contact:
        return self._get_contact(contact_id).spec

    def agent_of(self, contact_id: int) -> int | None:
        return self._get_contact(contact_id).agent

    def excluded(self, contact_id: int) -> frozenset[int]:
        return frozenset(self._get_contact(contact_id).excluded)

    def reservations(self) -> list[Reservation]:
        return [
            Reservation(cid, c.agent, c.spec.cost, c.reserved_at, c.expires_at)
            for cid, c in self._contacts.items()
            if c.state is _RESERVED
        ]

    @property
    def waiting_count(self) -> int:
        return sum(q.waiting for q in self._queue_list)

    def waiting_ids(self) -> list[int]:
        return [cid for cid, c in self._contacts.items() if c.state is _WAITING]

    def check(self) -> None:
        """Assert every invariant by a full scan (tests, debugging): O(agents + contacts)."""
        loads = {aid: a.spec.load for aid, a in self._agents.items()}
        for cid, c in self._contacts.items():
            if c.state is _WAITING:
                assert c.agent is None, cid
                continue
            a = self._agents[c.agent]
            assert cid in a.contacts, (cid, c.agent)
            assert c.queue.qclass.skills <= a.spec.skills, (cid, c.agent)
            loads[c.agent] += c.spec.cost
        for aid, a in self._agents.items():
            assert a.load == loads[aid], (aid, a.load, loads[aid])
            assert a.load <= a.spec.capacity, aid
        for q in self._queue_list:
            n = sum(1 for c in self._contacts.values() if c.queue is q and c.state is _WAITING)
            assert n == q.waiting, (q.qclass, n, q.waiting)
        counts = {h.idx: [0] * len(h.counts) for h in self._heap_list}
        for aid, a in self._agents.items():
            free = a.spec.capacity - a.load if a.state is _AVAILABLE else 0
            pending = sum(1 for c in a.contacts if self._contacts[c].state is _RESERVED)
            assert a.pending == pending, (aid, a.pending, pending)
            if pending >= self._max_pending:
                free = 0
            assert a.counted == max(free, 0), (aid, a.counted, free)
            for h in a.memberships:
                if a.counted:
                    counts[h.idx][a.counted] += 1
        for h in self._heap_list:
            assert h.counts == counts[h.idx], (h.qclass, h.counts, counts[h.idx])

    # ------------------------------------------------------------------ internals
    def _get_agent(self, agent_id: int) -> AgentStatus:
        try:
            return self._agents[agent_id]
        except KeyError:
            raise RoutingError(f"unknown agent {agent_id}") from None

    def _get_contact(self, contact_id: int) -> _ContactRec:
        try:
            return self._contacts[contact_id]
        except KeyError:
            raise RoutingError(f"unknown contact {contact_id}") from None

    def _queue_for(self, contact: Contact) -> _Queue:
        cascade = self.cascades.get(contact.brand, self.default_cascade)
        qclass = QueueClass(contact.brand, contact.required_skills, contact.cost, cascade)
        q = self._queues.get(qclass)
        if q is None:
            q = _Queue(len(self._queue_list), qclass)
            self._queues[qclass] = q
            self._queue_list.append(q)
            seen = set()
            for tier in cascade:
                h = self._heap_for(qclass, _selector(tier))
                q.tier_heaps.append(h)
                if h.idx not in seen:
                    h.queues.append(q)
                    seen.add(h.idx)
            q.simple = len(cascade) == 1 and cascade[0].after == 0
        self._qcache[(contact.brand, contact.skills, contact.cost)] = q
        return q

    def _heap_for(self, qclass: QueueClass, selector: tuple) -> _AgentHeap:
        key = (qclass.brand, qclass.skills, selector)  # shared by every cost
        h = self._heaps.get(key)
        if h is None:
            h = _AgentHeap(
                len(self._heap_list), QueueClass(qclass.brand, qclass.skills, 0, ()), selector
            )
            self._heaps[key] = h
            self._heap_list.append(h)
            for rec in self._holders(qclass.skills):
                if h.admits(rec.spec):
                    self._join(rec, h)
                    if rec.state is _AVAILABLE and rec.free > 0:
                        self._push_one(rec, h)
        return h

    def _index(self, spec: Agent, *, add: bool) -> None:
        by_skill = self._by_skill
        for skill in spec.skills:
            if add:
                by_skill.setdefault(skill, set()).add(spec.id)
            else:
                holders = by_skill.get(skill)
                if holders is not None:
                    holders.discard(spec.id)

    def _holders(self, skills: frozenset[str]) -> Iterable[AgentStatus]:
        """Agents who may hold every skill of ``skills``: those holding its rarest one."""
        if not skills:
            return list(self._agents.values())
        by_skill = self._by_skill
        rarest = min((by_skill.get(s, ()) for s in skills), key=len)
        agents = self._agents
        return [agents[a] for a in sorted(rarest)]

    def _join(self, rec: AgentStatus, h: _AgentHeap) -> None:
        # levels and counts reach every member's capacity: no length checks on the hot paths
        counts = h.counts
        while len(counts) <= max(rec.spec.capacity, rec.counted):  # counted may be stale here
            counts.append(0)
        while len(h.levels) <= rec.spec.capacity:
            h.levels.append([])
        if rec.counted:
            counts[rec.counted] += 1
        rec.memberships.append(h)
        rec.member_idx.add(h.idx)
        h.members += 1
        if rec.state is not _OFFLINE:
            h.onshift += 1

    def _join_heaps(self, rec: AgentStatus) -> None:
        for h in self._heap_list:
            if h.admits(rec.spec):
                self._join(rec, h)

    def _leave_heaps(self, rec: AgentStatus) -> None:
        onshift = rec.state is not _OFFLINE
        counted = rec.counted
        for h in rec.memberships:
            if counted:
                h.counts[counted] -= 1
            h.members -= 1
            if onshift:
                h.onshift -= 1
            for q in h.queues:  # fall-through may open a tier now
                self._candidates.add(q.idx)
        rec.memberships = []
        rec.member_idx = set()
        rec.pushed = {}
        rec.version = next(self._ver)

    def _push_one(self, rec: AgentStatus, h: _AgentHeap) -> None:
        # flat tuples compare faster than nested ones: (*policy key, agent id, version)
        heapq.heappush(
            h.levels[rec.spec.capacity - rec.load],
            (*self.policy.key(rec, h.qclass), rec.spec.id, rec.version),
        )
        h.pushes += 1
        rec.pushed[h.idx] = rec.version

    def _recount(self, rec: AgentStatus) -> None:
        """Move the agent to its current level in the ``counts`` of its heaps."""
        new = rec.spec.capacity - rec.load if rec.state is _AVAILABLE else 0
        if new < 0 or rec.pending >= self._max_pending:
            new = 0
        old = rec.counted
        if new == old:
            return
        rec.counted = new
        for h in rec.memberships:
            counts = h.counts
            if old:
                counts[old] -= 1
            if new:
                counts[new] += 1

    def _push_agent(self, rec: AgentStatus) -> None:
        """Eager: put the agent, with a fresh key, in every heap it belongs to."""
        free = rec.spec.capacity - rec.load
        if rec.state is not _AVAILABLE or free < 0 or rec.pending >= self._max_pending:
            free = 0
        old = rec.counted
        if free != old:  # as _recount, inlined
            rec.counted = free
            for h in rec.memberships:
                counts = h.counts
                if old:
                    counts[old] -= 1
                if free:
                    counts[free] += 1
        if not free:
            return
        cand = self._candidates
        aid = rec.spec.id
        version = rec.version
        pushed = rec.pushed
        policy_key = self.policy.key
        key = None if self._per_queue else (*policy_key(rec, None), aid, version)
        heappush = heapq.heappush
        for h in rec.memberships:
            levels = h.levels
            if len(levels[free]) > 8 * h.members + 64:
                self._compact(h)
            heappush(levels[free], key or (*policy_key(rec, h.qclass), aid, version))
            h.pushes += 1
            pushed[h.idx] = version
            for q in h.queues:
                # an empty queue has nothing to route (an arrival marks it), and a queue whose
                # contacts need more room than the agent has is not helped by them
                if q.waiting and q.cost <= free:
                    cand.add(q.idx)

    def _compact(self, h: _AgentHeap) -> None:
        """Drop stale entries; an agent waiting for its lazy re-key is re-keyed now."""
        agents = self._agents
        old = [lst[:] for lst in h.levels]
        for lst in h.levels:  # in place: callers may hold a level list
            lst.clear()
        h.pushes += 1
        redo = []
        for lst in old:
            for e in lst:
                rec = agents.get(e[-2])
                if rec is None:
                    continue
                if rec.version == e[-1]:
                    if rec.pushed.get(h.idx) == e[-1]:
                        h.levels[rec.spec.capacity - rec.load].append(e)
                elif (
                    rec.pushed.get(h.idx) != rec.version
                    and rec.state is _AVAILABLE
                    and rec.spec.capacity > rec.load
                    and rec.pending < self._max_pending
                    and h.idx in rec.member_idx
                ):
                    redo.append(rec)
        for lst in h.levels:
            heapq.heapify(lst)
        for rec in redo:
            if rec.pushed.get(h.idx) != rec.version:
                self._push_one(rec, h)

    def _clean_top(self, h: _AgentHeap, lst: list[tuple]) -> tuple | None:
        """The live top of one level heap (stale entries dropped, lazily re-keyed agents
        pushed again, at their current level, which is lower: a reservation lowered it)."""
        agents = self._agents
        while lst:
            top = lst[0]
            rec = agents.get(top[-2])
            if rec is not None and rec.version == top[-1]:
                return top
            heapq.heappop(lst)
            if (
                rec is None
                or rec.state is not _AVAILABLE
                or rec.spec.capacity <= rec.load
                or rec.pending >= self._max_pending
                or h.idx not in rec.member_idx
                or rec.pushed.get(h.idx) == rec.version
            ):
                continue
            self._push_one(rec, h)  # lazy re-key after a reservation (key only got worse)
        return None

    def _best_in(self, h: _AgentHeap, cost: int) -> tuple[tuple | None, list[tuple] | None]:
        """The best live entry of ``h`` among agents with at least ``cost`` free units, and
        the level heap holding it. Levels are cleaned from the top down: a lazy re-key only
        moves an agent to a lower level, which is looked at afterwards."""
        if h.dry_at == h.pushes and cost >= h.dry_cost:
            return None, None
        levels = h.levels
        agents = self._agents
        best = None
        best_lst = None
        for f in range(len(levels) - 1, cost - 1, -1):
            lst = levels[f]
            if lst:
                top = lst[0]
                rec = agents.get(top[-2])
                if rec is None or rec.version != top[-1]:
                    top = self._clean_top(h, lst)
                    if top is None:
                        continue
                if best is None or top < best:
                    best, best_lst = top, lst
        if best is None and (h.dry_at != h.pushes or cost < h.dry_cost):
            h.dry_at = h.pushes
            h.dry_cost = cost
        return best, best_lst

    def _open_heaps(self, q: _Queue, arrival: float, now: float) -> tuple[list[_AgentHeap], float]:
        """The agent heaps of the tiers open for a contact that arrived at ``arrival``, and the
        time the next tier opens. Compared in absolute time, so a timer set for that time
        always finds the tier open (no float round-off loop)."""
        tiers = q.qclass.cascade
        heaps = q.tier_heaps
        opened: list[_AgentHeap] = []
        opens_at = tiers[0].after
        for i, tier in enumerate(tiers):
            if i and heaps[i - 1].onshift:  # else nobody on shift there: fall through
                opens_at = max(opens_at, tier.after)
            if opens_at > 0 and arrival + opens_at > now:
                return opened, arrival + opens_at
            h = heaps[i]
            if h not in opened:
                opened.append(h)
        return opened, math.inf

    def _match(self, crec: _ContactRec, q: _Queue, now: float) -> tuple[AgentStatus | None, float]:
        excluded = crec.excluded
        if excluded:  # a cool-down over: the agent is a candidate like any other again
            for aid, until in list(excluded.items()):
                if until <= now:
                    del excluded[aid]
        cost = crec.spec.cost
        agents = self._agents
        if q.simple:
            heaps = q.tier_heaps
            nxt = math.inf
            if not excluded:  # the common case: the best agent of the one heap with room
                best, _ = self._best_in(heaps[0], cost)
                return (None if best is None else agents[best[-2]]), nxt
        else:
            heaps, nxt = self._open_heaps(q, crec.spec.arrival, now)
            if not heaps:
                return None, nxt
        popped: list[tuple[_AgentHeap, list[tuple], tuple]] = []
        fallback = None
        chosen = None
        while True:
            best = None
            best_lst = None
            best_h = None
            for h in heaps:
                top, lst = self._best_in(h, cost)
                if top is not None and (best is None or top < best):
                    best, best_lst, best_h = top, lst, h
            if best is None:
                break
            aid = best[-2]
            if aid not in excluded:
                chosen = aid
                break
            if fallback is None:
                fallback = aid
            # set aside (declined it before): offered again only if nobody else qualifies
            popped.append((best_h, best_lst, heapq.heappop(best_lst)))
        for h, lst, e in popped:
            heapq.heappush(lst, e)
            h.pushes += 1  # it was set aside: what _best_in saw meanwhile was not the heap
        if chosen is None:
            chosen = fallback  # nobody else qualifies: offer again to someone who said no
        if chosen is None:
            return None, nxt
        return agents[chosen], nxt

    def _head(self, heap: list[tuple]) -> _ContactRec | None:
        contacts = self._contacts
        while heap:
            _, cid, token = heap[0]
            crec = contacts.get(cid)
            if crec is not None and crec.token == token and crec.state is _WAITING:
                return crec
            heapq.heappop(heap)
        return None

    def _enqueue(self, crec: _ContactRec, *, fresh: bool = False) -> None:
        q = crec.queue
        crec.token += 1
        crec.state = _WAITING
        crec.agent = None
        tok = crec.token
        cid = crec.spec.id
        if len(q.heap) > 4 * q.waiting + 64:
            q.heap = [e for e in q.heap if self._live_entry(e)]
            heapq.heapify(q.heap)
            q.oldest = [e for e in q.oldest if self._live_entry(e)]
            heapq.heapify(q.oldest)
        heapq.heappush(q.heap, (crec.order, cid, tok))
        if not q.simple:
            heapq.heappush(q.oldest, (crec.spec.arrival, cid, tok))
        if not q.waiting:
            q.blocked = False
        q.waiting += 1
        if not (fresh and q.blocked and crec.spec.arrival >= q.blocked_since):
            self._candidates.add(q.idx)

    def _reserved_entry(self, e: tuple) -> bool:
        crec = self._contacts.get(e[1])
        return crec is not None and crec.token == e[2] and crec.state is _RESERVED

    def _live_entry(self, e: tuple) -> bool:
        crec = self._contacts.get(e[1])
        return crec is not None and crec.token == e[2] and crec.state is _WAITING

    def _reserve(self, crec: _ContactRec, arec: AgentStatus, now: float, expires_at: float) -> None:
        cost = crec.spec.cost
        load = arec.load = arec.load + cost
        arec.pending += 1
        arec.version = next(self._ver)  # entries re-keyed lazily: the key only got worse
        arec.contacts.add(crec.spec.id)
        old = arec.counted
        if old:  # as _recount, inlined: the agent had room, and has less now
            new = arec.spec.capacity - load
            if new < 0 or arec.state is not _AVAILABLE or arec.pending >= self._max_pending:
                new = 0
            arec.counted = new
            for h in arec.memberships:
                counts = h.counts
                counts[old] -= 1
                if new:
                    counts[new] += 1
        else:
            self._recount(arec)
        crec.queue.waiting -= 1
        crec.token += 1
        crec.state = _RESERVED
        crec.agent = arec.spec.id
        crec.reserved_at = now
        crec.expires_at = expires_at
        if expires_at < math.inf:
            exp = self._expiry
            if len(exp) > self._expiry_limit:  # drop offers long since answered
                exp[:] = [e for e in exp if self._reserved_entry(e)]
                heapq.heapify(exp)
                self._expiry_limit = max(4096, 4 * len(exp))
            heapq.heappush(exp, (expires_at, crec.spec.id, crec.token))
        self.decisions += 1

    def _release(self, crec: _ContactRec, now: float) -> None:
        arec = self._agents.get(crec.agent)
        crec.agent = None
        crec.expires_at = math.inf
        if arec is None:
            return
        if crec.state is _RESERVED:
            arec.pending -= 1
        arec.load -= crec.spec.cost
        arec.contacts.discard(crec.spec.id)
        arec.version = next(self._ver)
        if arec.load == 0:
            arec.idle_since = now
        self._push_agent(arec)

    def _requeue(self, crec: _ContactRec, *, exclude: int | None, now: float) -> None:
        if exclude is not None:
            crec.excluded[exclude] = now + self.decline_cooldown
        self._enqueue(crec)

    def _drop_contacts_of(self, rec: AgentStatus, *, reserved_only: bool) -> list[int]:
        out = []
        for cid in sorted(rec.contacts):
            crec = self._contacts[cid]
            if reserved_only and crec.state is not _RESERVED:
                continue
            out.append(cid)
        for cid in out:
            crec = self._contacts[cid]
            if crec.state is _RESERVED:
                rec.pending -= 1
            rec.load -= crec.spec.cost
            rec.contacts.discard(cid)
            crec.agent = None
            self._requeue(crec, exclude=None, now=0.0)
        if out:
            rec.version = next(self._ver)
            self._recount(rec)
        return out
