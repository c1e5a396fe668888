"""Decisions of the routing core: which waiting contact goes to which agent, now.

``route(now)`` only looks at queues where something changed (new contact, capacity freed that
fits the queue's cost, agent state change, a cascade tier opening on time), in global urgency
order; a queue that found nobody for its oldest contact is not looked at again for newer
arrivals until an agent frees up or a tier opens. A contact sees the agents of the cascade
tiers open for it; agents set aside (a decline in its cool-down) only if nobody else qualifies.
"""

from __future__ import annotations

import heapq
import math
from bisect import insort

from roadie.engine.routing.holding import Holding
from roadie.engine.routing.model import Reservation
from roadie.engine.routing.records import (
    _AVAILABLE,
    _WAITING,
    AgentHeap,
    AgentStatus,
    ContactRec,
    Queue,
)


class Matching(Holding):
    """The deciding side of the :class:`~roadie.engine.routing.router.Router`."""

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
        if len(cand) > 1:  # queues marked by freed agents may be empty: nothing to route there
            live = None
            for qi in cand:
                if queues[qi].waiting:
                    if live is not None:
                        break  # two at least: the general case below
                    live = qi
            else:
                self._candidates = set()
                if live is None:
                    return made
                cand = {live}
        if len(cand) == 1:  # the common case live and in simulation: one queue changed
            q = queues[cand.pop()]
            if q.simple and not q.side_heaps[0].members:
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
        if not self._with_room:  # nobody can take an offer: no queue can be served now
            return made
        # work: (key[0], key, queue) with a lower bound of the queue's head key (its heap's top
        # entry, perhaps stale); a popped queue whose true head is later goes back under that
        # key, so queues are served in the exact order of their heads without cleaning every
        # heap. The key's first item, put first, orders the entries as the key does, in one flat
        # comparison when the first items differ (the usual case) instead of a nested one
        work = []
        for qi in cand:
            q = queues[qi]
            q.blocked = False
            if not q.waiting or not q.heap:
                continue
            if q.simple:
                counts = q.tier_heaps[0].counts
                # an agent wholly free (the top level) fits any queue: no slice to build
                if not counts[-1] and not any(counts[q.cost :]):
                    side = q.side_heaps[0]
                    if not side.members or not any(side.counts[q.cost :]):
                        continue  # its agent heaps have nobody with room for it
            key = q.heap[0][0]
            work.append((key[0], key, qi))
        heapq.heapify(work)
        heappop = heapq.heappop
        heappush = heapq.heappush
        head_of = self._head
        route_one = self._route_one
        while work:
            if not self._with_room:
                break  # the last agent with room was just reserved: nothing more to decide
            _, key, qi = heappop(work)
            q = queues[qi]
            if q.simple and not any(q.tier_heaps[0].counts[q.cost :]):  # nobody with room
                side = q.side_heaps[0]
                if not side.members or not any(side.counts[q.cost :]):
                    continue  # the same test: earlier decisions may have drained the heaps
            head = head_of(q.heap)
            if head is None:
                continue
            if head.order is not key and head.order != key:
                key = head.order
                heappush(work, (key[0], key, qi))
                continue
            if route_one(q, now, made) and q.heap:
                key = q.heap[0][0]
                heappush(work, (key[0], key, qi))
        return made

    def _route_one(self, q: Queue, now: float, made: list[tuple[int, int]]) -> bool:
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
        if q.simple and not crec.excluded:  # one tier, nobody to set aside
            h = q.tier_heaps[0]
            best, lst = self._best_in(h, crec.spec.cost)
            side = q.side_heaps[0]
            if side.members:  # agents with channel limits: the better of the two heaps
                top, top_lst = self._best_in(side, crec.spec.cost)
                if top is not None and (best is None or top < best):
                    best, lst, h = top, top_lst, side
            if best is None:
                q.blocked = True
                q.blocked_since = crec.spec.arrival
                return False
            heapq.heappop(heap)  # the contact's entry (the head): it leaves the queue
            arec = self._agents[best[-2]]
            self._reserve(crec, arec, now, now + self.accept_timeout)
            made.append((crec.spec.id, arec.spec.id))
            del lst[0]  # the agent's entry (the top): re-keyed here at once
            if (arec.state is _AVAILABLE and arec.spec.capacity > arec.load
                    and arec.pending < self._max_pending
                    and not (arec.closed and h.channel in arec.closed)):
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

    def _open_heaps(self, q: Queue, arrival: float, now: float) -> tuple[list[AgentHeap], float]:
        """The agent heaps of the tiers open for a contact that arrived at ``arrival``, and the
        time the next tier opens. Compared in absolute time, so a timer set for that time
        always finds the tier open (no float round-off loop)."""
        tiers = q.qclass.cascade
        heaps = q.tier_heaps
        sides = q.side_heaps
        opened: list[AgentHeap] = []
        opens_at = tiers[0].after
        for i, tier in enumerate(tiers):
            if i and (heaps[i - 1].onshift or sides[i - 1].onshift):  # else nobody on shift there: fall through
                opens_at = max(opens_at, tier.after)
            if opens_at > 0 and arrival + opens_at > now:
                return opened, arrival + opens_at
            for h in (heaps[i], sides[i]):
                if h not in opened and (h.members or h is heaps[i]):
                    opened.append(h)
        return opened, math.inf

    def _match(self, crec: ContactRec, q: Queue, now: float) -> tuple[AgentStatus | None, float]:
        excluded = crec.excluded
        if excluded:  # a cool-down over: the agent is a candidate like any other again
            for aid, until in list(excluded.items()):
                if until <= now:
                    del excluded[aid]
        cost = crec.spec.cost
        agents = self._agents
        if q.simple:
            nxt = math.inf
            side = q.side_heaps[0]
            heaps = [q.tier_heaps[0], side] if side.members else q.tier_heaps
            if not excluded and not side.members:  # the common case: one heap, its best agent
                best, _ = self._best_in(heaps[0], cost)
                return (None if best is None else agents[best[-2]]), nxt
        else:
            heaps, nxt = self._open_heaps(q, crec.spec.arrival, now)
            if not heaps:
                return None, nxt
        popped: list[tuple[AgentHeap, list[tuple], tuple]] = []
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
            del best_lst[0]
            popped.append((best_h, best_lst, best))
        for h, lst, e in popped:
            insort(lst, e)
            h.pushes += 1  # it was set aside: what _best_in saw meanwhile was not the heap
        if chosen is None:
            chosen = fallback  # nobody else qualifies: offer again to someone who said no
        if chosen is None:
            return None, nxt
        return agents[chosen], nxt

    def _head(self, heap: list[tuple]) -> ContactRec | None:
        contacts = self._contacts
        while heap:
            _, cid, token = heap[0]
            crec = contacts.get(cid)
            if crec is not None and crec.token == token and crec.state is _WAITING:
                return crec
            heapq.heappop(heap)
        return None
