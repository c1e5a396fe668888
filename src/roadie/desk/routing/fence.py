"""Fencing enforced by the database: an offer a dispatcher writes carries the lease of its
pool partition and the epoch it held (``Offer.lease``, ``Offer.epoch``); a trigger refuses the
insert unless that lease is at that epoch now.

On PostgreSQL the trigger reads the lease row ``FOR SHARE``: a standby taking the lease (an
UPDATE that bumps the epoch) waits for an offer transaction that already passed the check, and
an insert after the take-over committed sees the new epoch, so no offer of an old term commits
after a new term began. On SQLite (one writer at a time) the trigger's read is enough.

An offer whose lease is NULL was written by a person's act or a connector's event (a call
answered, a snooze ending, a hand-over, a resumed conversation), not by a dispatcher: it is not
fenced; the contact row lock and the partial unique index (one active offer per contact) order
it with the dispatcher's offers.

The trigger is created by migration ``routing.0003`` and re-created, if missing, after every
``migrate`` wherever its columns exist (:func:`on_post_migrate`): SQLite drops a table's
triggers when a later migration rebuilds the table.
"""

from __future__ import annotations

# The marker both vendors' errors carry: ``routing.actions`` turns it into "lost its lease".
FENCED = "roadie-fencing: offer from a past lease epoch"

POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION routing_offer_fence() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM routing_lease WHERE name = NEW.lease AND epoch = NEW.epoch FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION '{FENCED} (lease %, epoch %)', NEW.lease, NEW.epoch
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END
    $$;
    """,
    """
    CREATE OR REPLACE TRIGGER routing_offer_fence BEFORE INSERT ON routing_offer
    FOR EACH ROW WHEN (NEW.lease IS NOT NULL) EXECUTE FUNCTION routing_offer_fence();
    """,
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS routing_offer_fence ON routing_offer;",
                 "DROP FUNCTION IF EXISTS routing_offer_fence();"]
# RAISE(ABORT) is a constraint error in SQLite (IntegrityError): the statement is undone.
SQLITE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS routing_offer_fence BEFORE INSERT ON routing_offer
    FOR EACH ROW WHEN NEW.lease IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM routing_lease WHERE name = NEW.lease AND epoch = NEW.epoch)
    BEGIN
        SELECT RAISE(ABORT, '{FENCED}');
    END;
    """,
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS routing_offer_fence;"]

INSTALL = {"postgresql": POSTGRES, "sqlite": SQLITE}
DROP = {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}


def install(connection) -> None:
    """Create (or replace) the fencing trigger on ``connection``'s database."""
    with connection.cursor() as cursor:
        for sql in INSTALL.get(connection.vendor, []):
            cursor.execute(sql)


def drop(connection) -> None:
    with connection.cursor() as cursor:
        for sql in DROP.get(connection.vendor, []):
            cursor.execute(sql)


def is_fenced(exc: BaseException) -> bool:
    """True when a database error is the fencing trigger's refusal."""
    return FENCED in str(exc)


def installed(connection) -> bool:
    """Whether the trigger is there (``/healthz``-style checks and tests)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'routing_offer_fence' AND NOT tgisinternal")
        else:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'routing_offer_fence'")
        return cursor.fetchone() is not None


def has_columns(connection) -> bool:
    """Whether the tables have the fencing columns (migration ``routing.0003`` applied)."""
    introspection = connection.introspection
    if not {"routing_offer", "routing_lease"} <= set(introspection.table_names()):
        return False
    with connection.cursor() as cursor:
        offer = {c.name for c in introspection.get_table_description(cursor, "routing_offer")}
        lease = {c.name for c in introspection.get_table_description(cursor, "routing_lease")}
    return {"lease", "epoch"} <= offer and "epoch" in lease


def on_post_migrate(sender, *, using: str = "default", **kwargs) -> None:
    """After ``migrate``: the fence is there whenever its columns are (not after migrating
    back past ``routing.0003``, whose reverse drops it)."""
    from django.db import connections

    connection = connections[using]
    if has_columns(connection):
        install(connection)
