"""Agent indexes of the routing core: who can take what, found without scanning.

Agents are indexed per (brand, skills, tier selector), shared by the queues of every cost and
channel; agents with channel limits (``Agent.channel_limits``) sit apart, in one index per
channel too, which they leave at their limit for that channel until one of its contacts ends
(a queue looks at both; the side one costs nothing while nobody has limits);
inside each index, one heap per number of free capacity units, ordered by the
:class:`~roadie.engine.routing.policies.AgentPolicy` key, so a contact of cost c only looks at
the heaps of c units or more (each "level heap" is a sorted list, best first: the stale entries
an agent leaves behind when it is reserved are mostly at the front, and dropping one costs a
memory move, not a heap sift). An agent sits in every index whose skills it holds, while it is
available with free capacity. After a reservation its entries are re-keyed lazily when they
reach the top (keys only worsen as load rises); after anything else they are pushed at once.
Each index also counts, exactly, its available members per number of free units: a queue whose
index has nobody with room for it is skipped without touching a heap. An inverted index
(skill -> agents) finds the agents of a new skill class without scanning every agent.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable

from roadie.engine.routing.model import Agent, Contact, QueueClass
from roadie.engine.routing.records import (
    _AVAILABLE,
    _OFFLINE,
    AgentHeap,
    AgentStatus,
    Queue,
    selector,
)


class AgentIndexes:
    """The agent side of the :class:`~roadie.engine.routing.router.Router`: the first of its
    base classes, in one line (``AgentIndexes`` <- ``Holding`` <- ``Matching`` <- ``Router``),
    so that the compiled build can make them one typed extension type (indexes.pxd declares
    the router's attributes)."""

    def _queue_for(self, contact: Contact) -> Queue:
        cascade = self.cascades.get(contact.brand, self.default_cascade)
        qclass = QueueClass(contact.brand, contact.required_skills, contact.cost, cascade,
                            contact.channel)
        q = self._queues.get(qclass)
        if q is None:
            q = Queue(len(self._queue_list), qclass)
            self._queues[qclass] = q
            self._queue_list.append(q)
            seen = set()
            for tier in cascade:
                h = self._heap_for(qclass, selector(tier), None)
                side = self._heap_for(qclass, selector(tier), contact.channel)
                q.tier_heaps.append(h)
                q.side_heaps.append(side)
                for x in (h, side):
                    if x.idx not in seen:
                        x.add_queue(q)
                        seen.add(x.idx)
            q.simple = len(cascade) == 1 and cascade[0].after == 0
        self._qcache[(contact.brand, contact.skills, contact.cost, contact.channel)] = q
        return q

    def _heap_for(self, qclass: QueueClass, selector: tuple, channel: str | None) -> AgentHeap:
        key = (qclass.brand, qclass.skills, selector, channel)  # shared by every cost
        h = self._heaps.get(key)
        if h is None:
            h = AgentHeap(
                len(self._heap_list), QueueClass(qclass.brand, qclass.skills, 0, ()), selector, channel
            )
            self._heaps[key] = h
            self._heap_list.append(h)
            for rec in self._holders(qclass.skills):
                if h.admits(rec.spec):
                    self._join(rec, h)
                    if (rec.state is _AVAILABLE and rec.free > 0 and rec.pending < self._max_pending
                            and channel not in rec.closed):
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

    def _join(self, rec: AgentStatus, h: AgentHeap) -> None:
        # levels and counts reach every member's capacity: no length checks on the hot paths
        counts = h.counts
        while len(counts) <= max(rec.spec.capacity, rec.counted):  # counted may be stale here
            counts.append(0)
        while len(h.levels) <= rec.spec.capacity:
            h.levels.append([])
        if rec.counted and h.channel not in rec.closed:
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
        closed = rec.closed
        for h in rec.memberships:
            if counted and not (closed and h.channel in closed):
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

    def _push_one(self, rec: AgentStatus, h: AgentHeap) -> None:
        # flat tuples compare faster than nested ones: (*policy key, agent id, version)
        insort(
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
        if not (old and new):  # as an agent with room: the router's count of them
            self._with_room += 1 if new else -1
        closed = rec.closed
        for h in rec.memberships:
            if closed and h.channel in closed:
                continue  # not counted in a heap of a channel at its limit
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
        closed = rec.closed
        if free != old:  # as _recount, inlined
            rec.counted = free
            if not (old and free):
                self._with_room += 1 if free else -1
            for h in rec.memberships:
                if closed and h.channel in closed:
                    continue
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
        for h in rec.memberships:
            if closed and h.channel in closed:
                continue
            lst = h.levels[free]
            if len(lst) > 8 * h.members + 64:
                self._compact(h)
            e = key or (*policy_key(rec, h.qclass), aid, version)
            if lst and e < lst[-1]:
                insort(lst, e)
            else:  # the usual case: an agent just freed has been idle the shortest time
                lst.append(e)
            h.pushes += 1
            pushed[h.idx] = version
            # the queues whose contacts fit in the agent's free units (a queue whose contacts
            # need more room is not helped by them); an empty one among them is passed over by
            # route() (an arrival marks it anyway)
            fits = h.fits
            cand.update(fits[free] if free < len(fits) else fits[-1])

    def _hold_channel(self, rec: AgentStatus, channel: str, delta: int) -> None:
        """One contact of ``channel`` more (``delta=1``) or fewer (-1) held by an agent with
        channel limits; at the limit the agent leaves the counts of that channel's heaps (its
        entries there go stale with the version bump every caller makes), below it they come
        back (the caller's ``_push_agent`` pushes them)."""
        held = rec.held
        n = held[channel] = held.get(channel, 0) + delta
        limit = rec.limits.get(channel)
        if limit is None:
            return
        closed = rec.closed
        shut = n >= limit
        if shut is (channel in closed):
            return
        if shut:
            closed.add(channel)
        else:
            closed.discard(channel)
        counted = rec.counted
        if counted:
            step = -1 if shut else 1
            for h in rec.memberships:
                if h.channel == channel:
                    h.counts[counted] += step

    def _compact(self, h: AgentHeap) -> None:
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
                    and h.channel not in rec.closed
                ):
                    redo.append(rec)
        for lst in h.levels:
            lst.sort()
        for rec in redo:
            if rec.pushed.get(h.idx) != rec.version:
                self._push_one(rec, h)

    def _clean_top(self, h: AgentHeap, lst: list[tuple], live: int) -> tuple | None:
        """The live top of one level heap (stale entries dropped, lazily re-keyed agents
        pushed again, at their current level, which is lower: a reservation lowered it).
        ``live`` is the heap's count of agents at this level: at most that many entries are
        current, so a level with many more entries is swept whole rather than popped."""
        if len(lst) > 2 * live + 16:
            return self._sweep(h, lst)
        agents = self._agents
        while lst:
            top = lst[0]
            rec = agents.get(top[-2])
            if rec is not None and rec.version == top[-1]:
                return top
            del lst[0]
            if (
                rec is None
                or not rec.counted  # no room for an offer now (full, away, or pending offers)
                or h.idx not in rec.member_idx
                or rec.pushed.get(h.idx) == rec.version
                or h.channel in rec.closed
            ):
                continue
            self._push_one(rec, h)  # lazy re-key after a reservation (key only got worse)
        return None

    def _sweep(self, h: AgentHeap, lst: list[tuple]) -> tuple | None:
        """As ``_clean_top``, for a level heap of mostly stale entries: keep the current ones,
        push the lazily re-keyed agents again (at a lower level), in one pass. The heap's top
        is then the same entry popping would have reached."""
        agents = self._agents
        keep = []
        redo = []
        for e in lst:
            rec = agents.get(e[-2])
            if rec is None:
                continue
            if rec.version == e[-1]:
                keep.append(e)
            elif rec.counted and rec.pushed.get(h.idx) != rec.version:
                redo.append(rec)
        lst[:] = keep  # in place (the caller holds the level list), still sorted
        h.pushes += 1
        for rec in redo:
            if (rec.pushed.get(h.idx) != rec.version and h.idx in rec.member_idx
                    and h.channel not in rec.closed):
                self._push_one(rec, h)
        return lst[0] if lst else None

    def _best_in(self, h: AgentHeap, cost: int) -> tuple[tuple | None, list[tuple] | None]:
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
                    top = self._clean_top(h, lst, h.counts[f])
                    if top is None:
                        continue
                if best is None or top < best:
                    best, best_lst = top, lst
        if best is None and (h.dry_at != h.pushes or cost < h.dry_cost):
            h.dry_at = h.pushes
            h.dry_cost = cost
        return best, best_lst
