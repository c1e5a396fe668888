"""The routing core's plain data: agents, contacts, reservations, cascade tiers.

Everything here is a frozen dataclass. The :class:`~roadie.engine.routing.router.Router`
keeps its own mutable bookkeeping (current load, exclusions, reservations) beside these specs.
Times are float seconds on any epoch the caller likes (the simulator uses seconds since the
start of the run, the dispatcher seconds since the Unix epoch); the core never reads a clock.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

#: Capacity units taken by one contact of each channel, out of an agent's default budget of 6:
#: one call or one video call fills an agent; three chats (or messaging threads) do; two emails do.
CHANNEL_COST: Mapping[str, int] = MappingProxyType(
    {"voice": 6, "video": 6, "chat": 2, "whatsapp": 2, "social": 2, "email": 3}
)
CHANNELS: tuple[str, ...] = tuple(CHANNEL_COST)
DEFAULT_CAPACITY = 6
_EMPTY: frozenset = frozenset()
_NO_LIMITS: Mapping[str, int] = MappingProxyType({})


class RoutingError(ValueError):
    """An event the core cannot apply (unknown id, contact not reserved, agent lacks a skill...)."""


class AgentState(enum.Enum):
    """What the agent said they are doing. "Busy" is not a state: it is ``load > 0``."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    BREAK = "break"
    WRAP_UP = "wrap_up"


class ContactState(enum.Enum):
    """Where a contact is inside the core."""

    WAITING = "waiting"
    RESERVED = "reserved"  # offered to one agent, waiting for accept / decline / timeout
    IN_SERVICE = "in_service"


def brand_skill(brand: str) -> str:
    """The certification skill every agent needs to take a contact of ``brand``."""
    return f"brand:{brand}"


@dataclass(frozen=True, slots=True)
class Agent:
    """One roadie as the router sees them.

    ``skills`` holds strings such as ``"brand:maison-lune"``, ``"lang:fr"``, ``"lsf"``,
    ``"area:billing"``; ``proficiency`` optionally rates some of them (1-10, missing means 5).
    ``capacity`` and ``load`` are capacity units (see :data:`CHANNEL_COST`); ``load`` counts units
    in use by contacts the router is *not* told about (contacts given to the router and reserved
    through it add their own cost). ``pools`` names the backup pools the agent belongs to
    (e.g. ``"weekend-relay"``, ``"supervisors"``). ``handled`` is the number of contacts handled so
    far in the day (the fairness policy uses it). ``booked_pools``: the pools the agent holds a
    booked slot for now (:class:`~roadie.engine.routing.policies.OnShiftFirst` prefers them).

    ``channel_limits``: the most contacts of a channel the agent holds at once (offered or in
    service), e.g. ``{"chat": 3, "email": 2, "voice": 1}``; 0 means never that channel; a
    channel not named has no limit of its own. The ``capacity`` budget holds on top.
    ``channel_load``: contacts per channel the router is not told about (as ``load``).
    """

    id: int
    skills: frozenset[str] = frozenset()
    capacity: int = DEFAULT_CAPACITY
    load: int = 0
    state: AgentState = AgentState.AVAILABLE
    idle_since: float = 0.0
    regular_brands: frozenset[str] = frozenset()
    proficiency: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)
    pools: frozenset[str] = frozenset()
    handled: int = 0
    # pools the agent has a booked slot for right now (self-scheduling): see OnShiftFirst
    booked_pools: frozenset[str] = frozenset()
    # per channel: the most contacts at once, and contacts held outside the router (see above)
    channel_limits: Mapping[str, int] = field(default_factory=lambda: _NO_LIMITS, hash=False)
    channel_load: Mapping[str, int] = field(default_factory=lambda: _NO_LIMITS, hash=False)

    def __post_init__(self) -> None:
        if self.capacity < 0 or self.load < 0:
            raise RoutingError(f"agent {self.id}: capacity and load must be >= 0")
        for name in ("channel_limits", "channel_load"):
            value = getattr(self, name)
            if value is _NO_LIMITS:
                continue
            clean = {}
            for channel, n in dict(value).items():
                if not isinstance(channel, str) or not isinstance(n, int) or n < 0:
                    raise RoutingError(f"agent {self.id}: {name} maps a channel to a whole number >= 0")
                if n or name == "channel_limits":
                    clean[channel] = n
            object.__setattr__(self, name, MappingProxyType(clean) if clean else _NO_LIMITS)
        for name in ("skills", "regular_brands", "pools", "booked_pools"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))


@dataclass(frozen=True, slots=True)
class Contact:
    """One waiting contact.

    ``skills`` are required (all of them); the brand certification ``brand:<brand>`` is always
    required on top, whether listed or not. ``cost`` defaults to ``CHANNEL_COST[channel]``.
    ``priority``: higher goes first. ``deadline``: the service-level deadline (absolute time);
    ``inf`` means "no deadline" and the queue order then falls back on arrival plus a default
    target. ``excluded_agents``: agents who declined or let the offer time out; the router does
    not offer the contact to them again unless nobody else qualifies at that moment.
    """

    id: int
    brand: str
    channel: str = "voice"
    skills: frozenset[str] = frozenset()
    cost: int | None = None
    priority: int = 0
    arrival: float = 0.0
    deadline: float = math.inf
    excluded_agents: frozenset[int] = frozenset()

    # A hand-written __init__ (dataclass keeps it): the generated one of a frozen dataclass
    # goes through object.__setattr__ field by field, which made a Contact cost ~1.9 us; the
    # simulator builds one per simulated contact. Same signature, checks and result.
    def __init__(
        self,
        id: int,
        brand: str,
        channel: str = "voice",
        skills: frozenset[str] = _EMPTY,
        cost: int | None = None,
        priority: int = 0,
        arrival: float = 0.0,
        deadline: float = math.inf,
        excluded_agents: frozenset[int] = _EMPTY,
    ) -> None:
        if skills.__class__ is not frozenset:
            skills = frozenset(skills)
        if excluded_agents.__class__ is not frozenset:
            excluded_agents = frozenset(excluded_agents)
        if cost is None:
            try:
                cost = CHANNEL_COST[channel]
            except KeyError:
                raise RoutingError(
                    f"contact {id}: unknown channel {channel!r} and no cost given"
                ) from None
        if cost <= 0:
            raise RoutingError(f"contact {id}: cost must be > 0")
        _set_contact(
            self, id, brand, channel, skills, cost, priority, arrival, deadline, excluded_agents
        )

    @property
    def required_skills(self) -> frozenset[str]:
        return self.skills | {brand_skill(self.brand)}


def _slot_setter(cls: type, names: tuple[str, ...]):
    """One function setting the slots ``names`` of a frozen slotted dataclass instance (the
    slots' own descriptors: what ``object.__setattr__`` does, without the per-field lookup)."""
    args = ", ".join(f"v{i}" for i in range(len(names)))
    body = "; ".join(f"s{i}(obj, v{i})" for i in range(len(names)))
    defaults = ", ".join(f"s{i}=s{i}" for i in range(len(names)))
    env = {f"s{i}": getattr(cls, n).__set__ for i, n in enumerate(names)}
    exec(f"def set_all(obj, {args}, *, {defaults}):\n    {body}\n", env)  # noqa: S102
    return env["set_all"]


_set_contact = _slot_setter(Contact, tuple(f.name for f in fields(Contact)))


@dataclass(frozen=True, slots=True, order=True)
class Reservation:
    """The core's decision: offer ``contact_id`` to ``agent_id`` (the agent's capacity is held)."""

    contact_id: int
    agent_id: int
    cost: int = field(default=0, compare=False)
    reserved_at: float = field(default=0.0, compare=False)
    expires_at: float = field(default=math.inf, compare=False)

    def __init__(
        self,
        contact_id: int,
        agent_id: int,
        cost: int = 0,
        reserved_at: float = 0.0,
        expires_at: float = math.inf,
    ) -> None:  # hand-written for speed, as Contact's
        _set_reservation(self, contact_id, agent_id, cost, reserved_at, expires_at)


_set_reservation = _slot_setter(Reservation, tuple(f.name for f in fields(Reservation)))


class TierKind(enum.Enum):
    REGULAR = "regular"  # the brand's regular roadies (Agent.regular_brands)
    CERTIFIED = "certified"  # every roadie certified for the brand (and holding the skills)
    POOL = "pool"  # members of a named pool (backup, weekend relay, supervisors)


@dataclass(frozen=True, slots=True)
class Tier:
    """One step of a cascade: who may take the contact once it has waited ``after`` seconds.

    Tiers widen: once a tier is open it stays open, and the agents of every open tier compete.
    A tier whose agents are all offline ("nobody on shift") lets the next tier open at the same
    time as itself (fast fall-through). Every agent must still hold the contact's skills.
    """

    kind: TierKind
    after: float = 0.0
    pool: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is TierKind.POOL) != (self.pool is not None):
            raise RoutingError("a POOL tier needs a pool name, other tiers must not have one")
        if self.after < 0:
            raise RoutingError("tier 'after' must be >= 0")

    @classmethod
    def regular(cls, after: float = 0.0) -> Tier:
        return cls(TierKind.REGULAR, after)

    @classmethod
    def certified(cls, after: float = 0.0) -> Tier:
        return cls(TierKind.CERTIFIED, after)

    @classmethod
    def of_pool(cls, pool: str, after: float = 0.0) -> Tier:
        return cls(TierKind.POOL, after, pool)


#: Every certified agent from the first second.
DEFAULT_CASCADE: tuple[Tier, ...] = (Tier.certified(0.0),)


def standard_cascade(
    *,
    regular_for: float = 30.0,
    backup_pool: str | None = None,
    backup_after: float = 120.0,
    supervisors_pool: str | None = None,
    supervisors_after: float = 300.0,
) -> tuple[Tier, ...]:
    """Regular roadies, then every certified roadie, then a backup pool, then supervisors."""
    tiers = [Tier.regular(0.0), Tier.certified(regular_for)]
    if backup_pool:
        tiers.append(Tier.of_pool(backup_pool, backup_after))
    if supervisors_pool:
        tiers.append(Tier.of_pool(supervisors_pool, supervisors_after))
    return tuple(tiers)


@dataclass(frozen=True, slots=True)
class QueueClass:
    """Contacts that share everything routing looks at except time: one queue, one agent index."""

    brand: str
    skills: frozenset[str]  # required, brand certification included
    cost: int
    cascade: tuple[Tier, ...]
    channel: str = ""  # agents' per-channel limits make the channel matter, not only the cost
