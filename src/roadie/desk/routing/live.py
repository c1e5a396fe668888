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
shell) is caught by the periodic reconciliation, every ``ROADIE_RECONCILE_SECONDS``: a core rebuilt
from the database is compared with the one in memory, each contact or agent that differs is
logged and counted (in the lease row, shown by ``/healthz``), and the rebuilt core replaces it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Prefetch, Q
from django.utils import timezone

from roadie.desk.agents.models import Agent, Certification, Presence, PresenceChange
from roadie.desk.audit.models import AuditEntry
from roadie.desk.contacts.models import Contact, ContactEvent, EventKind, Status
from roadie.desk.routing import actions
from roadie.desk.routing.dispatcher import (
    OFFER_MARGIN,
    build_router,
    contact_spec,
    foreign_load,
    partition_brands,
    set_aside_recent,
)
from roadie.desk.routing.lib import booked_pools, pool_specs, routing_agent
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer, OfferStatus
from roadie.desk.routing.partitions import LEASE_NAME
from roadie.engine import routing as core
from roadie.engine.routing import AgentState, ContactState

log = logging.getLogger("roadie.dispatcher")

GAP_SECONDS = 10.0
# Absent agents set offline and booked slots read again at most this often (not every round).
HOUSEKEEPING_SECONDS = 5.0
MAX_GAPS = 10_000

_WAITING, _RESERVED, _SERVICE = ContactState.WAITING, ContactState.RESERVED, ContactState.IN_SERVICE


# Settings changed from the console or the API that routing must follow at once: each write
# path records them in the audit log in its own transaction (``audit.record_change``) and
# wakes the dispatcher. An agent's entry: that agent is read again. A pool's or brand's: the
# cascades (and, with several partitions, who routes which brand) change, so the core is
# rebuilt.
AGENT_CHANGES = ("agent.create", "agent.update")
SETUP_CHANGES = ("pool.create", "pool.update", "brand.create")


def _cursor() -> tuple[int, int, int]:
    return (ContactEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
            PresenceChange.objects.aggregate(m=Max("pk"))["m"] or 0,
            AuditEntry.objects.aggregate(m=Max("pk"))["m"] or 0)


def snapshot(router: core.Router, now: float) -> dict[tuple[str, int], tuple]:
    """What the core holds, contact by contact and agent by agent, in comparable form."""
    out: dict[tuple[str, int], tuple] = {}
    for rec in router.agents():
        spec = rec.spec
        out["agent", spec.id] = (rec.state.value, rec.load, rec.pending, spec.capacity,
                                 tuple(sorted(spec.skills)), tuple(sorted(spec.regular_brands)),
                                 tuple(sorted(spec.pools)), tuple(sorted(spec.booked_pools)),
                                 rec.idle_since, tuple(sorted(spec.channel_limits.items())))
    for rec in router.agents():
        for cid in rec.contacts:
            out["contact", cid] = _contact_view(router, cid, now)
    for cid in router.waiting_ids():
        out["contact", cid] = _contact_view(router, cid, now)
    return out


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


class LiveCore:
    """One routing core for the life of a dispatcher's leadership."""

    def __init__(self, *, reconcile_every: float | None = None, lease: str = LEASE_NAME) -> None:
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
        self.reconciled_at = -math.inf
        self.divergences = 0  # contacts and agents found different by reconciliations
        self.last_differences: list[str] = []
        self.applied = 0  # contacts and agents followed after an event
        self.away: list[int] = []  # agents the core put on a break, to persist
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
        self.router = router
        self.cursor = cursor
        self.setup_changed = False
        self.gaps.clear()
        self.pools = pool_specs()
        self.booked = booked_pools(now)
        self.reconciled_at = time.monotonic()
        return router

    def reconcile(self, now: datetime) -> list[str]:
        """Compare the core with one rebuilt from the database; count and log what differs,
        and keep the rebuilt one."""
        self.catch_up(now)
        before = self.cursor
        mine = snapshot(self.router, self.t(now))
        fresh = self.rebuild(now)
        diff = differences(mine, snapshot(fresh, self.t(now)))
        if diff:  # what changed while the core was rebuilt is in flux, not a divergence
            self.cursor, kept, gaps = before, self.cursor, dict(self.gaps)
            contacts, agents = self.read_events()
            self.cursor, self.gaps = kept, gaps
            flux = {("contact", c) for c in contacts} | {("agent", a) for a in agents}
            diff = {k: v for k, v in diff.items() if k not in flux}
        found = list(diff.values())
        self.catch_up(now)
        if found:
            self.divergences += len(found)
            log.warning("routing core diverged from the database on %d contacts or agents "
                        "(repaired): %s", len(found), "; ".join(found[:5]))
        self.last_differences = found
        return found

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
            if kind == EventKind.OFFERED and self._reserved_to(contact_id, agent_id):
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
        cache.update({a.pk: a for a in Agent.objects.filter(pk__in=unread).select_related("user").prefetch_related(
            Prefetch("certifications", Certification.objects.select_related("brand")), "skills")}
            if unread else {})
        cache.update({a: None for a in unread if a not in cache})
        rows = {a: cache[a] for a in ids}
        foreign, foreign_channels = foreign_load(self.brands, ids)
        for agent_id in sorted(ids):
            agent = rows.get(agent_id)
            known = self._known_agent(agent_id)
            if agent is None or agent.presence == Presence.OFFLINE:
                if known:
                    router.remove_agent(agent_id, t)
                continue
            spec = routing_agent(agent, pools=self.pools, load=min(foreign.get(agent_id, 0), agent.capacity),
                                 channel_load=foreign_channels.get(agent_id, {}),
                                 available=agent.presence == Presence.AVAILABLE, epoch=self.epoch,
                                 booked=self.booked.get(agent_id, frozenset()))
            if not known:
                router.add_agent(spec)
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

    def _known_agent(self, agent_id: int) -> bool:
        try:
            self.router.agent(agent_id)
        except core.RoutingError:
            return False
        return True

    def sync_contacts(self, events: dict[int, set], now: datetime) -> list[int]:
        """Move each named contact to where its row says it is. Returns the agents the core
        put on a break for missing too many offers in a row (to be persisted)."""
        router, t = self.router, self.t(now)
        ids = list(events)
        rows = {c.pk: c for c in Contact.objects.filter(pk__in=ids).select_related("brand")}
        held = {cid: (agent_id, status, expires_at) for cid, agent_id, status, expires_at in
                Offer.objects.filter(contact_id__in=ids, status__in=ACTIVE_OFFER_STATUSES)
                .values_list("contact_id", "agent_id", "status", "expires_at")}
        away: list[int] = []
        queued = []
        holders = {router.agent_of(cid) for cid in ids if router.contact_state(cid) not in (None, _WAITING)}
        holders |= {a for kinds in events.values() for _, a in kinds if a is not None}
        for cid in sorted(ids):
            target = self._target(rows.get(cid), held.get(cid))
            self._move(cid, target, spec=contact_spec(rows[cid], self.epoch) if target else None,
                       kinds=events[cid], t=t, away=away)
            if target is not None and target[0] is _WAITING:
                queued.append(cid)
        if queued:
            set_aside_recent(router, now=now, epoch=self.epoch, contact_ids=queued)
        if holders:  # the agents these moves touched: follow their rows (idle time) again
            self.sync_agents(holders & {r.spec.id for r in router.agents()}, now)
        return away

    def _target(self, contact: Contact | None, offer) -> tuple | None:
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

    def _move(self, cid: int, target, *, spec, kinds, t: float, away: list[int]) -> None:
        router = self.router
        state = router.contact_state(cid)
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
            if state is _RESERVED and (EventKind.EXPIRED, agent) in kinds:
                router.timeout(cid, t)  # the core's no-answer counter may put them away
                if router.agent(agent).state is AgentState.BREAK:
                    away.append(agent)
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
        elif time.monotonic() - self.reconciled_at >= self.reconcile_every:
            self.reconcile(now)
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
        if self._expire(now):
            self._put_away(now)
            self.catch_up(now)  # the rows of those writes (idle times): follow them now

    def decide(self, now: datetime, *, holder: str | None = None,
               stamp: bool = True) -> list[tuple[int, int]]:
        """Route and persist the round's offers in one transaction (``actions.make_offers``);
        an offer the database refuses is undone in the core, which then follows the rows of
        that contact and agent. Returns (contact, agent) of the offers made."""
        t = self.t(now)
        routed = [(r.contact_id, r.agent_id) for r in self.router.route(t)]
        offers = actions.make_offers(routed, now=now if stamp else None, holder=holder, lease=self.lease)
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
        for r in lapsed:
            if not actions.expire_offer(contact_id=r.contact_id, agent_id=r.agent_id, now=now):
                self.sync_contacts({r.contact_id: set()}, now)  # answered meanwhile: follow the row
            elif self._known_agent(r.agent_id) and \
                    self.router.agent(r.agent_id).state is AgentState.BREAK:
                self.away.append(r.agent_id)
        return len(lapsed) + len(self.away)

    def _put_away(self, now: datetime) -> None:
        agent_ids, self.away = set(self.away), []
        for agent in Agent.objects.filter(pk__in=agent_ids, presence=Presence.AVAILABLE):
            log.info("agent %s let %d offers in a row time out; on a break", agent.pk,
                     self.router.away_after_timeouts)
            actions.set_presence(agent, Presence.BREAK, now=now)

    def _refresh_bookings(self, now: datetime) -> None:
        booked = booked_pools(now)
        if booked != self.booked:
            changed = {a for a in set(booked) | set(self.booked) if booked.get(a) != self.booked.get(a)}
            self.booked = booked
            self.sync_agents([a for a in changed if self._known_agent(a)], now)
