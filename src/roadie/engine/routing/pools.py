"""Cascades from pools: each brand's own pools first, their overflow after a delay, then
supervisors. The dispatcher builds them from the database, the simulator from a scenario file,
with this one function, so both route with the same tiers.

A pool is a portfolio of brands served together (``PoolSpec``). A pool may overflow to another
(the weekend relay) after ``overflow_after`` seconds of waiting; that one may overflow further.
Who belongs to a pool is the caller's business (``Agent.pools``); the tiers only name pools. A
tier whose agents are all offline opens the next one at once, so a brand whose own team is
away reaches the relay without waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from roadie.engine.routing.model import RoutingError, Tier

SUPERVISORS = "supervisors"


@dataclass(frozen=True, slots=True)
class PoolSpec:
    slug: str
    brands: frozenset[str]
    overflow_to: str | None = None
    overflow_after: float = 120.0

    def __post_init__(self) -> None:
        if self.overflow_after < 0:
            raise RoutingError(f"pool {self.slug}: overflow_after must be >= 0")
        if not isinstance(self.brands, frozenset):
            object.__setattr__(self, "brands", frozenset(self.brands))


def overflow_targets(pools: Iterable[PoolSpec]) -> frozenset[str]:
    """Pools some other pool overflows to (their members are a relay, not a brand's own team)."""
    return frozenset(p.overflow_to for p in pools if p.overflow_to)


def pool_cascades(
    pools: Iterable[PoolSpec], *, supervisors_after: float | None = 300.0
) -> dict[str, tuple[Tier, ...]]:
    """Each brand's cascade: its own pools at once, each pool's overflow chain after its delays
    (counted from the contact's arrival), then the ``supervisors`` pool ``supervisors_after``
    seconds after the last tier opened (None: no supervisors tier).

    A brand that is only in overflow pools, or in none, keeps the default cascade (every
    certified agent at once) and is not in the result.
    """
    pools = list(pools)
    by_slug = {p.slug: p for p in pools}
    relays = overflow_targets(pools)
    brands = sorted({b for p in pools if p.slug not in relays for b in p.brands})
    out: dict[str, tuple[Tier, ...]] = {}
    for brand in brands:
        own = sorted(p.slug for p in pools if brand in p.brands and p.slug not in relays)
        tiers: list[Tier] = [Tier.of_pool(slug, 0.0) for slug in own]
        seen = set(own)
        last = 0.0
        for slug in own:
            at, pool = 0.0, by_slug[slug]
            while pool.overflow_to and pool.overflow_to not in seen:
                if pool.overflow_to not in by_slug:
                    raise RoutingError(f"pool {pool.slug} overflows to unknown pool {pool.overflow_to}")
                at += pool.overflow_after
                seen.add(pool.overflow_to)
                tiers.append(Tier.of_pool(pool.overflow_to, at))
                last = max(last, at)
                pool = by_slug[pool.overflow_to]
        if supervisors_after is not None and SUPERVISORS not in seen:
            tiers.append(Tier.of_pool(SUPERVISORS, last + supervisors_after))
        out[brand] = tuple(sorted(tiers, key=lambda t: t.after))
    return out


def agent_pools(
    certified_brands: Iterable[str], *, pools: Iterable[PoolSpec], relay: bool, supervisor: bool
) -> frozenset[str]:
    """The pools an agent belongs to: a supervisor (``supervisor``) to ``supervisors`` only, so
    they join a brand's cascade last, after its own pools and their overflow; a relay agent
    (``relay``) to every overflow pool; the others to the own pools of the brands they are
    certified for. (Every tier still asks for the contact's skills: a relay agent or a
    supervisor takes only the brands they are certified for.)

    Live, ``supervisor`` is the role (``accounts.access.can_supervise``): someone who works
    with a brand's team takes its contacts as a roadie, from an account whose role is agent;
    in a scenario, a team's ``supervisor = true``. One rule for both (docs/routing.md)."""
    if supervisor:
        return frozenset({SUPERVISORS})
    pools = list(pools)
    relays = overflow_targets(pools)
    brands = set(certified_brands)
    if relay:
        return frozenset(relays)
    return frozenset(p.slug for p in pools if p.slug not in relays and p.brands & brands)
