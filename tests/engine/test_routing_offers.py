"""Offers in the core: the decline cool-down, repeated no-answers, pending offers and capacity."""

import math

import pytest

from roadie.engine.routing import Agent, AgentState, Contact, Reservation, Router, RoutingError

ML = "brand:maison-lune"


def agent(aid, **kw):
    return Agent(id=aid, skills=frozenset({ML}), **kw)


def contact(cid, channel="chat", **kw):
    return Contact(id=cid, brand="maison-lune", channel=channel, **kw)


def test_a_decliner_is_set_aside_for_the_cool_down_only():
    r = Router(decline_cooldown=60)
    r.add_agent(agent(1, idle_since=0))
    r.add_agent(agent(2, idle_since=5, capacity=2))
    r.add_contact(contact(10))
    assert r.route(0) == [Reservation(10, 1)]
    r.decline(10, 1)
    assert r.route(1) == [Reservation(10, 2)]  # agent 1 declined: agent 2, though busier later
    r.decline(10, 2)
    # both declined; 1's cool-down ends first (at 61) but nobody else qualifies anyway: the
    # contact goes back to the best of those who said no rather than wait
    assert r.route(3) == [Reservation(10, 1)]
    r.decline(10, 4)
    r.add_agent(agent(3, idle_since=50))
    assert r.route(5) == [Reservation(10, 3)]
    r.decline(10, 70)  # at 70, 1's and 2's cool-downs are over, 3's is not
    # 2 has been idle longest (since its decline at 2): it is a candidate like any other again
    assert r.route(70) == [Reservation(10, 2)]


def test_without_a_cool_down_set_the_decliner_is_set_aside_for_good():
    r = Router()
    r.add_agent(agent(1, idle_since=0))
    r.add_agent(agent(2, idle_since=5))
    r.add_contact(contact(10))
    r.route(0)
    r.decline(10, 1)
    r.route(1)
    r.decline(10, 10**6)
    assert r.route(10**6) == [Reservation(10, 1)]  # both declined: the longest idle
    assert r.excluded(10) == {1, 2}


def test_a_decline_read_back_from_storage_sets_the_agent_aside():
    r = Router(decline_cooldown=60)
    r.add_agent(agent(1, idle_since=0))
    r.add_agent(agent(2, idle_since=5))
    r.add_contact(contact(10))
    r.set_aside(10, 1, until=30)
    assert r.route(10) == [Reservation(10, 2)]
    with pytest.raises(RoutingError):
        r.set_aside(99, 1, until=30)


def test_repeated_no_answers_put_the_agent_away():
    r = Router(accept_timeout=10, away_after_timeouts=2, max_pending=1)
    r.add_agent(agent(1, idle_since=0))
    r.add_agent(agent(2, idle_since=5))
    r.add_contact(contact(10))
    r.add_contact(contact(11))
    assert {(x.contact_id, x.agent_id) for x in r.route(0)} == {(10, 1), (11, 2)}
    r.accept(11, 1)
    (gone,) = r.expire(10)
    assert gone.agent_id == 1 and r.agent(1).state is AgentState.AVAILABLE  # one miss: still there
    # 2 is busy with 11 (one chat) and 1 declined... by silence: 2 is preferred
    assert r.route(10) == [Reservation(10, 2)]
    r.timeout(10, 15)
    assert r.agent(2).state is AgentState.AVAILABLE and r.agent(2).missed == 1
    assert r.route(15) == [Reservation(10, 1)]  # both set aside: the least loaded
    r.timeout(10, 20)
    assert r.agent(1).state is AgentState.BREAK  # two in a row: away
    r.set_agent_state(1, AgentState.AVAILABLE, 30)
    assert r.agent(1).missed == 0


def test_an_accept_resets_the_count_of_no_answers():
    r = Router(away_after_timeouts=2)
    r.add_agent(agent(1))
    for cid, t in ((10, 0), (11, 10), (12, 20)):
        r.add_contact(contact(cid, channel="voice"))
        r.route(t)
        if cid == 11:
            r.accept(cid, t + 1)
            r.complete(cid, t + 2)
        else:
            r.timeout(cid, t + 5)
            r.remove_contact(cid, t + 5)
    assert r.agent(1).state is AgentState.AVAILABLE


def test_a_pending_offer_holds_capacity_and_one_at_a_time():
    r = Router(max_pending=1)
    r.add_agent(agent(1, idle_since=0))
    for cid in (10, 11, 12):
        r.add_contact(contact(cid))
    assert r.route(0) == [Reservation(10, 1)]  # one pending offer at a time, not three
    assert r.agent(1).load == 2
    r.accept(10, 1)
    assert r.route(1) == [Reservation(11, 1)]
    r.accept(11, 2)
    assert r.route(2) == [Reservation(12, 1)]
    r.accept(12, 3)
    r.add_contact(contact(13))
    assert r.route(3) == [] and r.agent(1).load == 6  # full: never over capacity
    r.check()


def test_without_a_limit_pending_offers_fill_capacity():
    r = Router()
    r.add_agent(agent(1))
    for cid in (10, 11, 12, 13):
        r.add_contact(contact(cid))
    assert [x.contact_id for x in r.route(0)] == [10, 11, 12]
    assert r.agent(1).pending == 3 and r.agent(1).load == 6


def test_bad_options_are_refused():
    with pytest.raises(RoutingError):
        Router(max_pending=0)
    with pytest.raises(RoutingError):
        Router(decline_cooldown=-1)
    assert Router(away_on_timeout=True).away_after_timeouts == 1
    assert Router().decline_cooldown == math.inf


def test_an_agent_at_the_pending_limit_is_not_offered_a_contact_of_a_new_kind():
    # The agent heap of a kind of contact nobody asked for before is made when the first such
    # contact arrives: an agent already holding their one pending offer must not enter it as
    # free (found by the live dispatcher's in-memory core, which sees contacts arrive one by one).
    r = Router(max_pending=1)
    r.add_agent(Agent(id=1, skills=frozenset({ML, "brand:soleil"})))
    r.add_agent(Agent(id=2, skills=frozenset({ML, "brand:soleil"}), idle_since=5))
    r.add_contact(contact(10, channel="email"))
    assert r.route(0) == [Reservation(10, 1)]
    r.add_contact(Contact(id=11, brand="soleil", channel="email"))
    r.check()
    assert r.route(1) == [Reservation(11, 2)]
    r.decline(11, 2)  # only 1 (at their limit) and 2 (who said no) qualify: back to 2
    assert r.route(2) == [Reservation(11, 2)]
