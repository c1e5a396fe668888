"""Reads for routing: what a contact requires, what it costs an agent, queue statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from roadie.desk.accounts.access import can_supervise
from roadie.desk.agents.models import Agent, Certification, Presence, Skill
from roadie.desk.brands.models import Brand, ChannelKind, Pool, ServiceLevelPolicy
from roadie.desk.contacts.models import Contact, Status, promised_at
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer
from roadie.engine import routing as core
from roadie.engine.routing import CHANNEL_COST, PoolSpec, Tier, agent_pools, pool_cascades
from roadie.engine.service_level import ServiceLevelCounts


@dataclass(frozen=True, slots=True)
class _Brand:
    slug: str


@dataclass(frozen=True, slots=True)
class ContactRow:
    """What routing reads of a contact, as plain values (``dispatcher.contact_spec``,
    :func:`contact_skills` and the live core read it as they read a ``Contact``): building
    model instances was most of a catch-up at thousands of contacts."""

    pk: int
    status: str
    brand: _Brand
    channel: str
    language: str
    extra_skills: list
    priority: int
    queue_since: datetime
    deadline_at: datetime
    brand_id: int


_ROW_FIELDS = ("pk", "status", "brand__slug", "channel", "language", "extra_skills", "priority",
               "queued_at", "arrived_at", "deadline_at", "brand_id")


def contact_rows(ids=None, *, query=None) -> dict[int, ContactRow]:
    """Contact id -> its :class:`ContactRow`, of ``ids`` or of the contacts of ``query`` in its
    order (one query; a contact gone is absent)."""
    query = Contact.objects.filter(pk__in=ids) if query is None else query
    return {pk: ContactRow(pk, status, _Brand(slug), channel, language, extra, priority, queued or arrived, deadline,
                           brand_id)
            for pk, status, slug, channel, language, extra, priority, queued, arrived, deadline, brand_id
            in query.values_list(*_ROW_FIELDS)}


def contact_skills(contact: Contact) -> frozenset[str]:
    """Skill strings the agent must all hold (the routing core's vocabulary)."""
    skills = {f"brand:{contact.brand.slug}", f"lang:{contact.language}", *contact.extra_skills}
    if contact.channel == ChannelKind.VIDEO:
        skills.add("lsf")
    return frozenset(skills)


def contact_cost(contact: Contact) -> int:
    return CHANNEL_COST[contact.channel]


def pool_specs() -> list[PoolSpec]:
    """Every pool, as the routing core reads them (one query)."""
    out = []
    for pool in Pool.objects.select_related("overflow_to").prefetch_related("brands").order_by("slug"):
        out.append(PoolSpec(
            slug=pool.slug, brands=frozenset(b.slug for b in pool.brands.all()),
            overflow_to=pool.overflow_to.slug if pool.overflow_to else None,
            overflow_after=float(pool.overflow_after_seconds),
        ))
    return out


def live_cascades(pools: list[PoolSpec]) -> dict[str, tuple[Tier, ...]]:
    """Each brand's cascade (its pools, their overflow, then supervisors), as the simulator
    builds it from a scenario's ``[[pools]]``."""
    return pool_cascades(pools, supervisors_after=settings.ROADIE_SUPERVISORS_AFTER)


def brand_pools(pools: list[PoolSpec]) -> dict[str, frozenset[str]]:
    """Brand slug -> the slugs of the pools it is in."""
    out: dict[str, set[str]] = {}
    for pool in pools:
        for brand in pool.brands:
            out.setdefault(brand, set()).add(pool.slug)
    return {b: frozenset(p) for b, p in out.items()}


def booked_pools(now: datetime) -> dict[int, frozenset[str]]:
    """Agent id -> slugs of the pools they hold a booked slot for now (self-scheduling)."""
    from roadie.desk.scheduling.lib import on_shift

    shifts = on_shift(now)
    slugs = dict(Pool.objects.filter(pk__in={p for ps in shifts.values() for p in ps})
                 .values_list("pk", "slug"))
    return {a: frozenset(slugs[p] for p in ps if p in slugs) for a, ps in shifts.items()}


def channel_limits(agent: Agent) -> dict[str, int]:
    """The agent's most contacts at once per channel (``agents.actions`` validates them; a
    value that is not a whole number >= 0, written behind its back, is ignored)."""
    limits = agent.channel_limits if isinstance(agent.channel_limits, dict) else {}
    return {c: n for c, n in limits.items() if isinstance(n, int) and not isinstance(n, bool) and n >= 0}


@dataclass(frozen=True)
class AgentFacts:
    """What routing reads of an agent besides its row: its certified brands (slug, regular) and
    its skill names."""

    certified: tuple[tuple[str, bool], ...] = ()
    areas: tuple[str, ...] = ()

    def skills(self, agent: Agent) -> frozenset[str]:
        return agent.skill_set(brands=[slug for slug, _ in self.certified], areas=self.areas)


NO_FACTS = AgentFacts()  # no certification, no skill


def agent_facts(agent_ids) -> dict[int, AgentFacts]:
    """Agent id -> its :class:`AgentFacts`, in two queries of plain values (no model instances:
    at thousands of agents and eight certifications each, building them was most of a round).
    ``agent_ids``: ids, or a query of them."""
    certified: dict[int, list] = {}
    for agent_id, slug, regular in (Certification.objects.filter(agent_id__in=agent_ids).order_by("pk")
                                    .values_list("agent_id", "brand__slug", "regular")):
        certified.setdefault(agent_id, []).append((slug, regular))
    areas: dict[int, list] = {}
    for agent_id, name in Skill.objects.filter(agent_id__in=agent_ids).order_by("pk").values_list("agent_id", "name"):
        areas.setdefault(agent_id, []).append(name)
    return {a: AgentFacts(tuple(certified.get(a, ())), tuple(areas.get(a, ())))
            for a in set(certified) | set(areas)}


def routing_agent(agent: Agent, *, pools: list[PoolSpec], load: int, available: bool,
                  epoch: datetime, booked: frozenset[str] = frozenset(),
                  channel_load: dict[str, int] | None = None, facts: AgentFacts | None = None) -> core.Agent:
    """The routing core's view of an agent (skills, regular brands, pools, load; its channel
    limits, and ``channel_load``: its contacts per channel the core is not given). ``facts``:
    its certifications and skills as read by :func:`agent_facts` (default: from the agent's
    prefetched or lazy relations)."""
    if facts is None:
        facts = AgentFacts(tuple((c.brand.slug, c.regular) for c in agent.certifications.all()),
                           tuple(s.name for s in agent.skills.all()))
    certified = [slug for slug, _ in facts.certified]
    return core.Agent(
        id=agent.pk, skills=facts.skills(agent), capacity=agent.capacity, load=load,
        channel_limits=channel_limits(agent), channel_load=channel_load or {},
        state=core.AgentState.AVAILABLE if available else core.AgentState.BREAK, idle_since=(agent.idle_since - epoch).total_seconds(),
        regular_brands=frozenset(slug for slug, regular in facts.certified if regular),
        pools=agent_pools(certified, pools=pools, relay=agent.is_backup,
                          supervisor=can_supervise(agent.user)),
        booked_pools=booked,
    )


@dataclass(frozen=True)
class QueueStats:
    brand: str
    brand_name: str
    channel: str
    waiting: int
    longest_wait_seconds: int
    answered_today: int
    answered_in_target_today: int
    service_level_today: float | None
    target: float
    answer_seconds: int
    at_risk: int


def start_of_today(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def queue_stats(brands, *, now: datetime | None = None) -> list[QueueStats]:
    """Per brand and channel: waiting, longest wait, service level today against target (the
    one definition of ``roadie.engine.service_level``, over contacts arrived today), and
    contacts at risk of missing it.

    Four grouped queries whatever the number of contacts."""
    now = now or timezone.now()
    brands = list(brands)
    by_id = {b.pk: b for b in brands}
    today = start_of_today(now)
    policies = {
        (p.brand_id, p.channel): p for p in ServiceLevelPolicy.objects.filter(brand__in=brands)
    }
    waiting = {
        (r["brand_id"], r["channel"]): r
        for r in Contact.objects.filter(brand__in=brands, status__in=[Status.QUEUED, Status.OFFERED])
        .values("brand_id", "channel")
        .annotate(n=Count("pk"), oldest=Min(Coalesce("queued_at", "arrived_at")),
                  at_risk=Count("pk", filter=Q(deadline_at__lt=now + timedelta(seconds=30))))
    }
    answered = {
        (r["brand_id"], r["channel"]): r
        for r in Contact.objects.filter(brand__in=brands, answered_at__gte=today)
        .values("brand_id", "channel").annotate(n=Count("pk"))
    }
    # The one definition (roadie.engine.service_level), over the contacts arrived today, each
    # judged by the promise of its first arrival (a reopening does not move it).
    late = Q(promised__lt=now)
    settled = {
        (r["brand_id"], r["channel"]): r
        for r in Contact.objects.filter(brand__in=brands, arrived_at__gte=today)
        .annotate(promised=promised_at())
        .values("brand_id", "channel")
        .annotate(
            in_time=Count("pk", filter=Q(answered_at__lte=F("promised"))),
            answered_late=Count("pk", filter=Q(answered_at__gt=F("promised"))),
            abandoned_late=Count("pk", filter=Q(answered_at__isnull=True, status=Status.ABANDONED,
                                                resolved_at__gt=F("promised"))),
            waiting_late=Count("pk", filter=Q(answered_at__isnull=True, status__in=[
                Status.QUEUED, Status.OFFERED]) & late),
        )
    }
    keys = sorted(set(policies) | set(waiting) | set(answered) | set(settled),
                  key=lambda k: (by_id[k[0]].name, k[1]))
    out = []
    for key in keys:
        brand = by_id[key[0]]
        policy = policies.get(key)
        w = waiting.get(key, {})
        a = answered.get(key, {})
        n_answered = a.get("n", 0)
        c = settled.get(key, {})
        counts = ServiceLevelCounts(answered_in_time=c.get("in_time", 0),
                                    answered_late=c.get("answered_late", 0),
                                    abandoned_late=c.get("abandoned_late", 0),
                                    waiting_late=c.get("waiting_late", 0))
        out.append(QueueStats(
            brand=brand.slug, brand_name=brand.name, channel=key[1],
            waiting=w.get("n", 0),
            longest_wait_seconds=int((now - w["oldest"]).total_seconds()) if w.get("oldest") else 0,
            answered_today=n_answered,
            answered_in_target_today=counts.answered_in_time,
            service_level_today=counts.value,
            target=float(policy.target) if policy else 0.8,
            answer_seconds=policy.answer_seconds if policy else 0,
            at_risk=w.get("at_risk", 0),
        ))
    return out


def agents_by_state(agents=None) -> dict[str, int]:
    """Offline, available (idle), busy (holding work), on a break."""
    agents = Agent.objects.all() if agents is None else agents
    busy_ids = set(
        Offer.objects.filter(status__in=ACTIVE_OFFER_STATUSES).values_list("agent_id", flat=True)
    )
    counts = {"offline": 0, "available": 0, "busy": 0, "break": 0}
    for agent_id, presence in agents.values_list("pk", "presence"):
        if presence == Presence.AVAILABLE:
            counts["busy" if agent_id in busy_ids else "available"] += 1
        else:
            counts[presence] += 1
    return counts


def at_risk_contacts(brands, *, now: datetime | None = None, limit: int = 20):
    now = now or timezone.now()
    return (
        Contact.objects.filter(brand__in=brands, status__in=[Status.QUEUED, Status.OFFERED],
                               deadline_at__lt=now + timedelta(seconds=30))
        .select_related("brand").order_by("deadline_at")[:limit]
    )


def all_brands():
    return Brand.objects.filter(is_active=True)
