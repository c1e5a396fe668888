"""The close at scale: its number of queries does not grow with roadies or contacts, the
statements it reads back in one pass equal each roadie's own statement, and two closes of the
same month at once (PostgreSQL, real threads) book it once."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from roadie.desk.pay import actions, lib
from roadie.desk.pay.actions import PayError
from roadie.desk.pay.models import (
    Entry,
    Period,
    PeriodStatus,
    SelfBilledInvoice,
    Statement,
    Transaction,
)
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


AFTER_MARCH = paris(2026, 4, 20)


@pytest.fixture
def world(make_brand, make_agent, resolve_contact, premium_call):
    """``build(roadies, contacts)``: a brand in a pool, roadies with mandates (every other one
    under VAT), each with ``contacts`` resolved contacts in March (one escalated, one reopened
    and resolved again), a premium call and two attended booked slots (one with a bonus)."""
    from roadie.desk.agents.models import PresenceChange
    from roadie.desk.brands.models import Pool
    from roadie.desk.planning.models import PlanSlot, PlanStatus, SlotPlan
    from roadie.desk.scheduling.models import Booking

    brand = make_brand(slug="ondes")
    pool = Pool.objects.create(slug="pooled", name="Pooled")
    pool.brands.add(brand)
    plan = SlotPlan.objects.create(
        pool=pool, first_day=dt.date(2026, 3, 1), days=31, status=PlanStatus.PUBLISHED,
        published_at=paris(2026, 2, 20), required_hours=0, paid_hours=0, uncovered_hours=0,
        solver_status="test", solver_gap=0)
    made = []

    def build(roadies: int, contacts: int) -> list:
        agents = []
        for _ in range(roadies):
            n = len(made)
            agent = make_agent(brands=[brand])
            made.append(agent)
            agents.append(agent)
            vat = n % 2 == 1
            actions.accept_mandate(agent=agent, legal_name=f"Roadie {n}", siret=f"{12345678900000 + n:014d}",
                                   address="1 rue A, Lyon", vat_franchise=not vat,
                                   vat_number="FR11123456789" if vat else "")
            for i in range(contacts):
                at = paris(2026, 3, 2 + i % 25, 9 + n % 8, i % 60)
                resolve_contact(brand=brand, agent=agent, at=at, channel=("chat", "voice", "email")[i % 3],
                                escalated=i == 1,
                                reopened_after=dt.timedelta(days=1) if i == 2 else None)
            premium_call(brand=brand, agent=agent, at=paris(2026, 3, 20, 10, n % 60), seconds=125)
            for week in range(2):
                begins = paris(2026, 3, 3 + 7 * week, 9 + n % 4)
                slot = PlanSlot.objects.create(plan=plan, day=begins.date(), starts_at=begins,
                                               ends_at=begins + dt.timedelta(hours=4), roadies=1)
                Booking.objects.create(agent=agent, slot=slot, booked_at=begins - dt.timedelta(days=3),
                                       bonus=Decimal("5.00") if week else Decimal("0"))
                PresenceChange.objects.bulk_create([
                    PresenceChange(agent=agent, at=begins, presence="available"),
                    PresenceChange(agent=agent, at=begins + dt.timedelta(hours=4), presence="offline")])
        return agents

    return build


def _counted(ctx) -> int:
    """Statements sent. SQLite splits a bulk insert by its 999-parameter limit (Django's
    batch size there), so on SQLite only the statements other than INSERTs are counted; on
    PostgreSQL every one is (its bulk inserts are one statement, its ledger legs one COPY)."""
    sql = [q["sql"] for q in ctx.captured_queries]
    if connection.vendor == "sqlite":
        sql = [s for s in sql if not s.lstrip().upper().startswith("INSERT")]
    return len(sql)


def _close_queries(build, *, roadies: int, contacts: int) -> tuple[int, int]:
    """Statements of a close (and of ledger-check after it) on a fresh world, rolled back after."""
    with transaction.atomic():
        build(roadies, contacts)
        with CaptureQueriesContext(connection) as ctx:
            _, made = actions.close_period(None, period="2026-03", now=AFTER_MARCH)
        kinds = {li.kind for li in made.lines}
        assert {"contact", "premium_share", "fixed", "slot_bonus", "collective_bonus"} <= kinds, kinds
        assert Statement.objects.filter(period="2026-03").count() == roadies
        assert SelfBilledInvoice.objects.filter(period="2026-03").count() == roadies
        with CaptureQueriesContext(connection) as check:
            assert lib.ledger_check().ok
        transaction.set_rollback(True)
    return _counted(ctx), _counted(check)


def test_the_close_makes_as_many_queries_for_2_roadies_as_for_9_with_3_times_the_contacts(world):
    small = _close_queries(world, roadies=2, contacts=4)
    large = _close_queries(world, roadies=9, contacts=12)
    assert small == large, (small, large)


def test_statements_read_in_one_pass_equal_each_roadies_own(world, finance):
    agents = world(4, 6)
    actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    # April: a contest correction (free text label) and nothing else for one roadie
    line = lib.statement_json(agent=agents[0], period="2026-03")["lines"][0]
    contest = actions.open_contest(agents[0].user, entry_id=line["id"], reason="wrong rate")
    actions.decide_contest(finance, contest_id=contest.pk, accept=True, decision="ok,\n\"fixed\"",
                           correction=Decimal("0.40"))
    for period in ("2026-03", "2026-04"):
        batch = lib.ledger_statements(period=period, agent_ids=[a.pk for a in agents])
        for agent in agents:
            csv = lib.statement_csv_from_ledger(agent_id=agent.pk, period=period)
            assert batch[agent.pk].csv == csv
            assert batch[agent.pk].total == lib.statement_total(agent_id=agent.pk, period=period)
    assert lib.ledger_statements(period="2026-04", agent_ids=[agents[0].pk])[agents[0].pk].total == Decimal("0.40")
    issued = {s.agent_id: s for s in Statement.objects.filter(period="2026-03")}
    for agent in agents:
        text = lib.statement_csv_from_ledger(agent_id=agent.pk, period="2026-03")
        assert issued[agent.pk].csv_sha256 == lib.sha256(text)
        assert issued[agent.pk].lines == text.count("\n") - 2


def test_a_second_close_writes_nothing(world):
    world(3, 5)
    actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    before = (Transaction.objects.count(), Entry.objects.count(), Statement.objects.count())
    with pytest.raises(PayError, match="already closed"):
        actions.close_period(None, period="2026-03", now=AFTER_MARCH)
    assert (Transaction.objects.count(), Entry.objects.count(), Statement.objects.count()) == before
    assert lib.ledger_check().ok
    assert lib.recompute_check("2026-03") == (True, [])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_closes_of_the_same_month_at_once_book_it_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("real row locks: PostgreSQL")
    world(3, 4)
    Period.objects.create(month="2026-03")  # open, as finance's pages may have left it
    barrier, done, errors = threading.Barrier(2), [], []

    def close() -> None:
        try:
            barrier.wait()
            done.append(actions.close_period(None, period="2026-03", now=AFTER_MARCH)[0].month)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done == ["2026-03"]
    assert [type(e) for e in errors] == [PayError] and "already closed" in str(errors[0])
    assert Period.objects.get(month="2026-03").status == PeriodStatus.CLOSED
    assert Statement.objects.filter(period="2026-03").count() == 3
    assert SelfBilledInvoice.objects.filter(period="2026-03").count() == 3
    assert lib.ledger_check().ok
