"""The routing core: the :class:`Router`, its events and the offer lifecycle.

The router is assembled from one module per idea: :mod:`.records` (its mutable bookkeeping),
:mod:`.indexes` (who can take what: agent heaps per skill class and free capacity),
:mod:`.holding` (a contact's place in its queue, an agent's reserved capacity) and
:mod:`.matching` (the decisions of ``route``), each class the base of the next. This module holds what callers use: building a
router, telling it about agents and contacts, and the lifecycle of an offer (reserve, accept,
decline, timeout, expire, complete).

A decision costs a few heap operations (O(log n)) per skill class the chosen agent serves
plus the number of open tiers, whatever the number of waiting contacts and of agents.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

from roadie.engine.routing.lifecycle import (
    TRANSITIONS,
    WITHDRAWN_ON,
    ContactFate,
    OfferEvent,
    OfferState,
    Transition,
    count_answer,
    idle_again,
    transition,
)
from roadie.engine.routing.matching import Matching
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
)
from roadie.engine.routing.policies import AgentPolicy, DeadlinePriority, LongestIdle, QueueOrder
from roadie.engine.routing.records import (
    _AVAILABLE,
    _IN_SERVICE,
    _OFFLINE,
    _RESERVED,
    _WAITING,
    AgentHeap,
    AgentStatus,
    ContactRec,
    Queue,
)

__all__ = ["AgentStatus", "Router"]

# The offer a contact held by the core stands for (a waiting contact has none running).
_OFFER_STATE = {ContactState.RESERVED: OfferState.OFFERED, ContactState.IN_SERVICE: OfferState.ACCEPTED}
_ACCEPT, _DECLINE, _TIMEOUT = OfferEvent.ACCEPT, OfferEvent.DECLINE, OfferEvent.TIMEOUT
_WITHDRAW, _COMPLETE = OfferEvent.WITHDRAW, OfferEvent.COMPLETE
_REQUEUED = ContactFate.REQUEUED
_ACCEPT_ANSWER = TRANSITIONS[_ACCEPT].answer


class Router(Matching):
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
        self._contacts: dict[int, ContactRec] = {}
        self._queues: dict[QueueClass, Queue] = {}
        self._qcache: dict[tuple, Queue] = {}  # (brand, contact skills, cost) -> queue
        self._queue_list: list[Queue] = []
        self._heaps: dict[tuple, AgentHeap] = {}
        self._heap_list: list[AgentHeap] = []
        self._candidates: set[int] = set()
        # agents with room for an offer now (``counted`` > 0): with none, route() stops early
        self._with_room = 0
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
        rec.reset_channels(agent)
        limits = agent.channel_limits
        for cid in held:
            crec = self._contacts[cid]
            channel = crec.spec.channel
            ok = (
                crec.queue.qclass.skills <= agent.skills
                and agent.state is not _OFFLINE
                and (agent.state is _AVAILABLE or crec.state is _IN_SERVICE)
                and rec.load + crec.spec.cost <= agent.capacity
                and (not limits or rec.held.get(channel, 0) < limits.get(channel, math.inf))
            )
            if ok:
                rec.load += crec.spec.cost
                rec.contacts.add(cid)
                rec.pending += crec.state is _RESERVED
                if limits:
                    rec.held[channel] = n = rec.held.get(channel, 0) + 1
                    if n >= limits.get(channel, math.inf):
                        rec.closed.add(channel)
            else:
                requeued.append(cid)
        withdraw = TRANSITIONS[_WITHDRAW]  # their offers withdrawn: back in their place
        for cid in requeued:
            self._requeue(self._contacts[cid], exclude=agent.id if withdraw.sets_aside else None, now=now or 0.0)
        rec.version = next(self._ver)
        self._join_heaps(rec)
        self._push_agent(rec)
        return requeued

    def remove_agent(self, agent_id: int, now: float = 0.0) -> list[int]:
        """The agent is gone (logged out, disconnected): every contact they held is re-queued
        in its old place (as going offline). Returns the re-queued contact ids."""
        rec = self._get_agent(agent_id)
        requeued = self._drop_contacts_of(
            rec, reserved_only=OfferState.ACCEPTED not in WITHDRAWN_ON[AgentState.OFFLINE], now=now)
        if rec.counted:
            self._with_room -= 1
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
        withdrawn = WITHDRAWN_ON[state]  # the offers the new state withdraws
        if withdrawn:
            requeued = self._drop_contacts_of(rec, reserved_only=OfferState.ACCEPTED not in withdrawn, now=now)
        elif idle_again(rec.load):  # back with nothing in hand: idle from now
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
        queue = self._qcache.get((contact.brand, contact.skills, contact.cost, contact.channel))
        if queue is None:
            queue = self._queue_for(contact)
        crec = ContactRec(contact, queue, self.order.key(contact))
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
        if crec.spec.channel in arec.closed:
            raise RoutingError(f"agent {agent_id} is at their {crec.spec.channel} limit")
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

    # The lifecycle of an offer: each method applies its transition of
    # :data:`roadie.engine.routing.lifecycle.TRANSITIONS` (where the contact goes, whether the
    # agent is set aside, how it counts in the agent's run of unanswered offers).
    def _transition(self, crec: ContactRec, event: OfferEvent) -> Transition:
        t = TRANSITIONS[event]
        if _OFFER_STATE.get(crec.state) not in t.source:  # (the message built only then)
            transition(_OFFER_STATE.get(crec.state), event, of=f"contact {crec.spec.id}")
        return t

    def accept(self, contact_id: int, now: float) -> None:
        crec = self._get_contact(contact_id)
        if crec.state is not _RESERVED:  # (the transition's check, inlined: the simulator's hot path)
            self._transition(crec, _ACCEPT)
        crec.state = _IN_SERVICE
        crec.expires_at = math.inf
        arec = self._agents.get(crec.agent)
        if arec is not None:
            if arec.missed:  # an answer: the run of unanswered offers starts again (the table's)
                arec.missed = count_answer(arec.missed, _ACCEPT_ANSWER, self.away_after_timeouts)[0]
            arec.pending -= 1
            if arec.pending + 1 >= self._max_pending:  # room for another offer again
                arec.version = next(self._ver)
                self._push_agent(arec)

    def decline(self, contact_id: int, now: float) -> None:
        """The agent said no: capacity freed, contact back in its place, the agent set aside
        for the cool-down (offered it again only if nobody else qualified is available)."""
        self._end(contact_id, _DECLINE, now)

    def release(self, contact_id: int, now: float) -> None:
        """The reservation or the service ended with no verdict on the contact (the agent
        left, a supervisor moved it, the offer could not be persisted): capacity freed,
        contact back in its place, nobody set aside."""
        self._end(contact_id, _WITHDRAW, now)

    def timeout(self, contact_id: int, now: float) -> list[int]:
        """The offer was not answered in time: as a decline; after ``away_after_timeouts``
        in a row the agent is put on BREAK. Returns the contacts re-queued by that (the other
        offers the agent held), not this one."""
        return self._end(contact_id, _TIMEOUT, now)

    def _end(self, contact_id: int, event: OfferEvent, now: float) -> list[int]:
        """End the contact's offer by ``event``, as its transition says. Returns the contacts
        re-queued by the agent going away (when the event puts them away)."""
        crec = self._get_contact(contact_id)
        t = self._transition(crec, event)
        agent_id = crec.agent
        if t.frees_capacity:
            self._release(crec, now)
        if t.contact is _REQUEUED:
            self._requeue(crec, exclude=agent_id if t.sets_aside else None, now=now)
        rec = self._agents.get(agent_id)
        if rec is None:
            return []
        rec.missed, away = count_answer(rec.missed, t.answer, self.away_after_timeouts)
        if away:
            return self.set_agent_state(agent_id, AgentState.BREAK, now)
        return []

    def set_aside(self, contact_id: int, agent_id: int, *, until: float) -> None:
        """Do not offer the contact to the agent before ``until`` unless nobody else qualified
        is available (a decline read back from storage)."""
        crec = self._get_contact(contact_id)
        if until > crec.excluded.get(agent_id, -math.inf):
            crec.excluded[agent_id] = until

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
        if crec.state is _WAITING:  # (the transition's check, inlined: no offer is running)
            self._transition(crec, _COMPLETE)
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
            if arec.limits is not None:
                self._hold_channel(arec, crec.spec.channel, -1)
            arec.version = next(self._ver)
            if idle_again(arec.load):
                arec.idle_since = now
            self._push_agent(arec)

    def set_idle_since(self, agent_id: int, idle_since: float) -> None:
        """The agent's idle time as storage has it (read back by a dispatcher fed events)."""
        rec = self._get_agent(agent_id)
        if rec.idle_since != idle_since:
            rec.idle_since = idle_since
            rec.version = next(self._ver)
            self._push_agent(rec)

    def set_missed(self, agent_id: int, missed: int) -> None:
        """Offers the agent let time out in a row, carried over from an earlier core."""
        if missed < 0:
            raise RoutingError("missed must be >= 0")
        self._get_agent(agent_id).missed = missed

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

    def excluded(self, contact_id: int, *, now: float = -math.inf) -> frozenset[int]:
        """The agents the contact is set aside from (those still set aside after ``now``)."""
        return frozenset(a for a, until in self._get_contact(contact_id).excluded.items() if until > now)

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
        held = {aid: dict(a.spec.channel_load) for aid, a in self._agents.items()}
        for cid, c in self._contacts.items():
            if c.state is _WAITING:
                assert c.agent is None, cid
                continue
            a = self._agents[c.agent]
            assert cid in a.contacts, (cid, c.agent)
            assert c.queue.qclass.skills <= a.spec.skills, (cid, c.agent)
            loads[c.agent] += c.spec.cost
            ch = held[c.agent]
            ch[c.spec.channel] = ch.get(c.spec.channel, 0) + 1
        for aid, a in self._agents.items():
            assert a.load == loads[aid], (aid, a.load, loads[aid])
            assert a.load <= a.spec.capacity, aid
            limits = a.spec.channel_limits
            if limits:
                assert {k: n for k, n in a.held.items() if n} == held[aid], (aid, a.held, held[aid])
                assert a.closed == {k for k, n in limits.items() if held[aid].get(k, 0) >= n}, aid
            else:
                assert a.limits is None and not a.closed, aid
        for q in self._queue_list:
            n = sum(1 for c in self._contacts.values() if c.queue is q and c.state is _WAITING)
            assert n == q.waiting, (q.qclass, n, q.waiting)
        assert self._with_room == sum(1 for a in self._agents.values() if a.counted), self._with_room
        counts = {h.idx: [0] * len(h.counts) for h in self._heap_list}
        for aid, a in self._agents.items():
            free = a.spec.capacity - a.load if a.state is _AVAILABLE else 0
            pending = sum(1 for c in a.contacts if self._contacts[c].state is _RESERVED)
            assert a.pending == pending, (aid, a.pending, pending)
            if pending >= self._max_pending:
                free = 0
            assert a.counted == max(free, 0), (aid, a.counted, free)
            for h in a.memberships:
                if a.counted and h.channel not in a.closed:
                    counts[h.idx][a.counted] += 1
        for h in self._heap_list:
            assert h.counts == counts[h.idx], (h.qclass, h.counts, counts[h.idx])
            for level in h.levels:  # a current entry is an agent who can take an offer now
                assert level == sorted(level), (h.qclass, "a level heap out of order")
                for e in level:
                    a = self._agents.get(e[-2])
                    if a is not None and a.version == e[-1]:
                        assert a.state is _AVAILABLE and a.free > 0, (h.qclass, e)
                        assert a.pending < self._max_pending, (h.qclass, e)
                        assert h.channel not in a.closed, (h.qclass, e)

    # ------------------------------------------------------------------ internals
    def _get_agent(self, agent_id: int) -> AgentStatus:
        try:
            return self._agents[agent_id]
        except KeyError:
            raise RoutingError(f"unknown agent {agent_id}") from None

    def _get_contact(self, contact_id: int) -> ContactRec:
        try:
            return self._contacts[contact_id]
        except KeyError:
            raise RoutingError(f"unknown contact {contact_id}") from None
