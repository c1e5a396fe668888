"""Set-based reads and writes of the ledger, for ``roadie.desk.pay.actions.post`` only (the one
write path keeps its checks; this module only moves rows).

- ``booked``: which of a list of idempotency keys are already in the ledger. PostgreSQL reads
  them in one statement whatever their number (the keys go as one array parameter); SQLite in
  chunks of ``CHUNK`` keys.
- ``insert``: new transactions and their legs. PostgreSQL takes the ids from the table's
  sequence in one statement, then streams both tables with ``COPY ... FROM STDIN`` (rows are
  written as they are made: no model instances, no parameter lists). Its triggers fire as for
  any insert (the deferred balance check of migration 0002 included). After a large write it
  runs ``ANALYZE`` on both tables, so the statement reads of the same close plan for the rows
  it holds. Other databases use ``bulk_create``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from roadie.desk.pay.models import Entry, Transaction
from roadie.engine.pay import labels

CHUNK = 5000
ANALYZE_FROM = 10_000  # postings in one write after which PostgreSQL re-reads the ledger's statistics

TRANSACTION_COLUMNS = ("id", "key", "period", "origin_period", "source_kind", "source_id", "occurred_at",
                       "booked_at", "memo", "reverses_id")
ENTRY_COLUMNS = ("transaction_id", "account_id", "amount", "kind", "rule", "rule_version", "evidence_kind",
                 "evidence_id", "quantity", "base", "multiplier", "label", "label_parts")


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def booked(keys: Sequence[str], *, fields: tuple[str, ...] = ("key",)) -> list[tuple]:
    """``fields`` of the transactions whose key is in ``keys``."""
    if not keys:
        return []
    if _postgres():
        wanted = RawSQL("SELECT unnest(%s::text[])", [list(keys)])
        return list(Transaction.objects.filter(key__in=wanted).values_list(*fields))
    out: list[tuple] = []
    for i in range(0, len(keys), CHUNK):
        out += Transaction.objects.filter(key__in=keys[i:i + CHUNK]).values_list(*fields)
    return out


def insert(postings: Sequence, *, accounts: dict, reversed_ids: dict[str, int]) -> None:
    """Write ``postings`` (none already booked) and their legs."""
    if not postings:
        return
    if _postgres():
        _copy(postings, accounts=accounts, reversed_ids=reversed_ids)
        return
    for i in range(0, len(postings), CHUNK):
        new = postings[i:i + CHUNK]
        rows = Transaction.objects.bulk_create([Transaction(
            key=p.key, period=p.period, origin_period=p.origin_period, source_kind=p.source_kind,
            source_id=p.source_id, occurred_at=p.occurred_at, memo=p.memo[:250],
            reverses_id=reversed_ids.get(p.reverses_key)) for p in new])
        if rows and rows[0].pk is None:  # a backend that does not return ids
            ids = dict(Transaction.objects.filter(key__in=[p.key for p in new]).values_list("key", "id"))
            for row in rows:
                row.pk = ids[row.key]
        Entry.objects.bulk_create([Entry(
            transaction_id=row.pk, account=accounts[leg.account], amount=leg.amount,
            kind=leg.kind, rule=leg.rule, rule_version=leg.rule_version,
            evidence_kind=leg.evidence_kind, evidence_id=leg.evidence_id, quantity=leg.quantity,
            base=leg.base, multiplier=leg.multiplier, label=leg.label[:300],
            label_parts=labels.as_data(leg.label_parts))
            for row, p in zip(rows, new, strict=True) for leg in p.legs], batch_size=CHUNK)


def _copy(postings: Sequence, *, accounts: dict, reversed_ids: dict[str, int]) -> None:
    tx_table, entry_table = Transaction._meta.db_table, Entry._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [tx_table, len(postings)])
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(f"COPY {tx_table} ({', '.join(TRANSACTION_COLUMNS)}) FROM STDIN") as copy:
            for tx_id, p in zip(ids, postings, strict=True):
                copy.write_row((tx_id, p.key, p.period, p.origin_period, p.source_kind, p.source_id,
                                p.occurred_at, now, p.memo[:250], reversed_ids.get(p.reverses_key)))
        with cursor.copy(f"COPY {entry_table} ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
            for row in _entry_rows(ids, postings, accounts):
                copy.write_row(row)
        if len(postings) >= ANALYZE_FROM:
            # The planner's statistics do not know of rows this transaction just wrote: without
            # this, the reads that follow (statements) plan for an empty ledger.
            cursor.execute(f"ANALYZE {tx_table}, {entry_table}")


def _entry_rows(ids: Iterable[int], postings: Sequence, accounts: dict):
    last, data = None, "[]"  # the legs of a posting mostly share their label codes
    for tx_id, p in zip(ids, postings, strict=True):
        for leg in p.legs:
            if leg.label_parts != last:
                last, data = leg.label_parts, json.dumps(labels.as_data(leg.label_parts))
            yield (tx_id, accounts[leg.account].pk, leg.amount, leg.kind, leg.rule, leg.rule_version,
                   leg.evidence_kind, leg.evidence_id, leg.quantity, leg.base, leg.multiplier,
                   leg.label[:300], data)
