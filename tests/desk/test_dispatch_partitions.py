"""Leadership per pool partition: brands sharing pools stay together; two dispatcher processes on
PostgreSQL each lead one partition (the offers of each brand are made by the leader of its
partition), and when one is killed the other takes its partition over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from roadie.desk.brands.models import Pool
from roadie.desk.contacts.models import ContactEvent
from roadie.desk.routing.actions import accept_offer
from roadie.desk.routing.models import Lease, Offer
from roadie.desk.routing.partitions import brand_partition, pool_groups
from roadie.engine.routing import PoolSpec


def test_brands_sharing_pools_or_overflows_are_one_group():
    pools = [PoolSpec(slug="pooled", brands=frozenset({"lune", "soleil"}), overflow_to="relay"),
             PoolSpec(slug="relay", brands=frozenset({"etoile"})),
             PoolSpec(slug="own", brands=frozenset({"comete"}))]
    brands = ["lune", "soleil", "etoile", "comete", "alone"]
    assert pool_groups(pools, brands) == [frozenset({"alone"}), frozenset({"comete"}),
                                          frozenset({"etoile", "lune", "soleil"})]
    parts = brand_partition(pools, brands, 2)
    assert parts["lune"] == parts["soleil"] == parts["etoile"]  # one core routes a cascade
    assert parts == {"lune": 0, "soleil": 0, "etoile": 0, "alone": 1, "comete": 1}  # balanced
    assert brand_partition(pools, brands, 1) == dict.fromkeys(brands, 0)


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _wait(predicate, seconds: float, what: str):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _offered_by(contact) -> str | None:
    event = ContactEvent.objects.filter(contact=contact, kind="offered").order_by("-pk").first()
    return event.detail.get("by") if event else None


@contextmanager
def _dispatchers(tmp_path, **settings: str):
    """Two `roadie dispatch` processes on the test database, with these ROADIE_* settings on top
    of a fast tick and offers that never time out; stopped (resumed first if stopped) at the end."""
    env = {**os.environ, "ROADIE_DATABASE_URL": _database_url(), "ROADIE_DATA_DIR": str(tmp_path),
           "ROADIE_SECRET_KEY": uuid.uuid4().hex * 2, "ROADIE_DISPATCH_INTERVAL": "0.2",
           "ROADIE_OFFER_TIMEOUT": "600", "ROADIE_AGENT_STALE_SECONDS": "100000",
           **{f"ROADIE_{k.upper()}": v for k, v in settings.items()}}
    procs = []
    try:
        for i in range(2):
            log = open(tmp_path / f"dispatch-{i}.log", "w")  # noqa: SIM115
            procs.append(subprocess.Popen([sys.executable, "-m", "roadie.cli", "dispatch"], env=env,
                                          stdout=log, stderr=subprocess.STDOUT))
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)  # (a test may have stopped it)
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _process_of(procs, holder: str):
    """The process a lease holder (``host:pid``) names."""
    return next(p for p in procs if p.pid == int(holder.rsplit(":", 1)[1]))


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_split_the_pools_and_one_takes_over(tmp_path, make_brand, make_agent, make_contact):
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's: SQLite runs one dispatcher for everything")
    a, b = make_brand(slug="a-partition"), make_brand(slug="b-partition")
    Pool.objects.create(slug="pool-a", name="A").brands.set([a])
    Pool.objects.create(slug="pool-b", name="B").brands.set([b])
    agent_a = make_agent(brands=[a], presence="available")
    make_agent(brands=[b], presence="available")
    with _dispatchers(tmp_path, dispatch_partitions="2") as procs:

        def split():
            holders = dict(Lease.objects.filter(name__startswith="dispatcher:", expires_at__gte=timezone.now())
                           .exclude(holder="").values_list("name", "holder"))  # (a row given up stays)
            return holders if len(holders) == 2 and len(set(holders.values())) == 2 else None

        holders = _wait(split, 60, "each dispatcher to lead one partition")
        first = make_contact(brand=a, channel="chat")
        second = make_contact(brand=b, channel="chat")
        _wait(lambda: Offer.objects.filter(status="pending").count() == 2, 30, "both offers")
        assert _offered_by(first) == holders["dispatcher:0/2"]  # a-partition: first of two equals
        assert _offered_by(second) == holders["dispatcher:1/2"]
        offer = Offer.objects.get(contact=first)
        assert offer.agent_id == agent_a.pk
        accept_offer(agent_a.user, offer.pk)  # one pending offer at a time: take it

        # Kill the leader of a's partition, without a chance to clean up.
        victim = _process_of(procs, holders["dispatcher:0/2"])
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        survivor = holders["dispatcher:1/2"]
        third = make_contact(brand=a, channel="chat")  # agent a holds 2 units of 6: room left
        _wait(lambda: Offer.objects.filter(contact=third, status="pending").exists(), 60,
              "the survivor to take the partition over and offer")
        assert _offered_by(third) == survivor
        assert set(Lease.objects.filter(name__startswith="dispatcher:").values_list("holder", flat=True)) == {survivor}


@pytest.mark.django_db
def test_an_agent_shared_by_two_partitions_is_never_over_capacity(make_brand, make_agent, make_contact,
                                                                  settings):
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's: SQLite runs one dispatcher for everything")
    from roadie.desk.contacts.actions import resolve
    from roadie.desk.routing.live import LiveCore

    settings.ROADIE_DISPATCH_PARTITIONS = 2
    a, b = make_brand(slug="a-partition"), make_brand(slug="b-partition")
    shared = make_agent(brands=[a, b], presence="available", capacity=6)
    core_a = LiveCore(lease="dispatcher:0/2", reconcile_every=10**9)
    core_b = LiveCore(lease="dispatcher:1/2", reconcile_every=10**9)
    calls = [make_contact(brand=a, channel="voice"), make_contact(brand=b, channel="voice")]
    assert core_a.round() == 1  # a's call fills the agent
    accept_offer(shared.user, Offer.objects.get(contact=calls[0]).pk)
    assert core_b.round() == 0  # b's core counts a's call in the agent's load
    assert core_a.brands == frozenset({"a-partition"}) and core_b.brands == frozenset({"b-partition"})
    assert core_b.router.agent(shared.pk).load == 6
    calls[0].refresh_from_db()
    resolve(shared.user, calls[0], wrap_up_code="solved")
    assert core_a.round() == 0
    assert core_b.round() == 1  # freed: b's call now
    assert Offer.objects.get(status="pending").contact_id == calls[1].pk
    assert core_a.round() == 0
    assert core_a.router.agent(shared.pk).load == 6  # and a's core sees it at its next round
    assert core_a.reconcile(timezone.now()) == [] and core_b.reconcile(timezone.now()) == []


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_standby_takes_over_a_killed_leader_without_waiting_for_its_lease(tmp_path, make_brand, make_agent,
                                                                           make_contact):
    """On PostgreSQL leadership is an advisory lock held by the leader's own session: killed
    with SIGKILL, its lock goes with its connection, and the standby leads at once although
    the lease row the leader last wrote runs for a day more."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's: on SQLite a standby waits for the lease row to expire")
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    with _dispatchers(tmp_path, dispatch_partitions="1", dispatch_lease_seconds="86400") as procs:
        leader = _wait(lambda: Lease.objects.filter(name="dispatcher").values_list("holder", flat=True).first(),
                       60, "a leader")
        first = make_contact(brand=brand, channel="chat")
        _wait(lambda: Offer.objects.filter(contact=first, status="pending").exists(), 30, "the leader's offer")
        assert _offered_by(first) == leader
        offer = Offer.objects.get(contact=first)
        assert offer.lease == "dispatcher"
        accept_offer(agent.user, offer.pk)

        victim = _process_of(procs, leader)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        dead = Lease.objects.get(name="dispatcher")
        assert dead.holder == leader  # what the killed leader left: a lease valid for a day
        assert dead.expires_at > timezone.now() + timedelta(hours=23)
        second = make_contact(brand=brand, channel="chat")
        _wait(lambda: Offer.objects.filter(contact=second, status="pending").exists(), 30,
              "the standby to take over (no lease expiry to wait for)")
        survivor = Lease.objects.get(name="dispatcher")
        assert survivor.holder != leader and _offered_by(second) == survivor.holder
        assert survivor.epoch == dead.epoch + 1  # a new term
        assert Offer.objects.get(contact=second).epoch == survivor.epoch
        assert Offer.objects.get(contact=first).epoch == dead.epoch


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_stalled_leader_loses_its_lock_and_its_offers_after_that_are_refused(tmp_path, make_brand, make_agent,
                                                                              make_contact):
    """A leader stopped (SIGSTOP) with its connection open: the server ends its idle
    leadership session after 6 lease periods, the standby takes over in a new epoch; resumed,
    the old leader stands by, and no offer of its old term is written after the take-over."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's: on SQLite a standby waits for the lease row to expire")
    brand = make_brand()
    agents = [make_agent(brands=[brand], presence="available") for _ in range(2)]
    with _dispatchers(tmp_path, dispatch_partitions="1", dispatch_lease_seconds="1") as procs:
        leader = _wait(lambda: Lease.objects.filter(name="dispatcher").values_list("holder", flat=True).first(),
                       60, "a leader")
        term = Lease.objects.get(name="dispatcher").epoch
        victim = _process_of(procs, leader)
        victim.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        taken = _wait(lambda: Lease.objects.filter(name="dispatcher").exclude(holder=leader).first(), 60,
                      "the standby to take over from the stalled leader")
        assert time.monotonic() - started >= 2  # not before the server ended the stalled session
        assert taken.epoch == term + 1
        contact = make_contact(brand=brand, channel="chat")
        _wait(lambda: Offer.objects.filter(contact=contact, status="pending").exists(), 30, "the new leader's offer")
        assert Offer.objects.get(contact=contact).epoch == taken.epoch
        victim.send_signal(signal.SIGCONT)  # it wakes up believing it leads
        more = [make_contact(brand=brand, channel="chat") for _ in range(2)]
        time.sleep(3)
        assert Lease.objects.get(name="dispatcher").holder == taken.holder
        assert not Offer.objects.filter(epoch=term).exists()  # nothing of the old term got in
        assert Offer.objects.filter(contact__in=more).count() <= len(agents) - 1  # (one agent busy)
        assert all(_offered_by(c) in (None, taken.holder) for c in more)
