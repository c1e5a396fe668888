"""The dispatcher's routing core, kept in memory between rounds and fed by events.

The rebuild dispatcher (``dispatcher.tick``) reads the whole queue and every agent each round
and throws the core away. :class:`LiveCore` builds the core once (on start, on taking over
leadership, and at each reconciliation) and then keeps it up to date from the event stream the
write paths already append to: the contact history (``ContactEvent``: arrived, offered,
accepted, declined, expired, released, resolved, abandoned, waiting on the customer, reopened,
taken over, reassigned, transferred) and the presence history (``PresenceChange``).

Each round reads the events since its cursor, and for every contact and agent they name reads
that row back and moves the core to it with the core's own lifecycle methods (``add_contact``,
``restore``, ``accept``, ``timeout``, ``release``, ``complete``, ``remove_contact``,
``add_agent``, ``set_agent_state``, ``update_agent``, ``remove_agent``). So an event applied late
or twice does no harm: the core follows the rows, and the events only say which rows to read.
Then the core decides: which offers time out (and who is put on a break after missing too many
in a row: the core's own counter), and which contacts to offer to whom; ``actions`` persists
each decision in its own transaction, which re-checks everything.

Settings changed from the console or the API reach the core the same way, through the audit
log those write paths append to in their transaction (:data:`AGENT_CHANGES`: the agent's row is
read again; :data:`SETUP_CHANGES`: a pool or a brand, so the core is rebuilt with the new
cascades and partitions); they also wake the dispatcher.

On PostgreSQL ids are not committed in order: an id skipped by a round (its transaction not
committed yet, or rolled back) is looked for again for :data:`GAP_SECONDS`. Whatever a round
still misses (a row changed behind the write paths' back, such as a fix made in a database
shell) is caught by the reconciliation, a sweep over every routable contact and agent started
every ``ROADIE_RECONCILE_SECONDS`` and spread over the rounds: each round compares one slice
(``ROADIE_RECONCILE_SLICE`` contacts and as many agents, in id order) with its rows, so no round
waits for a whole rebuild. Each contact or agent that differs is logged, counted (in the lease
row, shown by ``/healthz``) and moved to its row with the same methods the events use; the
pools and the partition's brands are compared at the start of each sweep (a difference there
rebuilds the core).
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from roadie.desk.agents.models import Agent, Presence, PresenceChange
from roadie.desk.audit.models import AuditEntry
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.models import Contact, ContactEvent, EventKind, Status
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import (
    OFFER_MARGIN,
    build_router,
    contact_spec,
    foreign_load,
    partition_brands,
    recent_set_asides,
    set_aside_recent,
)
from roadie.desk.routing.lib import (
    NO_FACTS,
    ContactRow,
    agent_facts,
    booked_pools,
    contact_rows,
    pool_specs,
    routing_agent,
)
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer, OfferStatus
from roadie.desk.routing.partitions import LEASE_NAME
from roadie.engine import routing as core
from roadie.engine.routing import AgentState, ContactState

log = logging.getLogger("roadie.dispatcher")

GAP_SECONDS = 10.0
# Absent agents set offline and booked slots read again at most this often (not every round).
HOUSEKEEPING_SECONDS = 5.0
MAX_GAPS = 10_000
# Offers persisted per transaction: a round's batches, the lease renewed between two.
OFFER_BATCH = 250

_WAITING, _RESERVED, _SERVICE = ContactState.WAITING, ContactState.RESERVED, ContactState.IN_SERVICE
# The contacts a core may hold (waiting, reserved, in service).
ROUTABLE = (Status.QUEUED, Status.OFFERED, Status.ACTIVE)


# Settings changed from the console or the API that routing must follow at once: each write
# path records them in the audit log in its own transaction (``audit.record_change``) and
# wakes the dispatcher. An agent's entry: that agent is read again. A pool's or brand's: the
# cascades (and, with several partitions, who routes which brand) change, so the core is
# rebuilt.
AGENT_CHANGES = ("agent.create", "agent.update")
SETUP_CHANGES = ("pool.create", "pool.update", "brand.create")


def active_offers(ids) -> dict[int, tuple[int, str, datetime]]:
    """Contact id -> (agent, status, expires at) of its pending or accepted offer."""
    return {cid: (agent_id, status, expires_at) for cid, agent_id, status, expires_at in
            Offer.objects.filter(contact_id__in=ids, status__in=ACTIVE_OFFER_STATUSES)
            .values_list("contact_id", "agent_id", "status", "expires_at")}


def _cursor() -> tuple[int, int, int]:
    return (ContactEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
            PresenceChange.objects.aggregate(m=Max("pk"))["m"] or 0,
            AuditEntry.objects.aggregate(m=Max("pk"))["m"] or 0)


def snapshot(router: core.Router, now: float) -> dict[tuple[str, int], tuple]:
    """What the core holds, contact by contact and agent by agent, in comparable form."""
    out: dict[tuple[str, int], tuple] = {}
    for rec in router.agents():
        out["agent", rec.spec.id] = _agent_view(rec)
    for rec in router.agents():
        for cid in rec.contacts:
            out["contact", cid] = _contact_view(router, cid, now)
    for cid in router.waiting_ids():
        out["contact", cid] = _contact_view(router, cid, now)
    return out


def _agent_view(rec) -> tuple:
    spec = rec.spec
    return (rec.state.value, rec.load, rec.pending, spec.capacity, tuple(sorted(spec.skills)),
            tuple(sorted(spec.regular_brands)), tuple(sorted(spec.pools)),
            tuple(sorted(spec.booked_pools)), rec.idle_since, tuple(sorted(spec.channel_limits.items())))


def _contact_view(router: core.Router, cid: int, now: float) -> tuple:
    spec = router.contact(cid)
    state = router.contact_state(cid)
    # who it is set aside from matters while it waits (storage says so only then)
    aside = tuple(sorted(router.excluded(cid, now=now))) if state is _WAITING else ()
    return (state.value, router.agent_of(cid), spec.brand, spec.channel,
            tuple(sorted(spec.skills)), spec.cost, spec.priority, spec.arrival, spec.deadline, aside)


def differences(a: dict, b: dict) -> dict[tuple[str, int], str]:
    """The contacts and agents two snapshots (memory, database) disagree on, each with what
    each side holds."""
    return {key: f"{key[0]} {key[1]}: in memory {a.get(key)}, in the database {b.get(key)}"
            for key in sorted(set(a) | set(b), key=str) if a.get(key) != b.get(key)}


@dataclass
class Sweep:
    """A reconciliation in progress: where its next slice starts (None: done), the core's ids
    when it started, and what it has found so far."""

    contacts: list[int]
    agents: list[int]
    contact_from: int | None = 0
    agent_from: int | None = 0
    slices: int = 0
    found: list[str] = field(default_factory=list)


class LiveCore:
    """One routing core for the life of a dispatcher's leadership."""

    def __init__(self, *, reconcile_every: float | None = None, lease: str = LEASE_NAME,
                 slice: int | None = None) -> None:
        self.lease = lease  # the partition it routes (its lease row); fencing of its offers
        self.brands: frozenset[str] | None = None  # the partition's brands (None: all)
        self.reconcile_every = (settings.ROADIE_RECONCILE_SECONDS if reconcile_every is None
                                else reconcile_every)
        self.router: core.Router | None = None
        self.epoch: datetime | None = None
        self.cursor = (0, 0, 0)
        self.setup_changed = False  # a pool or brand changed: rebuild before routing
        self.gaps: dict[tuple[int, int], float] = {}  # (0 contact / 1 presence, pk) -> give up at
        self.pools: list = []
        self.booked: dict[int, frozenset[str]] = {}
        self.slice = settings.ROADIE_RECONCILE_SLICE if slice is None else slice
        self.reconciled_at = -math.inf  # when the last sweep started (monotonic)
        self.sweep: Sweep | None = None  # the reconciliation in progress
        self.sweeps = 0  # reconciliations completed
        self.swept = 0  # contacts and agents compared by them
        self.skip_own = True  # the catch-up reads nothing back for the core's own offers
        self.divergences = 0  # contacts and agents found different by reconciliations
        self.last_differences: list[str] = []
        self.applied = 0  # contacts and agents followed after an event
        self.away: list[int] = []  # agents the core put on a break, to persist
        # agents gone offline (out of the core) with offers left unanswered in a row: the run
        # the lifecycle counts goes on when they come back, as in a core that kept them
        self.missed_of_gone: dict[int, int] = {}
        self.housekept_at = -math.inf
        self._rows: dict | None = None

    # ------------------------------------------------------------------ building
    def t(self, dt: datetime) -> float:
        return (dt - self.epoch).total_seconds()

    def rebuild(self, now: datetime) -> core.Router:
        """Start again from the database (the cursor is read first: events that land while
        building are read again, which does no harm)."""
        cursor = _cursor()
        self.epoch = self.epoch or now - timedelta(days=1)
        self.brands = partition_brands(self.lease)
        router, _ = build_router(now, full=True, epoch=self.epoch, brands=self.brands)
        if self.router is not None:  # the no-answer counters live only in the core
            for rec in self.router.agents():
                if rec.missed:
                    with contextlib.suppress(core.RoutingError):
                        router.set_missed(rec.spec.id, rec.missed)
        for agent_id in [a for a in self.missed_of_gone if self._known_agent(a, router)]:
            router.set_missed(agent_id, self.missed_of_gone.pop(agent_id))  # back since
        self.router = router
        self.cursor = cursor
        self.setup_changed = False
        self.gaps.clear()
        self.pools = pool_specs()
        self.booked = booked_pools(now)
        self.reconciled_at = time.monotonic()
        self.sweep = None  # the rebuilt core is the database's: a sweep in progress is moot
        return router

    def reconcile(self, now: datetime) -> list[str]:
        """A whole sweep at once (on demand; the rounds spread theirs over many rounds): what
        it found different, counted, logged and repaired."""
        self.catch_up(now)
        if self.sweep is None:
            self._start_sweep(now)
        while self.sweep is not None:
            self.reconcile_step(now)
        return self.last_differences

    def reconcile_step(self, now: datetime) -> list[str]:
        """One slice of the sweep in progress (started if none is): up to ``slice`` contacts and
        as many agents, in id order, each compared with its row and moved to it. Returns what
        this slice found different (counted and logged at once). Called right after a catch-up,
        so that what an event committed since names is in flux, not a divergence."""
        if self.sweep is None and not self._start_sweep(now):
            return self.last_differences  # the pools or brands differed: rebuilt
        sweep, t = self.sweep, self.t(now)
        before: dict[tuple[str, int], tuple | None] = {}
        contacts: list[int] = []
        agents: list[int] = []
        if sweep.contact_from is not None:
            contacts, sweep.contact_from = self._slice(
                sweep.contacts, sweep.contact_from,
                Contact.objects.filter(status__in=ROUTABLE, **(
                    {} if self.brands is None else {"brand__slug__in": self.brands})))
        if sweep.agent_from is not None:
            agents, sweep.agent_from = self._slice(
                sweep.agents, sweep.agent_from,
                Agent.objects.filter(presence__in=[Presence.AVAILABLE, Presence.BREAK]))
        if contacts:  # compared as plain values; only those that differ are followed
            rows, held = contact_rows(contacts), active_offers(contacts)
            suspects = self._differing(contacts, rows, held, now)
            before.update((("contact", c), self._view_of_contact(c, t)) for c in suspects)
            if suspects:
                self.away.extend(self.sync_contacts({c: set() for c in suspects}, now, rows=rows, held=held))
        # (after the contacts: what moving them did to their agents is not the agents' own)
        before.update((("agent", a), self._view_of_agent(a)) for a in agents)
        if agents:
            self.sync_agents(agents, now)
        after = {key: self._view_of_contact(key[1], t) if key[0] == "contact" else self._view_of_agent(key[1])
                 for key in before}
        diff = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
        if diff:  # what an event committed since the catch-up names is in flux
            flux = self._named_since_cursor()
            diff = {key: d for key, d in diff.items() if key not in flux}
        found = [f"{kind} {pk}: in memory {old}, in the database {new}"
                 for (kind, pk), (old, new) in sorted(diff.items(), key=str)]
        sweep.found.extend(found)
        sweep.slices += 1
        self.swept += len(contacts) + len(agents)
        if found:
            self.divergences += len(found)
            log.warning("routing core diverged from the database on %d contacts or agents "
                        "(repaired): %s", len(found), "; ".join(found[:5]))
        if sweep.contact_from is None and sweep.agent_from is None:
            self.last_differences, self.sweep = sweep.found, None
            self.sweeps += 1
        return found

    def _start_sweep(self, now: datetime) -> bool:
        """Start a sweep over the core's contacts and agents and the database's routable ones.
        The pools and the partition's brands are compared first; if they differ the core is
        rebuilt (which counts as the sweep). Returns whether a sweep was started."""
        self.reconciled_at = time.monotonic()
        pools, brands = pool_specs(), partition_brands(self.lease)
        if (pools, brands) != (self.pools, self.brands):
            found = [f"pools {[p.slug for p in pools]} (partition {sorted(brands or ())}): in memory "
                     f"{self.pools} ({sorted(self.brands or ())}), in the database {pools}"]
            self.divergences += 1
            log.warning("routing core's pools or brands diverged from the database (rebuilt): %s",
                        found[0])
            self.rebuild(now)
            self.last_differences = found
            self.sweeps += 1
            return False
        router = self.router
        held = [c for rec in router.agents() for c in rec.contacts]
        self.sweep = Sweep(contacts=sorted([*held, *router.waiting_ids()]),
                           agents=sorted(rec.spec.id for rec in router.agents()))
        return True

    def _slice(self, known: list[int], after: int, rows) -> tuple[list[int], int | None]:
        """The next slice of ids after ``after``: the database's (``rows``, in id order, at most
        ``slice``) and the core's of the same id range (``known``: its ids at the sweep's start).
        Returns them and where the next slice starts (None: the sweep of this kind is done)."""
        ids = list(rows.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:self.slice])
        last = ids[-1] if len(ids) == self.slice else math.inf
        lo = bisect.bisect_right(known, after)
        hi = bisect.bisect_right(known, last) if last != math.inf else len(known)
        return sorted({*ids, *known[lo:hi]}), (None if last == math.inf else last)

    def _differing(self, ids: list[int], rows: dict, held: dict, now: datetime) -> list[int]:
        """The contacts of ``ids`` whose place in the core (state, agent, terms, who it is set
        aside from while it waits) is not where their rows say: those a sweep follows."""
        router, t, epoch = self.router, self.t(now), self.epoch
        aside = recent_set_asides(now=now, contact_ids=ids)
        out = []
        for cid in ids:
            row = rows.get(cid)
            target, state = self._target(row, held.get(cid)), router.contact_state(cid)
            if target is None:
                same = state is None
            else:
                same = (state is target[0] and router.agent_of(cid) == target[1]
                        and router.contact(cid) == contact_spec(row, epoch)
                        and (state is not _WAITING or set(aside.get(cid, ())) == router.excluded(cid, now=t)))
            if not same:
                out.append(cid)
        return out

    def _view_of_contact(self, cid: int, t: float) -> tuple | None:
        return None if self.router.contact_state(cid) is None else _contact_view(self.router, cid, t)

    def _view_of_agent(self, agent_id: int) -> tuple | None:
        return _agent_view(self.router.agent(agent_id)) if self._known_agent(agent_id) else None

    def _named_since_cursor(self) -> set[tuple[str, int]]:
        """The contacts and agents named by the events committed since the cursor (the core's
        own offers included), read without moving the cursor."""
        kept = (self.cursor, dict(self.gaps), self.applied, self.setup_changed, self.skip_own)
        self.skip_own = False
        try:
            contacts, agents = self.read_events()
        finally:
            self.cursor, self.gaps, self.applied, self.setup_changed, self.skip_own = kept
        return {("contact", c) for c in contacts} | {("agent", a) for a in agents}

    # ------------------------------------------------------------------ events
    def read_events(self) -> tuple[dict[int, set[tuple[str, int | None]]], set[int]]:
        """Contacts (with the kinds and agents of their events) and agents named by the
        events since the cursor, and by those of earlier gaps that have committed since."""
        c_last, p_last, a_last = self.cursor
        clock = time.monotonic()
        self.gaps = {k: until for k, until in self.gaps.items() if until > clock}
        c_gaps = [pk for table, pk in self.gaps if table == 0]
        p_gaps = [pk for table, pk in self.gaps if table == 1]
        a_gaps = [pk for table, pk in self.gaps if table == 2]
        contacts: dict[int, set] = defaultdict(set)
        agents: set[int] = set()
        rows = ContactEvent.objects.filter(Q(pk__gt=c_last) | Q(pk__in=c_gaps)).order_by("pk")
        for pk, contact_id, agent_id, kind in rows.values_list("pk", "contact_id", "agent_id", "kind"):
            c_last = self._advance(0, pk, c_last, clock)
            if self.skip_own and kind == EventKind.OFFERED and self._reserved_to(contact_id, agent_id):
                continue  # the core's own decision, persisted: it holds it already
            contacts[contact_id].add((kind, agent_id))
            if agent_id is not None:
                agents.add(agent_id)
        for pk, agent_id in (PresenceChange.objects.filter(Q(pk__gt=p_last) | Q(pk__in=p_gaps))
                             .order_by("pk").values_list("pk", "agent_id")):
            agents.add(agent_id)
            p_last = self._advance(1, pk, p_last, clock)
        for pk, action, object_id in (AuditEntry.objects.filter(Q(pk__gt=a_last) | Q(pk__in=a_gaps))
                                      .order_by("pk").values_list("pk", "action", "object_id")):
            a_last = self._advance(2, pk, a_last, clock)
            if action in AGENT_CHANGES:
                agents.add(int(object_id))
            elif action in SETUP_CHANGES:
                self.setup_changed = True
        self.cursor = (c_last, p_last, a_last)
        self.applied += len(contacts) + len(agents)
        return contacts, agents

    def _reserved_to(self, contact_id: int, agent_id: int | None) -> bool:
        router = self.router
        return (router is not None and router.contact_state(contact_id) is _RESERVED
                and router.agent_of(contact_id) == agent_id)

    def _advance(self, table: int, pk: int, last: int, clock: float) -> int:
        self.gaps.pop((table, pk), None)
        if pk <= last:
            return last
        if pk > last + 1 and len(self.gaps) < MAX_GAPS:
            for missing in range(last + 1, min(pk, last + 1 + MAX_GAPS)):
                self.gaps[table, missing] = clock + GAP_SECONDS
        return pk

    def catch_up(self, now: datetime) -> int:
        """Apply every event since the last round. Returns the number of contacts and agents
        they named."""
        contacts, agents = self.read_events()
        self._rows = {}  # the agent rows read by this catch-up: read once, followed twice
        try:
            if agents:
                self.sync_agents(agents, now)
            if contacts:
                self.away.extend(self.sync_contacts(contacts, now))
        finally:
            self._rows = None
        return len(contacts) + len(agents)

    # ------------------------------------------------------------------ following the rows
    def sync_agents(self, ids, now: datetime) -> None:
        router, t = self.router, self.t(now)
        cache = self._rows if self._rows is not None else {}
        unread = [a for a in ids if a not in cache]
        if unread:
            read = {a.pk: a for a in Agent.objects.filter(pk__in=unread).select_related("user")}
            facts = agent_facts(list(read))
            cache.update({pk: (a, facts.get(pk, NO_FACTS)) for pk, a in read.items()})
            cache.update({a: (None, None) for a in unread if a not in cache})
        rows = {a: cache[a] for a in ids}
        foreign, foreign_channels = foreign_load(self.brands, ids)
        for agent_id in sorted(ids):
            agent, facts = rows[agent_id]
            known = self._known_agent(agent_id)
            if agent is None or agent.presence == Presence.OFFLINE:
                if known:
                    missed = router.agent(agent_id).missed
                    if missed:  # their run of unanswered offers goes on when they come back
                        self.missed_of_gone[agent_id] = missed
                    router.remove_agent(agent_id, t)
                continue
            spec = routing_agent(agent, pools=self.pools, load=min(foreign.get(agent_id, 0), agent.capacity),
                                 channel_load=foreign_channels.get(agent_id, {}),
                                 available=agent.presence == Presence.AVAILABLE, epoch=self.epoch,
                                 booked=self.booked.get(agent_id, frozenset()), facts=facts)
            if not known:
                router.add_agent(spec)
                if agent_id in self.missed_of_gone:
                    router.set_missed(agent_id, self.missed_of_gone.pop(agent_id))
                continue
            rec = router.agent(agent_id)
            old = rec.spec
            if (old.skills, old.capacity, old.regular_brands, old.pools, old.booked_pools, old.load,
                    old.channel_limits, old.channel_load) != (
                    spec.skills, spec.capacity, spec.regular_brands, spec.pools, spec.booked_pools, spec.load,
                    spec.channel_limits, spec.channel_load):
                router.update_agent(spec, t)
            elif rec.state is not spec.state:
                router.set_agent_state(agent_id, spec.state, t)
            router.set_idle_since(agent_id, spec.idle_since)

    def _known_agent(self, agent_id: int, router: core.Router | None = None) -> bool:
        try:
            (router or self.router).agent(agent_id)
        except core.RoutingError:
            return False
        return True

    def sync_contacts(self, events: dict[int, set], now: datetime, *, rows: dict | None = None,
                      held: dict | None = None) -> list[int]:
        """Move each named contact to where its row says it is. Returns the agents the core
        put on a break for missing too many offers in a row (to be persisted). ``rows`` and
        ``held``: their :func:`contact_rows` and :func:`active_offers`, when already read."""
        router, t = self.router, self.t(now)
        ids = list(events)
        rows = contact_rows(ids) if rows is None else rows
        held = active_offers(ids) if held is None else held
        away: list[int] = []
        holders = {router.agent_of(cid) for cid in ids if router.contact_state(cid) not in (None, _WAITING)}
        holders |= {a for kinds in events.values() for _, a in kinds if a is not None}
        targets = {cid: self._target(rows.get(cid), held.get(cid)) for cid in sorted(ids)}
        queued = [cid for cid, target in targets.items() if target is not None and target[0] is _WAITING]
        # who each waiting contact is set aside from, and since when: a decline or a timeout
        # read from the events is applied at the time it happened
        recent = recent_set_asides(now=now, contact_ids=queued) if queued else {}
        for cid, target in targets.items():
            self._move(cid, target, spec=contact_spec(rows[cid], self.epoch) if target else None,
                       kinds=events[cid], t=t, away=away, ended=recent.get(cid, {}))
        if queued:
            for cid in queued:  # set aside in the core only (as the rebuild would): dropped
                if router.excluded(cid, now=t) - set(recent.get(cid, ())):
                    spec = router.contact(cid)
                    router.remove_contact(cid, t)
                    router.add_contact(spec)  # the same terms: the same place in its queue
            set_aside_recent(router, now=now, epoch=self.epoch, recent=recent)
        if holders:  # the agents these moves touched: follow their rows (idle time) again
            self.sync_agents(holders & {r.spec.id for r in router.agents()}, now)
        return away

    def _target(self, contact: ContactRow | None, offer) -> tuple | None:
        """Where the row says the contact is: waiting, reserved to or in service with an agent
        the core knows, or gone from routing (None)."""
        if contact is None or (self.brands is not None and contact.brand.slug not in self.brands):
            return None  # gone, or another partition's
        if contact.status == Status.QUEUED:
            return (_WAITING, None, None)
        if offer is None or not self._known_agent(offer[0]):
            return None
        agent_id, status, expires_at = offer
        if contact.status == Status.OFFERED and status == OfferStatus.PENDING:
            return (_RESERVED, agent_id, self.t(expires_at) + OFFER_MARGIN)
        if contact.status == Status.ACTIVE and status == OfferStatus.ACCEPTED:
            return (_SERVICE, agent_id, None)
        return None

    def _move(self, cid: int, target, *, spec, kinds, t: float, away: list[int], ended=None) -> None:
        """Move the contact to ``target`` with the core's lifecycle methods: an offer the events
        say was accepted, declined or let time out is ended by ``accept``, ``decline`` or
        ``timeout`` (so the agent is set aside, and their run of unanswered offers counted, as
        the core does itself); any other end is a ``release``. ``ended``: agent -> when they
        declined the contact or let it time out (the time those ends are applied at)."""
        router = self.router
        state = router.contact_state(cid)
        agent = router.agent_of(cid) if state is not None else None
        if (state is _RESERVED and (EventKind.ACCEPTED, agent) in kinds
                and (target is None or target[:2] != (_RESERVED, agent))):
            router.accept(cid, t)  # accepted, then ended since (resolved, released...)
            state = _SERVICE
        if target is None:
            if state is _SERVICE:
                router.complete(cid, t)
            elif state is not None:
                router.remove_contact(cid, t)
            return
        if state is not None and router.contact(cid) != spec:  # re-queued with new terms
            router.remove_contact(cid, t)
            state = None
        if state is None:
            router.add_contact(spec)
            state = _WAITING
        agent = router.agent_of(cid)
        if state is not _WAITING and (state, agent) != target[:2]:
            at = self.t(ended[agent]) if ended and agent in ended else t
            if state is _RESERVED and (EventKind.EXPIRED, agent) in kinds:
                router.timeout(cid, at)  # the core's no-answer counter may put them away
                if router.agent(agent).state is AgentState.BREAK:
                    away.append(agent)
            elif state is _RESERVED and (EventKind.DECLINED, agent) in kinds:
                router.decline(cid, at)
            elif state is _RESERVED and target[1] == agent and target[0] is _SERVICE:
                pass  # accepted: below
            else:
                router.release(cid, t)
            state = router.contact_state(cid)
        kind, to, expires_at = target
        if kind is _WAITING or state is kind:
            return
        if state is _WAITING:
            router.restore(cid, to, t, expires_at=math.inf if kind is _SERVICE else expires_at)
        if kind is _SERVICE:
            router.accept(cid, t)

    # ------------------------------------------------------------------ a round
    def round(self, *, now: datetime | None = None, holder: str | None = None) -> int:
        """Catch up with the events, persist the core's timeouts, route, persist the offers.
        Returns the number of offers made."""
        explicit = now is not None
        now = now or timezone.now()
        self.prepare(now)
        return len(self.decide(now, holder=holder, stamp=explicit))

    def prepare(self, now: datetime) -> None:
        """Everything of a round before its decisions: build or reconcile the core when due,
        set absent agents offline, follow the events, persist the core's timeouts."""
        if self.router is None:
            self.rebuild(now)
        if time.monotonic() - self.housekept_at >= HOUSEKEEPING_SECONDS:
            actions.release_absent_agents(now=now)  # stale after 90 s: a look every few seconds
            self.catch_up(now)
            self._refresh_bookings(now)
            self.housekept_at = time.monotonic()
        else:
            self.catch_up(now)
        if self.setup_changed:  # a pool or a brand changed: new cascades, maybe new partitions
            log.info("pools or brands changed: routing core rebuilt from the database")
            self.rebuild(now)
        elif self.sweep is not None or time.monotonic() - self.reconciled_at >= self.reconcile_every:
            self.reconcile_step(now)  # one slice of the reconciliation, right after the catch-up
        if self._expire(now):
            self._put_away(now)
            self.catch_up(now)  # the rows of those writes (idle times): follow them now

    def decide(self, now: datetime, *, holder: str | None = None, stamp: bool = True,
               renew=None, epoch: int | None = None) -> list[tuple[int, int]]:
        """Route and persist the round's offers (``actions.make_offers``), in transactions of
        at most :data:`OFFER_BATCH` offers; an offer the database refuses is undone in the core,
        which then follows the rows of that contact and agent. ``renew``: called between two
        batches, renews the partition's lease (a large round, thousands of offers on a loaded
        machine, would outlast it and have every later batch refused by fencing); when it
        returns False the rest of the round is not offered. Returns (contact, agent) of the
        offers made. ``epoch``: the lease's term ``holder`` leads in (the offers' fencing token)."""
        t = self.t(now)
        routed = [(r.contact_id, r.agent_id) for r in self.router.route(t)]
        offers: list = []
        for start in range(0, len(routed), OFFER_BATCH):
            if start and renew is not None and not renew():
                offers += [None] * (len(routed) - start)  # the lease is gone: undone below
                break
            offers += actions.make_offers(routed[start:start + OFFER_BATCH], now=now if stamp else None,
                                          holder=holder, lease=self.lease, epoch=epoch)
        made, refused = [], []
        for (contact_id, agent_id), offer in zip(routed, offers, strict=True):
            if offer is None:
                self.router.release(contact_id, t)
                refused.append((contact_id, agent_id))
            else:
                made.append((contact_id, agent_id))
        if refused:
            self.sync_agents({a for _, a in refused}, now)
            self.sync_contacts({c: set() for c, _ in refused}, now)
        return made

    def _expire(self, now: datetime) -> int:
        """Persist the core's timeouts; the agents it put on a break go to ``self.away``.
        Returns how many offers the core timed out."""
        lapsed = self.router.expire(self.t(now))
        done = actions.expire_offers_of([(r.contact_id, r.agent_id) for r in lapsed], now=now)
        answered = {r.contact_id: set() for r, ok in zip(lapsed, done, strict=True) if not ok}
        wrongly_away = []
        for r, ok in zip(lapsed, done, strict=True):
            if not ok and self._known_agent(r.agent_id):  # answered or withdrawn: not a miss
                rec = self.router.agent(r.agent_id)
                if rec.missed:
                    self.router.set_missed(r.agent_id, rec.missed - 1)
                elif rec.state is AgentState.BREAK and self.router.away_after_timeouts:
                    # this very timeout put them away (lifecycle.count_answer: the count starts
                    # again from 0): their run before it was one short of the limit
                    self.router.set_missed(r.agent_id, self.router.away_after_timeouts - 1)
                    wrongly_away.append(r.agent_id)
        if wrongly_away:  # the offers their break withdrew in the core still stand: follow them
            answered.update((cid, set()) for cid in Offer.objects.filter(
                agent_id__in=wrongly_away, status=OfferStatus.PENDING).values_list("contact_id", flat=True))
        for r, ok in zip(lapsed, done, strict=True):
            if ok and self._known_agent(r.agent_id) and self.router.agent(r.agent_id).state is AgentState.BREAK:
                self.away.append(r.agent_id)
        if answered:  # answered meanwhile: follow their rows
            self.sync_contacts(answered, now)
        if wrongly_away:
            self.sync_agents(wrongly_away, now)  # available, as their rows say
        return len(lapsed) + len(self.away)

    def _put_away(self, now: datetime) -> None:
        agent_ids, self.away = set(self.away), []
        for agent in Agent.objects.filter(pk__in=agent_ids, presence=Presence.AVAILABLE):
            log.info("agent %s let %d offers in a row time out; on a break", agent.pk,
                     self.router.away_after_timeouts)
            try:
                actions.set_presence(agent, Presence.BREAK, now=now)
            except ActionError as exc:  # they left (offline) since the read: nothing to do
                log.info("agent %s not put on a break: %s", agent.pk, exc)

    def _refresh_bookings(self, now: datetime) -> None:
        booked = booked_pools(now)
        if booked != self.booked:
            changed = {a for a in set(booked) | set(self.booked) if booked.get(a) != self.booked.get(a)}
            self.booked = booked
            self.sync_agents([a for a in changed if self._known_agent(a)], now)
