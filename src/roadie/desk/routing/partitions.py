"""Leadership per pool partition: several dispatchers share the routing, each leading some pools.

Brands that share a pool (directly or through an overflow) form a **pool group**: their
contacts compete for the same agents in the same cascades, so one core must route them all.
The groups are dealt to ``ROADIE_DISPATCH_PARTITIONS`` partitions, the largest first, each
to the partition with the fewest brands so far (ties: by slug; a brand in no pool is a group of
its own). Each partition has its own lease row
(``dispatcher:K/N``; ``dispatcher`` when there is one partition, always the case on SQLite);
every dispatcher also keeps a ``member:HOST:PID`` row alive, so that each knows how many are
running and leads no more than its share (``ceil(partitions / dispatchers)``): with two
dispatchers and two partitions each leads one, and when one dies (its rows expire) the other
takes its partition over. Fencing is per partition: an offer is written only while its
dispatcher holds the lease of the contact's partition (checked under that row's lock in the
offer's transaction).

Agents are shared across partitions (a roadie certified for two brands of two groups, the
supervisors): each core counts the units an agent holds for other partitions as load, and the
database refuses any offer past an agent's capacity or pending limit, whoever makes it.
"""

from __future__ import annotations

import logging
import math
import zlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from roadie.desk.routing.models import Lease

log = logging.getLogger("roadie.dispatcher")

LEASE_NAME = "dispatcher"
LEASE_SECONDS = 10.0
MEMBER_PREFIX = "member:"


def partition_count() -> int:
    """How many partitions the pools are dealt to (one on SQLite: a single writer anyway)."""
    if connection.vendor != "postgresql":
        return 1
    return max(1, int(settings.ROADIE_DISPATCH_PARTITIONS))


def lease_name(k: int, n: int) -> str:
    return LEASE_NAME if n == 1 else f"{LEASE_NAME}:{k}/{n}"


def lease_names(n: int | None = None) -> list[str]:
    n = partition_count() if n is None else n
    return [lease_name(k, n) for k in range(n)]


def pool_groups(pools, brands) -> list[frozenset[str]]:
    """Brands that share a pool, directly or through overflows, grouped (union-find), each
    brand in exactly one group; sorted by their first slug."""
    parent: dict[str, str] = {b: b for b in brands}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_pool = {p.slug: p for p in pools}
    for pool in pools:
        members = set(pool.brands)
        seen, nxt = set(), pool.overflow_to
        while nxt and nxt not in seen and nxt in by_pool:  # an overflow's brands share agents too
            seen.add(nxt)
            members |= by_pool[nxt].brands
            nxt = by_pool[nxt].overflow_to
        members = sorted(members)
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    groups: dict[str, set[str]] = {}
    for b in parent:
        groups.setdefault(find(b), set()).add(b)
    return sorted((frozenset(g) for g in groups.values()), key=min)


def brand_partition(pools, brands, n: int) -> dict[str, int]:
    """Brand slug -> its partition (0..n-1)."""
    if n == 1:
        return dict.fromkeys(brands, 0)
    out = {}
    sizes = [0] * n
    # the largest groups first, each to the partition with the fewest brands so far
    for group in sorted(pool_groups(pools, brands), key=lambda g: (-len(g), min(g))):
        k = sizes.index(min(sizes))
        sizes[k] += len(group)
        for b in group:
            out[b] = k
    return out


def partition_of_slug(slug: str, n: int) -> int:
    """A stable partition for a brand no reader knows yet (between two pool reloads)."""
    return zlib.crc32(slug.encode()) % n


def take(holder: str, name: str, *, now: datetime | None = None, seconds: float = LEASE_SECONDS) -> bool:
    """Take or renew the lease ``name``. True if ``holder`` holds it until now + seconds."""
    now = now or timezone.now()
    until = now + timedelta(seconds=seconds)
    with transaction.atomic():
        if Lease.objects.filter(name=name, holder=holder).update(expires_at=until):
            return True
        if Lease.objects.filter(name=name, expires_at__lt=now).update(
                holder=holder, expires_at=until, divergences=0, reconciled_at=None):
            log.info("dispatcher %s took the lead of %s", holder, name)
            return True
        _, created = Lease.objects.get_or_create(name=name, defaults={"holder": holder, "expires_at": until})
        return created


def release(holder: str, name: str) -> None:
    Lease.objects.filter(name=name, holder=holder).delete()


def fair_share(holder: str, *, n: int, now: datetime | None = None) -> int:
    """How many partitions ``holder`` may lead: its share among the dispatchers alive."""
    now = now or timezone.now()
    take(holder, MEMBER_PREFIX + holder, now=now)
    alive = Lease.objects.filter(name__startswith=MEMBER_PREFIX, expires_at__gte=now).count()
    return math.ceil(n / max(1, alive))


def lead(holder: str, *, held: set[str], now: datetime | None = None) -> set[str]:
    """One leadership step: renew what ``holder`` leads, give back what is over its share (the
    last ones), take free partitions up to it. Returns the lease names it now holds."""
    now = now or timezone.now()
    n = partition_count()
    names = lease_names(n)
    share = fair_share(holder, n=n, now=now) if n > 1 else 1
    mine = [name for name in names if name in held and take(holder, name, now=now)]
    while len(mine) > share:
        name = mine.pop()
        release(holder, name)
        log.info("dispatcher %s hands %s over (its share is %d)", holder, name, share)
    for name in names:
        if len(mine) >= share:
            break
        if name not in mine and take(holder, name, now=now):
            mine.append(name)
    return set(mine)


def leave(holder: str, held) -> None:
    for name in held:
        release(holder, name)
    release(holder, MEMBER_PREFIX + holder)
