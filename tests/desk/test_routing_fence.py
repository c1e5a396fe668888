"""Fencing enforced by the database: each lease carries an epoch bumped at every change of
holder, each offer a dispatcher writes carries its lease and epoch, and a trigger refuses an
offer of a past epoch, whoever inserts it. Offers written by a person's act carry no lease."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from roadie.desk.contacts.models import Contact, ContactEvent, EventKind
from roadie.desk.live.models import LiveEvent
from roadie.desk.routing import actions, fence, partitions
from roadie.desk.routing.dispatcher import release_lease, take_lease
from roadie.desk.routing.models import Lease, Offer


def _offer_row(contact, agent, **token) -> Offer:
    now = timezone.now()
    return Offer.objects.create(contact=contact, agent=agent, cost=1, offered_at=now,
                                expires_at=now + timedelta(seconds=30), **token)


def _stall(holder: str) -> None:
    """The holder stopped renewing: its lease row is past its expiry."""
    Lease.objects.filter(holder=holder).update(expires_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_the_epoch_moves_at_every_change_of_holder():
    first = take_lease("a:1")
    assert first == 1
    assert take_lease("a:1") == first  # a renewal keeps the term
    assert take_lease("b:2") is None  # not expired: not taken
    _stall("a:1")
    assert take_lease("b:2") == first + 1
    release_lease("b:2")  # giving up ends the term too
    lease = Lease.objects.get(name="dispatcher")
    assert (lease.holder, lease.epoch) == ("", first + 2) and lease.expires_at < timezone.now()
    assert take_lease("a:1") == first + 3  # never an old epoch again


@pytest.mark.django_db
def test_an_offer_row_of_a_past_epoch_is_refused_by_the_database(make_brand, make_agent, make_contact):
    """The insert itself, no write path in between: the trigger is the judge."""
    assert fence.installed(connection)
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    old = take_lease("old:1")
    _stall("old:1")
    new = take_lease("new:2")
    assert new == old + 1
    with pytest.raises(IntegrityError, match="roadie-fencing"), transaction.atomic():
        _offer_row(contact, agent, lease="dispatcher", epoch=old)
    with pytest.raises(IntegrityError, match="roadie-fencing"), transaction.atomic():
        _offer_row(contact, agent, lease="dispatcher:0/2", epoch=new)  # no such lease
    with pytest.raises(IntegrityError), transaction.atomic():
        _offer_row(contact, agent, lease="dispatcher")  # a lease without its epoch
    assert not Offer.objects.exists()
    offer = _offer_row(contact, agent, lease="dispatcher", epoch=new)
    offer.delete()
    _offer_row(contact, agent)  # a person's act (no lease): not fenced
    assert Offer.objects.get().lease is None


@pytest.mark.django_db
def test_a_batch_past_the_python_check_is_refused_whole_by_the_database(make_brand, make_agent, make_contact,
                                                                        monkeypatch):
    brand = make_brand()
    agents = [make_agent(brands=[brand], presence="available") for _ in range(3)]
    contacts = [make_contact(brand=brand) for _ in range(3)]
    old = take_lease("old:1")
    _stall("old:1")
    new = take_lease("new:2")
    # The write path's own check bypassed: it believes old:1 still leads in its term.
    monkeypatch.setattr(actions, "_still_leading", lambda *args, **kwargs: old)
    decisions = [(c.pk, a.pk) for c, a in zip(contacts, agents, strict=True)]
    assert actions.make_offers(decisions, holder="old:1") == [None, None, None]
    assert not Offer.objects.exists()
    assert not ContactEvent.objects.filter(kind=EventKind.OFFERED).exists()
    assert set(Contact.objects.values_list("status", flat=True)) == {"queued"}
    assert not LiveEvent.objects.filter(kind="offer.new").exists()
    monkeypatch.undo()
    made = actions.make_offers(decisions, holder="new:2", epoch=new)
    assert all(made)
    assert set(Offer.objects.values_list("lease", "epoch")) == {("dispatcher", new)}


@pytest.mark.django_db
def test_a_dispatcher_stamps_the_term_it_took_not_the_current_one(make_brand, make_agent, make_contact):
    """Lost and taken again by the same holder: the offers of the old term are refused."""
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    old = take_lease("a:1")
    release_lease("a:1")
    assert take_lease("a:1") == old + 2
    assert actions.make_offer(contact_id=contact.pk, agent_id=agent.pk, holder="a:1", epoch=old) is None
    assert actions.make_offer(contact_id=contact.pk, agent_id=agent.pk, holder="a:1", epoch=old + 2) is not None


@pytest.mark.django_db
def test_offers_of_a_persons_act_carry_no_lease(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    take_lease("a:1")
    offer = actions.make_offer(contact_id=contact.pk, agent_id=agent.pk)  # e.g. a snooze ending
    offer.refresh_from_db()
    assert (offer.lease, offer.epoch) == (None, None)


@pytest.mark.django_db
def test_the_fence_is_put_back_after_a_migration_drops_it():
    """SQLite drops a table's triggers when a migration rebuilds the table: ``migrate`` puts
    the fence back (post_migrate)."""
    fence.drop(connection)
    assert not fence.installed(connection)
    assert fence.has_columns(connection)  # (migrated back past routing.0003 it is not put back)
    fence.on_post_migrate(sender=None, using="default")
    assert fence.installed(connection)


def _pg_only(why: str = "row locks across sessions are PostgreSQL's (SQLite serialises writers)"):
    if connection.vendor != "postgresql":
        pytest.skip(why)


def _thread(target) -> tuple[threading.Thread, list]:
    out: list = []

    def run():
        try:
            out.append(target())
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            out.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_take_over_between_the_check_and_the_insert_gets_the_batch_refused(make_brand, make_agent,
                                                                              make_contact, monkeypatch):
    """Two sessions race: the old leader's batch has passed its (bypassed) check and holds its
    contacts and agents; the standby takes the lease and commits; the batch's insert is then
    refused by the database and nothing of it is written."""
    _pg_only()
    brand = make_brand()
    agents = [make_agent(brands=[brand], presence="available") for _ in range(2)]
    contacts = [make_contact(brand=brand) for _ in range(2)]
    old = take_lease("old:1")
    checked, go = threading.Event(), threading.Event()

    def stale_check(*args, **kwargs):
        checked.set()
        assert go.wait(10)
        return old

    monkeypatch.setattr(actions, "_still_leading", stale_check)
    decisions = [(c.pk, a.pk) for c, a in zip(contacts, agents, strict=True)]
    thread, out = _thread(lambda: actions.make_offers(decisions, holder="old:1"))
    assert checked.wait(10)
    _stall("old:1")
    assert take_lease("new:2") == old + 1  # committed (autocommit) while the batch is open
    go.set()
    thread.join(20)
    assert out == [[None, None]]
    assert not Offer.objects.exists()
    assert not ContactEvent.objects.filter(kind=EventKind.OFFERED).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_take_over_waits_for_an_offer_that_passed_the_fence(make_brand, make_agent, make_contact):
    """The other order: an offer inserted in its term holds the lease row (FOR SHARE) until it
    commits; the standby's take waits for it, then starts the next term. No offer of the old
    term can commit after the new term began."""
    _pg_only()
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    old = take_lease("old:1")
    _stall("old:1")  # the standby may take it as soon as the row is free
    inserted, go = threading.Event(), threading.Event()

    def leader():
        with transaction.atomic():
            _offer_row(contact, agent, lease="dispatcher", epoch=old)
            inserted.set()
            assert go.wait(10)
        return "committed"

    lead_thread, lead_out = _thread(leader)
    assert inserted.wait(10)
    take_thread, take_out = _thread(lambda: take_lease("new:2"))
    time.sleep(0.5)
    assert take_thread.is_alive(), "the take-over did not wait for the open offer"
    go.set()
    lead_thread.join(20)
    take_thread.join(20)
    assert lead_out == ["committed"]
    assert take_out == [old + 1]
    assert Offer.objects.get().epoch == old  # committed in its own term, before the next one


def _soon(step, seconds: float = 5.0):
    """A standby's retries: ``step()`` until it returns something true (a closed session's
    locks are freed when the server's backend has exited, a moment after the close)."""
    end = time.monotonic() + seconds
    while not (value := step()) and time.monotonic() < end:
        time.sleep(0.05)
    return value


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_advisory_lock_decides_not_the_rows_expiry():
    """A live leader keeps its partition even with its row expired; once its session is gone
    (as a kill -9 ends it) a standby takes over at once, though the row says it runs a day."""
    _pg_only()
    leader, standby = partitions.AdvisoryLocks(), partitions.AdvisoryLocks()
    try:
        first = take_lease("a:1", locks=leader)
        assert first
        assert take_lease("a:1", locks=leader) == first  # renewed, same term
        _stall("a:1")
        assert take_lease("b:2", locks=standby) is None  # the lock is held: no take-over
        Lease.objects.filter(holder="a:1").update(expires_at=timezone.now() + timedelta(days=1))
        leader.close()  # its session ends (the server frees its locks as its backend exits)
        assert _soon(lambda: take_lease("b:2", locks=standby)) == first + 1
        lease = Lease.objects.get(name="dispatcher")
        assert lease.holder == "b:2" and lease.expires_at < timezone.now() + timedelta(minutes=1)
    finally:
        leader.close()
        standby.close()


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_members_are_counted_by_their_locks(settings):
    """A killed dispatcher stops counting at once: the survivor's share grows in the same step."""
    _pg_only("advisory locks are PostgreSQL's: SQLite runs one partition")
    settings.ROADIE_DISPATCH_PARTITIONS = 2
    one, two = partitions.AdvisoryLocks(), partitions.AdvisoryLocks()
    try:
        assert partitions.fair_share("one:1", n=2, locks=one) == 2
        assert partitions.fair_share("two:2", n=2, locks=two) == 1
        first = partitions.lead("one:1", held={}, locks=one)
        assert len(first) == 1  # its share of two partitions among two alive
        assert len(partitions.lead("two:2", held={}, locks=two)) == 1
        two.close()  # killed: its rows say alive for 10 s more, its locks are gone now
        both = _soon(lambda: len(held := partitions.lead("one:1", held=first, locks=one)) == 2 and held)
        assert set(both) == set(partitions.lease_names(2))
        assert all(Lease.objects.get(name=name).holder == "one:1" for name in both)
    finally:
        one.close()
        two.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_stopped_inside_a_transaction_does_not_hold_its_locks_forever():
    """The dispatcher's sessions end when left idle inside a transaction past the stall limit,
    so a leader frozen mid-batch frees its row locks (the standby's take would wait on them)."""
    _pg_only("a PostgreSQL session setting")
    from django.db import DatabaseError

    from roadie.desk.routing.dispatcher import _StallLimit

    def frozen():
        limit = _StallLimit(1.0)
        try:
            with transaction.atomic():
                Lease.objects.create(name="dispatcher", holder="frozen:1", expires_at=timezone.now())
                Lease.objects.select_for_update().get(name="dispatcher")
                time.sleep(2.5)  # stopped, its transaction open
                Lease.objects.count()
            return "still connected"
        except DatabaseError as exc:  # (psycopg's IdleInTransactionSessionTimeout)
            return "ended by the server" if "idle-in-transaction" in str(exc) else exc
        finally:
            limit.close()

    thread, out = _thread(frozen)
    thread.join(20)
    assert out == ["ended by the server"]
    assert not Lease.objects.exists()  # its transaction was rolled back: nothing held, nothing written

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW idle_in_transaction_session_timeout")
            return cursor.fetchone()[0]

    other, other_out = _thread(setting)  # another thread's sessions: not the dispatcher's
    other.join(10)
    assert other_out == ["0"]


HOLDERS = ("a:1", "b:2", "c:3")
LEASE_OPS = st.lists(st.tuples(st.sampled_from(["take", "stall", "release", "offer"]), st.sampled_from(HOLDERS)),
                     min_size=1, max_size=30)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=LEASE_OPS)
def test_only_the_current_terms_holder_gets_an_offer_in(ops, make_brand, make_agent, make_contact):
    """Random takes, stalls, releases and offer inserts by three holders: a take succeeds as
    the lease rules say, a new term always has an epoch never seen before, and an offer row
    stamped with a holder's epoch gets in exactly when that holder's term is the current one."""
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    name = f"dispatcher:{uuid.uuid4().hex[:8]}"  # (examples share the database)
    holder, expired, live = None, False, None  # the model: who holds, past expiry, the live term
    mine: dict[str, int] = {}
    seen: set[int] = set()
    with transaction.atomic():
        for op, h in ops:
            if op == "take":
                can = holder is None or holder == h or expired
                epoch = take_lease(h, name=name)
                assert (epoch is not None) == can, (op, h, holder, expired)
                if epoch is None:
                    continue
                if holder != h or live is None:  # a new term
                    assert epoch not in seen
                    seen.add(epoch)
                else:
                    assert epoch == mine[h]  # a renewal keeps the term
                holder, expired, live, mine[h] = h, False, epoch, epoch
            elif op == "stall" and holder == h:
                Lease.objects.filter(name=name).update(expires_at=timezone.now() - timedelta(seconds=1))
                expired = True
            elif op == "release" and holder == h:
                release_lease(h, name=name)
                holder, expired, live = "", True, None
            elif op == "offer" and h in mine:
                try:
                    with transaction.atomic():
                        _offer_row(contact, agent, lease=name, epoch=mine[h], status="declined")
                    got_in = True
                except IntegrityError:
                    got_in = False
                assert got_in == (live is not None and mine[h] == live), (h, mine, live)
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["events", "rebuild"])
def test_a_dispatchers_round_stamps_its_offers_with_its_term(mode, make_brand, make_agent, make_contact):
    """Both dispatcher modes: the offers carry the lease and the epoch the dispatcher took it
    at; a dispatcher whose lease was taken over offers nothing."""
    from roadie.desk.routing.dispatcher import Dispatcher

    brand = make_brand()
    make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    take_lease("old:0")
    release_lease("old:0")  # (an earlier term: the epoch is not 1)
    dispatcher = Dispatcher(holder="test:1", mode=mode)
    assert dispatcher.round() == 1
    offer = Offer.objects.get(contact=contact)
    assert (offer.lease, offer.epoch) == ("dispatcher", Lease.objects.get(name="dispatcher").epoch)
    assert offer.epoch == dispatcher.held["dispatcher"] > 1
    Offer.objects.update(status="declined")  # (free again)
    Contact.objects.filter(pk=contact.pk).update(status="queued")
    _stall("test:1")
    assert take_lease("other:2")
    assert dispatcher.round() == 0
    assert not Offer.objects.filter(status="pending").exists()


def test_every_partitions_advisory_lock_key_is_its_own():
    """Two partitions sharing a lock key would block each other: no two lease names of up to
    256 partitions share one, and members use another key space."""
    names = [name for n in range(1, 257) for name in partitions.lease_names(n)]
    assert len({partitions._key(name) for name in names}) == len(names)
    assert partitions._key(partitions.MEMBER_PREFIX + "dispatcher")[0] != partitions._key("dispatcher")[0]
