"""The ledger: one write path that refuses unbalanced transactions, idempotent keys,
immutable rows (PostgreSQL triggers), reversals, and ledger-check naming the first fault."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from roadie.desk.pay import actions, lib
from roadie.desk.pay.actions import Leg, PayError, Posting
from roadie.desk.pay.models import Entry, Transaction
from roadie.engine.pay.evaluate import PARIS


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)

pytestmark = pytest.mark.django_db(transaction=True)


def _legs(*amounts: str, agent_id: int) -> tuple[Leg, ...]:
    accounts = ["expense:pay", f"agent:{agent_id}", "bank:payouts"]
    return tuple(Leg(accounts[i], Decimal(a), "contact", "default", 1, "contact", "1")
                 for i, a in enumerate(amounts))


def _posting(key: str, *amounts: str, agent_id: int) -> Posting:
    return Posting(key=key, period="2026-03", source_kind="test", source_id="1",
                   occurred_at=paris(2026, 3, 3, 10), legs=_legs(*amounts, agent_id=agent_id))


def test_unbalanced_or_one_legged_transactions_are_refused_and_nothing_is_written(make_agent):
    agent = make_agent()
    with pytest.raises(PayError, match="sum to 0.01"):
        actions.post([_posting("k1", "1.00", "-0.99", agent_id=agent.pk)])
    with pytest.raises(PayError, match="at least two legs"):
        actions.post([_posting("k2", "0.00", agent_id=agent.pk)])
    with pytest.raises(PayError, match="not Decimal cents"):
        actions.post([_posting("k3", "1.001", "-1.001", agent_id=agent.pk)])
    assert Transaction.objects.count() == 0 and Entry.objects.count() == 0


def test_replaying_a_key_writes_nothing_new(make_agent):
    agent = make_agent()
    p = _posting("contact:1", "2.50", "-2.50", agent_id=agent.pk)
    assert actions.post([p]) == 1
    assert actions.post([p]) == 0
    assert Transaction.objects.count() == 1 and Entry.objects.count() == 2
    assert lib.ledger_check().ok


def test_a_correction_is_a_reversing_transaction(make_agent):
    agent = make_agent()
    actions.post([_posting("contact:1", "2.50", "-2.50", agent_id=agent.pk)])
    reversal = actions.reverse("contact:1", period="2026-03", memo="paid twice")
    assert reversal.reverses.key == "contact:1"
    assert sorted(e.amount for e in reversal.entries.all()) == [Decimal("-2.50"), Decimal("2.50")]
    assert lib.statement_total(agent_id=agent.pk, period="2026-03") == Decimal("0.00")


def test_a_write_behind_the_write_path_is_caught_by_ledger_check_or_by_postgresql(make_agent):
    """Break the rule on purpose, bypassing actions.post."""
    agent = make_agent()
    actions.post([_posting("good", "1.00", "-1.00", agent_id=agent.pk)])
    account = Entry.objects.first().account

    def sneak():
        with transaction.atomic():
            tx = Transaction.objects.create(key="bad", period="2026-03", source_kind="t", source_id="1",
                                            occurred_at=paris(2026, 3, 4))
            Entry.objects.create(transaction=tx, account=account, amount=Decimal("5.00"), kind="x",
                                 rule="r", rule_version=1, evidence_kind="e", evidence_id="1")

    if connection.vendor == "postgresql":
        # The deferred constraint trigger fires at commit and the whole transaction is undone.
        with pytest.raises(IntegrityError, match="unbalanced|fewer than two legs"):
            sneak()
        assert not Transaction.objects.filter(key="bad").exists()
        assert lib.ledger_check().ok
    else:
        sneak()
        result = lib.ledger_check()
        assert not result.ok
        assert "transaction bad has 1 leg(s)" in result.fault


@pytest.mark.skipif("__import__('django.db').db.connection.vendor != 'postgresql'")
def test_postgresql_refuses_to_update_or_delete_ledger_rows(make_agent):
    agent = make_agent()
    actions.post([_posting("k", "1.00", "-1.00", agent_id=agent.pk)])
    with pytest.raises(Exception, match="never updated or deleted"), transaction.atomic():
        Entry.objects.filter(amount=Decimal("1.00")).update(amount=Decimal("2.00"))
    with pytest.raises(Exception, match="never updated or deleted"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM pay_entry")


def test_a_closed_period_takes_no_new_posting(make_agent, finance):
    from roadie.desk.pay.models import Period

    agent = make_agent()
    Period.objects.create(month="2026-03", status="closed", closed_at=paris(2026, 4, 9))
    with pytest.raises(PayError, match="2026-03 is closed"):
        actions.post([_posting("late", "1.00", "-1.00", agent_id=agent.pk)])
    assert actions.open_period_for(paris(2026, 3, 30)) == "2026-04"
    assert dt.date(2026, 3, 1)  # period bounds are local months
