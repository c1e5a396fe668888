"""The routing dispatcher: turns database state into routing-core calls and persists the
decisions.

Each pool partition is led by one dispatcher at a time: an advisory lock on PostgreSQL, a
lease row renewed every tick on SQLite (a standby takes over when the holder dies or stops
renewing; :mod:`roadie.desk.routing.partitions`); an offer written by a dispatcher that lost
the lease is refused (fencing: the lease's epoch on every offer, checked in the offer's
transaction and by a database trigger, :mod:`roadie.desk.routing.fence`). A round runs
as soon as something becomes routable (PostgreSQL LISTEN/NOTIFY, a short poll on SQLite:
``roadie.desk.routing.wakeup``) and at least every ``ROADIE_DISPATCH_INTERVAL``. The default
round keeps the core in memory (:mod:`roadie.desk.routing.live`); :func:`tick`, the rebuild
peer: expire lapsed offers, set absent agents offline, load waiting contacts and available
agents, ask ``roadie.engine.routing`` for reservations, and make each offer in its own
transaction, which re-checks everything. The
database is the source of truth, so a dispatcher killed at any point loses nothing: the
next tick (its own or a standby's) starts from what was committed.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.backends.signals import connection_created
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from roadie.desk.agents.models import Agent, Presence
from roadie.desk.brands.models import Brand
from roadie.desk.contacts.models import Contact, Status
from roadie.desk.contacts.retention import prune_rejected
from roadie.desk.live.models import LiveEvent
from roadie.desk.routing import actions, partitions
from roadie.desk.routing.lib import (
    NO_FACTS,
    ContactRow,
    agent_facts,
    booked_pools,
    brand_pools,
    contact_cost,
    contact_rows,
    contact_skills,
    live_cascades,
    pool_specs,
    routing_agent,
)
from roadie.desk.routing.models import Lease, Offer, OfferStatus
from roadie.desk.routing.partitions import LEASE_NAME, LEASE_SECONDS
from roadie.desk.routing.wakeup import Wakeup
from roadie.desk.throttle.lib import prune as prune_buckets
from roadie.engine import routing as core
from roadie.engine.routing.lifecycle import set_aside_until

log = logging.getLogger("roadie.dispatcher")

def _seconds(dt: datetime, epoch: datetime) -> float:
    return (dt - epoch).total_seconds()


def take_lease(holder: str, *, now: datetime | None = None, seconds: float = LEASE_SECONDS,
               name: str = LEASE_NAME, locks: partitions.AdvisoryLocks | None = None) -> int | None:
    """Take or renew leadership (of one partition). The epoch (the term, a positive integer)
    if ``holder`` leads until now + seconds, else None."""
    return partitions.take(holder, name, now=now, seconds=seconds, locks=locks)


def record_divergences(holder: str, count: int, *, name: str = LEASE_NAME) -> None:
    """How many contacts and agents the leader's reconciliations found different (and repaired)."""
    Lease.objects.filter(name=name, holder=holder).update(divergences=count, reconciled_at=timezone.now())


def release_lease(holder: str, *, name: str = LEASE_NAME) -> None:
    partitions.release(holder, name)


def dispatcher_leader(now: datetime | None = None) -> str | None:
    """Who leads routing now (``host:pid``; of the first partition), or None when no dispatcher runs."""
    now = now or timezone.now()
    return (Lease.objects.filter(name__in=partitions.lease_names(), expires_at__gte=now)
            .order_by("name").values_list("holder", flat=True).first())


def dispatcher_alive(now: datetime | None = None) -> bool:
    return dispatcher_leader(now) is not None


def contact_spec(contact: Contact | ContactRow, epoch: datetime) -> core.Contact:
    """The routing core's view of a contact (``brand`` selected with it), or of its plain values."""
    return core.Contact(
        id=contact.pk, brand=contact.brand.slug, channel=contact.channel,
        skills=contact_skills(contact), cost=contact_cost(contact), priority=contact.priority,
        arrival=_seconds(contact.queue_since, epoch), deadline=_seconds(contact.deadline_at, epoch),
    )


def new_router(pools: list | None = None) -> core.Router:
    """An empty routing core configured as the live one: each brand's pools, their overflow
    after the pool's delay, then supervisors; within the open tiers, agents on a booked slot
    for the contact's pool first (self-scheduling), then the brand's regular roadies (they
    know its procedures best), then whoever has waited longest since their last contact."""
    pools = pool_specs() if pools is None else pools
    policy = core.OnShiftFirst(core.RegularBrandFirst(core.LongestIdle()), brand_pools=brand_pools(pools))
    return core.Router(policy=policy,
                       cascades=live_cascades(pools),
                       accept_timeout=settings.ROADIE_OFFER_TIMEOUT + OFFER_MARGIN,
                       decline_cooldown=settings.ROADIE_DECLINE_COOLDOWN,
                       away_after_timeouts=settings.ROADIE_AWAY_AFTER_NO_ANSWERS,
                       max_pending=settings.ROADIE_MAX_PENDING_OFFERS)


# On PostgreSQL a dispatcher whose leadership connection ran no statement for this many lease
# periods (stopped, or a round hung) has its session ended by the server, and its locks freed.
STALL_LEASES = 6

# The in-memory core times an offer out this long after the database's deadline, so that the
# offer it expires has always expired in the database too.
OFFER_MARGIN = 0.5


def recent_set_asides(*, now: datetime, contact_ids=None) -> dict[int, dict[int, datetime]]:
    """Waiting contact -> agent -> when that agent last declined it (or let it time out)
    within the cool-down: who the database says it is set aside from (the ends of an offer
    that set aside, as the engine's lifecycle says)."""
    recent = Offer.objects.filter(
        contact__status=Status.QUEUED, status__in=actions.SET_ASIDE_STATUSES,
        ended_at__gt=now - timedelta(seconds=settings.ROADIE_DECLINE_COOLDOWN),
    )
    if contact_ids is not None:
        recent = recent.filter(contact_id__in=contact_ids)
    out: dict[int, dict[int, datetime]] = {}
    for contact_id, agent_id, ended_at in recent.values_list("contact_id", "agent_id", "ended_at"):
        agents = out.setdefault(contact_id, {})
        if agent_id not in agents or ended_at > agents[agent_id]:
            agents[agent_id] = ended_at
    return out


def set_aside_recent(router: core.Router, *, now: datetime, epoch: datetime, contact_ids=None,
                     recent: dict[int, dict[int, datetime]] | None = None) -> None:
    """Who declined (or let time out) a waiting contact within the cool-down is set aside.
    ``recent``: their :func:`recent_set_asides`, when already read."""
    recent = recent_set_asides(now=now, contact_ids=contact_ids) if recent is None else recent
    for contact_id, agents in recent.items():
        for agent_id, ended_at in agents.items():
            with contextlib.suppress(core.RoutingError):  # a contact queued since this read
                router.set_aside(contact_id, agent_id, until=set_aside_until(
                    _seconds(ended_at, epoch), settings.ROADIE_DECLINE_COOLDOWN))


def held(offers) -> tuple[dict[int, int], dict[int, dict[str, int]]]:
    """Agent -> capacity units, and agent -> contacts per channel, of ``offers`` (one query)."""
    units: dict[int, int] = {}
    channels: dict[int, dict[str, int]] = {}
    for agent_id, channel, n, cost in (offers.values("agent_id", "contact__channel")
                                       .annotate(n=Count("pk"), units=Sum("cost"))
                                       .values_list("agent_id", "contact__channel", "n", "units")):
        units[agent_id] = units.get(agent_id, 0) + cost
        channels.setdefault(agent_id, {})[channel] = n
    return units, channels


def foreign_load(brands: frozenset[str] | None, agent_ids=None) -> tuple[dict[int, int], dict[int, dict[str, int]]]:
    """Agent -> capacity units, and contacts per channel, held (pending or accepted) for
    contacts of other partitions."""
    if brands is None:
        return {}, {}
    offers = Offer.objects.filter(status__in=[OfferStatus.PENDING, OfferStatus.ACCEPTED]).exclude(
        contact__brand__slug__in=brands)
    if agent_ids is not None:
        offers = offers.filter(agent_id__in=agent_ids)
    return held(offers)


def build_router(now: datetime, *, full: bool = False, epoch: datetime | None = None,
                 brands: frozenset[str] | None = None) -> tuple[core.Router, datetime]:
    """A routing core loaded with the waiting contacts and the agents who can take work,
    and the epoch its float times count from.

    ``full=False`` (the rebuild-every-round dispatcher): contacts in service count in their
    agent's load, and the queue is not read when nobody can take work. ``full=True`` (the
    in-memory core, :mod:`roadie.desk.routing.live`): contacts in service are given to the core
    too (so that their end frees their agent in the core), and the queue is always read.
    ``brands``: the brands of this dispatcher's partition (None: all); what agents hold for
    other partitions counts in their load."""
    epoch = epoch or now - timedelta(days=1)
    pools = pool_specs()
    booked = booked_pools(now)
    router = new_router(pools)
    mine = Q() if brands is None else Q(contact__brand__slug__in=brands)
    in_hand, by_channel = foreign_load(brands)
    if not full:
        units, channels = held(Offer.objects.filter(mine, status=OfferStatus.ACCEPTED))
        for agent_id, n in units.items():
            in_hand[agent_id] = in_hand.get(agent_id, 0) + n
        for agent_id, counts in channels.items():
            mixed = by_channel.setdefault(agent_id, {})
            for channel, n in counts.items():
                mixed[channel] = mixed.get(channel, 0) + n
    offered = list(Offer.objects.filter(mine, status=OfferStatus.PENDING)
                   .values_list("contact_id", "agent_id", "cost", "expires_at"))
    pending: dict[int, tuple[int, int]] = {}  # agent -> (offers, units)
    for _, agent_id, cost, _ in offered:
        n, units = pending.get(agent_id, (0, 0))
        pending[agent_id] = (n + 1, units + cost)
    # Every agent on shift, busy or not, so that a cascade tier whose agents are all busy waits
    # for its overflow delay and only a tier with nobody on shift lets the next one open at once.
    on_shift = Agent.objects.filter(presence__in=[Presence.AVAILABLE, Presence.BREAK])
    agents = on_shift.select_related("user")
    facts = agent_facts(on_shift.values("pk"))
    ready = 0
    for agent in agents:
        load = in_hand.get(agent.pk, 0)
        n, units = pending.get(agent.pk, (0, 0))
        available = agent.presence == Presence.AVAILABLE
        ready += (available and load + units < agent.capacity
                  and n < settings.ROADIE_MAX_PENDING_OFFERS)
        router.add_agent(routing_agent(agent, pools=pools, load=min(load, agent.capacity),
                                       channel_load=by_channel.get(agent.pk, {}),
                                       available=available, epoch=epoch, facts=facts.get(agent.pk, NO_FACTS),
                                       booked=booked.get(agent.pk, frozenset())))
    t = _seconds(now, epoch)
    if full:
        in_service = Offer.objects.filter(mine, status=OfferStatus.ACCEPTED, contact__status=Status.ACTIVE)
        accepted = list(in_service.order_by("pk").values_list("contact_id", "agent_id"))
        rows = contact_rows(query=Contact.objects.filter(pk__in=in_service.values("contact_id"))) if accepted else {}
        for contact_id, agent_id in accepted:
            with contextlib.suppress(core.RoutingError, KeyError):  # an agent gone offline since
                router.agent(agent_id)
                router.add_contact(contact_spec(rows[contact_id], epoch))
                router.restore(contact_id, agent_id, t, expires_at=math.inf)
                router.accept(contact_id, t)
    elif not ready:
        return router, epoch  # nobody can take work: no need to load the queue
    waiting = (Contact.objects.filter(status__in=[Status.QUEUED, Status.OFFERED])
               .order_by(Coalesce("queued_at", "arrived_at")))
    if brands is not None:
        waiting = waiting.filter(brand__slug__in=brands)
    for row in contact_rows(query=waiting).values():  # (plain values, in queue order)
        router.add_contact(contact_spec(row, epoch))
    # Pending offers hold their capacity (and count against the agent's pending limit).
    for contact_id, agent_id, _, expires_at in offered:
        with contextlib.suppress(core.RoutingError):  # changed since these reads
            router.restore(contact_id, agent_id, t, expires_at=_seconds(expires_at, epoch))
    set_aside_recent(router, now=now, epoch=epoch)
    return router, epoch


def partition_brands(name: str) -> frozenset[str] | None:
    """The brand slugs of the partition led under lease ``name`` (None: the only partition)."""
    n = partitions.partition_count()
    if n == 1:
        return None
    k = partitions.lease_names(n).index(name)
    slugs = Brand.objects.values_list("slug", flat=True)
    return frozenset(b for b, p in partitions.brand_partition(pool_specs(), slugs, n).items() if p == k)


def prune_live_events(*, now: datetime | None = None) -> int:
    """Live events are for pages open now; a page away longer than this reloads anyway."""
    now = now or timezone.now()
    keep = timedelta(hours=settings.ROADIE_LIVE_EVENT_HOURS)
    deleted, _ = LiveEvent.objects.filter(at__lt=now - keep).delete()
    return deleted


def tick(*, now: datetime | None = None, holder: str | None = None, lease: str = LEASE_NAME,
         brands: frozenset[str] | None = None, term: int | None = None) -> int:
    """One routing round. Returns the number of offers made. ``now`` moves the clock (tests);
    by default each step reads the clock itself. ``holder``: the leading dispatcher, whose
    offers the database refuses once it has lost the lease (fencing); ``term``: the lease's
    epoch it leads in (the offers' fencing token)."""
    explicit = now is not None
    now = now or timezone.now()
    actions.expire_offers(now)
    actions.release_absent_agents(now=now)
    router, epoch = build_router(now, brands=brands)
    made = 0
    for reservation in router.route(_seconds(now, epoch)):
        offer = actions.make_offer(contact_id=reservation.contact_id, agent_id=reservation.agent_id,
                                   now=now if explicit else None, holder=holder, lease=lease, epoch=term)
        made += offer is not None
    return made


class _StallLimit:
    """The dispatcher's own database sessions (this thread's) end when left idle inside a
    transaction for ``seconds`` (``idle_in_transaction_session_timeout``): a leader stopped in
    the middle of an offer batch would otherwise hold its contact, agent and lease row locks,
    and the standby taking its partition over would wait on them forever."""

    def __init__(self, seconds: float) -> None:
        self.value = str(min(2**31 - 1, int(seconds * 1000)))
        self.thread = threading.get_ident()
        connection_created.connect(self._created, dispatch_uid=f"dispatcher-stall-{self.thread}")
        if connection.connection is not None:
            self.apply(connection)

    def apply(self, conn) -> None:
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, false)", [self.value])

    def _created(self, sender, connection, **kwargs) -> None:
        if threading.get_ident() == self.thread and connection.vendor == "postgresql":
            self.apply(connection)

    def close(self) -> None:
        connection_created.disconnect(dispatch_uid=f"dispatcher-stall-{self.thread}")


class Dispatcher:
    """The long-running process behind ``roadie dispatch``.

    It leads as many pool partitions as its share (:mod:`roadie.desk.routing.partitions`; one
    partition, the whole operation, on SQLite or by default). ``mode="events"``
    (``ROADIE_DISPATCH_MODE``, the default) keeps one routing core in memory per partition for
    as long as it leads it (:class:`roadie.desk.routing.live.LiveCore`); ``"rebuild"`` reads the
    whole state every round (:func:`tick`), the peer it is measured against."""

    def __init__(self, *, interval: float | None = None, holder: str | None = None,
                 mode: str | None = None) -> None:
        self.interval = settings.ROADIE_DISPATCH_INTERVAL if interval is None else interval
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.mode = mode or settings.ROADIE_DISPATCH_MODE
        if self.mode not in ("events", "rebuild"):
            raise ValueError(f"ROADIE_DISPATCH_MODE must be events or rebuild, not {self.mode!r}")
        self.stopping = threading.Event()
        self.pruned_at = 0.0
        self.wakeup = Wakeup(poll=settings.ROADIE_DISPATCH_POLL)
        self.lease_seconds = settings.ROADIE_DISPATCH_LEASE_SECONDS
        self.held: dict[str, int] = {}  # lease name of each partition it leads -> its epoch (term)
        # Its leadership on PostgreSQL: advisory locks on a connection of its own (opened by
        # ``run``; None: the lease rows alone, as on SQLite and in tests driving rounds by hand).
        self.locks: partitions.AdvisoryLocks | None = None
        self.cores: dict[str, object] = {}  # lease name -> its LiveCore (events mode)
        self.recorded: dict[str, int] = {}  # divergences written to each lease row

    @property
    def core(self):
        """The core of the first partition led (tests, with one partition)."""
        return self.cores[min(self.cores)] if self.cores else None

    def _take(self, name: str) -> int | None:
        """Renew the lease of ``name``: its epoch if still in the same term, else None."""
        epoch = take_lease(self.holder, name=name, locks=self.locks, seconds=self.lease_seconds)
        known = self.held.get(name)
        if known is not None and epoch != known:
            if epoch is not None:  # lost and taken again in between: a new term, a fresh core
                log.warning("dispatcher %s lost %s and took it again (epoch %s -> %s)",
                            self.holder, name, known, epoch)
            return None
        return epoch

    def _drop(self, name: str) -> None:
        self.cores.pop(name, None)
        self.held.pop(name, None)
        if self.locks is not None:  # let another take it (or this one, next step, in a new term)
            self.locks.release(name)

    def round(self, name: str = LEASE_NAME) -> int:
        if name not in self.held:  # rounds driven by hand (tests): the lease taken by the caller
            epoch = take_lease(self.holder, name=name, locks=self.locks, seconds=self.lease_seconds)
            if epoch is None:
                return 0
            self.held[name] = epoch
        epoch = self.held[name]
        if self.mode == "rebuild":
            return tick(holder=self.holder, lease=name, brands=partition_brands(name), term=epoch)
        from roadie.desk.routing.live import LiveCore

        core = self.cores.get(name)
        if core is None:  # on start and on taking over: built from the database
            core = self.cores[name] = LiveCore(lease=name)
            self.recorded[name] = 0
        core.prepare(timezone.now())
        # A build or reconciliation of a large core can outlast the lease renewed before the
        # round: renew it before deciding, or give the partition up if another took it.
        if not self._take(name):
            log.warning("dispatcher %s lost %s while preparing its round", self.holder, name)
            self._drop(name)
            return 0
        made = len(core.decide(timezone.now(), holder=self.holder, stamp=False, epoch=epoch,
                               renew=lambda: self._take(name) is not None))
        if core.divergences != self.recorded[name]:
            record_divergences(self.holder, core.divergences, name=name)
            self.recorded[name] = core.divergences
        return made

    def lead(self) -> dict[str, int]:
        held = partitions.lead(self.holder, held=self.held, locks=self.locks, seconds=self.lease_seconds)
        for name in list(self.cores):
            if held.get(name) != self.held.get(name):  # another took it, or a new term: start
                del self.cores[name]                   # again from the database
        self.held = held
        return held

    def run(self) -> None:
        log.info("dispatcher %s started (%s, tick every %.1fs)", self.holder, self.mode, self.interval)
        if self.locks is None and connection.vendor == "postgresql":
            # a leader stalled this long (its session idle) loses its locks: see AdvisoryLocks
            self.locks = partitions.AdvisoryLocks(stall_seconds=STALL_LEASES * self.lease_seconds)
        limit = _StallLimit(STALL_LEASES * self.lease_seconds) if connection.vendor == "postgresql" else None
        try:
            try:
                self.wakeup.listen()  # before the first round, so that no write after its reads is missed
            except Exception:
                log.exception("listening for routing events failed; the rounds' clock still runs")
            while not self.stopping.is_set():
                started = time.monotonic()
                try:
                    close_old_connections()
                    if self.lead():
                        if time.monotonic() - self.pruned_at > 300:
                            prune_live_events()
                            prune_rejected()
                            prune_buckets()
                            self.pruned_at = time.monotonic()
                        for name in sorted(self.held):
                            made = self.round(name)
                            if made:
                                log.debug("made %d offers (%s)", made, name)
                    else:  # standing by: nothing to wake up for
                        self.stopping.wait(self.interval)
                        continue
                except Exception:  # a bad tick must not stop routing; the next one retries
                    log.exception("dispatch tick failed")
                    self.cores.clear()  # start again from the database
                # Until something becomes routable (LISTEN/NOTIFY, or SQLite's short poll), or
                # the next periodic round (expiries, absent agents, cascade tiers opening).
                try:
                    self.wakeup.wait(max(0.0, self.interval - (time.monotonic() - started)))
                except Exception:
                    log.exception("waiting for routing events failed")
                    self.stopping.wait(self.interval)
        finally:
            self.wakeup.close()
            partitions.leave(self.holder, self.held, locks=self.locks)
            self.locks = None
            if limit is not None:
                limit.close()
            log.info("dispatcher %s stopped", self.holder)

    def stop(self) -> None:
        self.stopping.set()
