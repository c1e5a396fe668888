"""Holding and releasing: a contact's place in its queue and an agent's reserved capacity.

Contacts are grouped into queues by :class:`~roadie.engine.routing.model.QueueClass`; each
queue keeps a heap by the queue-order key and, when it has a cascade, a heap by arrival.
Re-queued contacts go back with their original key, so they keep their place. A reservation
holds the contact's cost on the agent (and counts as pending until accepted).
"""

from __future__ import annotations

import heapq
import math

from roadie.engine.routing.indexes import AgentIndexes
from roadie.engine.routing.lifecycle import TRANSITIONS, OfferEvent, idle_again, set_aside_until
from roadie.engine.routing.records import (
    _AVAILABLE,
    _RESERVED,
    _WAITING,
    AgentStatus,
    ContactRec,
)


class Holding(AgentIndexes):
    """Queue places and reserved capacity of the :class:`~roadie.engine.routing.router.Router`."""

    def _enqueue(self, crec: ContactRec, *, fresh: bool = False) -> None:
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

    def _reserve(self, crec: ContactRec, arec: AgentStatus, now: float, expires_at: float) -> None:
        cost = crec.spec.cost
        load = arec.load = arec.load + cost
        arec.pending += 1
        arec.version = next(self._ver)  # entries re-keyed lazily: the key only got worse
        arec.contacts.add(crec.spec.id)
        old = arec.counted
        closed = arec.closed
        if old:  # as _recount, inlined: the agent had room, and has less now
            new = arec.spec.capacity - load
            if new < 0 or arec.state is not _AVAILABLE or arec.pending >= self._max_pending:
                new = 0
            arec.counted = new
            if not new:
                self._with_room -= 1
            for h in arec.memberships:
                if closed and h.channel in closed:
                    continue
                counts = h.counts
                counts[old] -= 1
                if new:
                    counts[new] += 1
        else:
            self._recount(arec)
        if arec.limits is not None:
            self._hold_channel(arec, crec.spec.channel, 1)
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

    def _release(self, crec: ContactRec, now: float) -> None:
        arec = self._agents.get(crec.agent)
        crec.agent = None
        crec.expires_at = math.inf
        if arec is None:
            return
        if crec.state is _RESERVED:
            arec.pending -= 1
        arec.load -= crec.spec.cost
        arec.contacts.discard(crec.spec.id)
        if arec.limits is not None:
            self._hold_channel(arec, crec.spec.channel, -1)
        arec.version = next(self._ver)
        if idle_again(arec.load):
            arec.idle_since = now
        self._push_agent(arec)

    def _requeue(self, crec: ContactRec, *, exclude: int | None, now: float) -> None:
        """Back in its queue with its old key (its place kept); ``exclude``: the agent set
        aside from it for the cool-down (lifecycle's rule)."""
        if exclude is not None:
            crec.excluded[exclude] = set_aside_until(now, self.decline_cooldown)
        self._enqueue(crec)

    def _drop_contacts_of(self, rec: AgentStatus, *, reserved_only: bool, now: float = 0.0) -> list[int]:
        """Withdraw the agent's offers (those not yet accepted only, or all): each contact back
        in its place, as ``TRANSITIONS[WITHDRAW]`` says (no answer counted). The agent's idle
        time is left as it is (they are leaving)."""
        aside = rec.spec.id if TRANSITIONS[OfferEvent.WITHDRAW].sets_aside else None
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
            if rec.limits is not None:
                self._hold_channel(rec, crec.spec.channel, -1)
            crec.agent = None
            self._requeue(crec, exclude=aside, now=now)
        if out:
            rec.version = next(self._ver)
            self._recount(rec)
        return out
