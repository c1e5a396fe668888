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
takes its partition over.

Who leads: on PostgreSQL the dispatcher process holds a session advisory lock per partition
(and one as a member) on a connection of its own (:class:`AdvisoryLocks`); its death frees
them at once, and a standby takes the row over whatever its expiry. On SQLite, and for rounds
driven by hand, the lease row alone decides (a standby waits for it to expire).

Fencing is per partition: each lease row has an epoch, bumped at every change of term; a
dispatcher's offers carry the lease and the epoch it took it at, checked under the lease
row's lock in the offer's transaction and again by a database trigger at the insert
(:mod:`roadie.desk.routing.fence`).

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
from django.db.models import F
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


def take(holder: str, name: str, *, now: datetime | None = None, seconds: float = LEASE_SECONDS,
         locks: AdvisoryLocks | None = None) -> int | None:
    """Take or renew the lease ``name``. Returns the epoch ``holder`` holds it at, until
    now + seconds, or None when another holds it.

    Without ``locks`` (SQLite, and callers that are not the dispatcher process): the row
    decides; a holder renews its row, a standby takes a row past its expiry. With ``locks``
    (the dispatcher on PostgreSQL): the advisory lock of ``name`` decides (freed the moment its
    holder's process dies), whatever the row's expiry; the row is then written (holder, expiry,
    epoch: the board's, ``/healthz``'s and the fencing trigger's view). A new term (another
    holder, or the lock newly taken) bumps the epoch."""
    now = now or timezone.now()
    until = now + timedelta(seconds=seconds)
    if locks is not None:
        got, fresh = locks.acquire(name)
        if not got:
            return None
        with transaction.atomic():
            row = Lease.objects.select_for_update().filter(name=name).first()
            if row is None:
                Lease.objects.create(name=name, holder=holder, expires_at=until)
                log.info("dispatcher %s took the lead of %s (advisory lock)", holder, name)
                return 1
            if row.holder == holder and not fresh:
                if not Lease.objects.filter(name=name, holder=holder, epoch=row.epoch).update(expires_at=until):
                    return None
                return row.epoch
            if not fresh:  # we hold the lock, yet the row was taken (a take without the lock)
                locks.release(name)
                return None
            Lease.objects.filter(name=name).update(holder=holder, expires_at=until, epoch=F("epoch") + 1,
                                                   divergences=0, reconciled_at=None)
            log.info("dispatcher %s took the lead of %s (advisory lock; was %s)", holder, name, row.holder)
            return row.epoch + 1
    with transaction.atomic():
        if Lease.objects.filter(name=name, holder=holder).update(expires_at=until):
            return Lease.objects.filter(name=name).values_list("epoch", flat=True).first()
        if Lease.objects.filter(name=name, expires_at__lt=now).update(
                holder=holder, expires_at=until, epoch=F("epoch") + 1, divergences=0, reconciled_at=None):
            log.info("dispatcher %s took the lead of %s", holder, name)
            return Lease.objects.filter(name=name).values_list("epoch", flat=True).first()
        lease, created = Lease.objects.get_or_create(name=name, defaults={"holder": holder, "expires_at": until})
        return lease.epoch if created else None


def release(holder: str, name: str, *, locks: AdvisoryLocks | None = None) -> None:
    """Give the lease up. A partition's row is kept, expired, its epoch bumped (so that an
    offer still in flight from this term is refused, and a row recreated later never reuses
    an old epoch); a member row is deleted."""
    if name.startswith(MEMBER_PREFIX):
        Lease.objects.filter(name=name, holder=holder).delete()
    else:
        Lease.objects.filter(name=name, holder=holder).update(
            holder="", expires_at=timezone.now() - timedelta(seconds=1), epoch=F("epoch") + 1)
    if locks is not None:
        locks.release(name)


def fair_share(holder: str, *, n: int, now: datetime | None = None, locks: AdvisoryLocks | None = None) -> int:
    """How many partitions ``holder`` may lead: its share among the dispatchers alive (with
    ``locks``: those holding a member advisory lock, so a killed one stops counting at once)."""
    now = now or timezone.now()
    take(holder, MEMBER_PREFIX + holder, now=now)
    if locks is not None and locks.acquire(MEMBER_PREFIX + holder)[0]:
        alive = locks.members()
    else:
        alive = Lease.objects.filter(name__startswith=MEMBER_PREFIX, expires_at__gte=now).count()
    return math.ceil(n / max(1, alive))


def lead(holder: str, *, held, now: datetime | None = None, locks: AdvisoryLocks | None = None,
         seconds: float = LEASE_SECONDS) -> dict[str, int]:
    """One leadership step: renew what ``holder`` leads, give back what is over its share (the
    last ones), take free partitions up to it. Returns the lease names it now holds, each with
    the epoch it holds it at."""
    now = now or timezone.now()
    n = partition_count()
    names = lease_names(n)
    share = fair_share(holder, n=n, now=now, locks=locks) if n > 1 else 1
    mine: dict[str, int] = {}
    for name in names:
        if name in held and (epoch := take(holder, name, now=now, locks=locks, seconds=seconds)):
            mine[name] = epoch
    while len(mine) > share:
        name = list(mine)[-1]
        del mine[name]
        release(holder, name, locks=locks)
        log.info("dispatcher %s hands %s over (its share is %d)", holder, name, share)
    for name in names:
        if len(mine) >= share:
            break
        if name not in mine and (epoch := take(holder, name, now=now, locks=locks, seconds=seconds)):
            mine[name] = epoch
    return mine


def leave(holder: str, held, *, locks: AdvisoryLocks | None = None) -> None:
    for name in held:
        release(holder, name, locks=locks)
    release(holder, MEMBER_PREFIX + holder, locks=locks)
    if locks is not None:
        locks.close()


# Advisory lock keys: (LOCK_SPACE, crc32 of the lease name) for partitions, (MEMBER_SPACE, crc32
# of the holder) for members; two 32-bit keys, so no other user of advisory locks collides.
LOCK_SPACE = 0x726F6164  # "road"
MEMBER_SPACE = 0x726F6D62  # "romb"


def _key(name: str) -> tuple[int, int]:
    space = MEMBER_SPACE if name.startswith(MEMBER_PREFIX) else LOCK_SPACE
    crc = zlib.crc32(name.encode())
    return space, crc - (1 << 32) if crc >= 1 << 31 else crc  # a signed int4


class AdvisoryLocks:
    """A dispatcher's leadership on PostgreSQL: session-level advisory locks
    (``pg_try_advisory_lock``) held on a connection of its own, opened outside Django's
    connection handling (so ``close_old_connections`` never drops it) in autocommit. The
    locks live as long as that session: the dispatcher's exit or a kill -9 free them at once,
    and a standby's next try gets them. A vanished host is found by the server's TCP
    keepalives (about 11 s). A dispatcher that stalls with its connection open (stopped, or a
    round hung) would keep them forever: ``stall_seconds`` sets the session's
    ``idle_session_timeout``, so the server ends a session that ran no statement for that long
    (every leadership step runs one); the dispatcher's later offers carry its old epoch and
    are refused. Not thread-safe: one per process."""

    def __init__(self, *, stall_seconds: float | None = None) -> None:
        self._conn = None
        self.held: set[str] = set()
        self.stall_seconds = stall_seconds

    def _connection(self):
        if self._conn is None or self._conn.closed:
            import psycopg

            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self.held.clear()
            conn = psycopg.connect(**params, autocommit=True, application_name="roadie-dispatcher-locks")
            try:  # (idle_session_timeout: PostgreSQL 14, Django 5.2's oldest)
                for name, value in (("tcp_keepalives_idle", 5), ("tcp_keepalives_interval", 2),
                                    ("tcp_keepalives_count", 3),
                                    ("idle_session_timeout", min(2**31 - 1, int((self.stall_seconds or 0) * 1000)))):
                    conn.execute("SELECT set_config(%s, %s, false)", [name, str(value)])
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def acquire(self, name: str) -> tuple[bool, bool]:
        """(held, fresh): whether this session holds the lock of ``name`` now, and whether it
        has just taken it (a new term). A lost session loses its locks: they are taken again."""
        import psycopg

        try:
            conn = self._connection()
            if name in self.held:
                conn.execute("SELECT 1")  # the session (and so the lock) is still there
                return True, False
            got = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", _key(name)).fetchone()[0]
        except psycopg.Error:
            log.exception("the leadership connection failed: its locks are lost")
            self.close()
            return False, False
        if got:
            self.held.add(name)
        return bool(got), bool(got)

    def release(self, name: str) -> None:
        if name in self.held and self._conn is not None and not self._conn.closed:
            self.held.discard(name)
            try:
                self._conn.execute("SELECT pg_advisory_unlock(%s, %s)", _key(name))
            except Exception:
                log.exception("giving up the lock of %s failed; closing its connection", name)
                self.close()

    def members(self) -> int:
        """Dispatchers alive: sessions holding a member lock."""
        return self._connection().execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s::oid AND objsubid = 2 AND database = (SELECT oid FROM pg_database"
            " WHERE datname = current_database())", [MEMBER_SPACE]).fetchone()[0]

    def close(self) -> None:
        self.held.clear()
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
