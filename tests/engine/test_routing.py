"""The routing core: unit tests for each rule of the issue."""

import pytest

from roadie.engine.routing import (
    CHANNEL_COST,
    Agent,
    AgentState,
    BestProficiency,
    Contact,
    ContactState,
    Fairness,
    RegularBrandFirst,
    Reservation,
    Router,
    RoutingError,
    Tier,
    standard_cascade,
)

ML = "brand:maison-lune"


def agent(aid, *skills, **kw):
    return Agent(id=aid, skills=frozenset({ML, *skills}), **kw)


def contact(cid, channel="voice", *skills, brand="maison-lune", **kw):
    return Contact(id=cid, brand=brand, channel=channel, skills=frozenset(skills), **kw)


def test_channel_costs_and_defaults():
    assert CHANNEL_COST["voice"] == 6 and CHANNEL_COST["chat"] == 2
    assert CHANNEL_COST["email"] == 3 and CHANNEL_COST["video"] == 6
    assert contact(1, "chat").cost == 2
    assert Contact(id=1, brand="b", channel="fax", cost=1).cost == 1
    with pytest.raises(RoutingError):
        Contact(id=1, brand="b", channel="fax")
    assert contact(1).required_skills == frozenset({ML})


def test_snapshot_route_gives_each_contact_one_qualified_agent():
    r = Router.from_snapshot(
        agents=[agent(1, "lang:fr"), agent(2, "lang:en")],
        contacts=[
            contact(10, "voice", "lang:fr"),
            contact(11, "voice", "lang:en"),
            contact(12, "voice", "lang:de"),
        ],
    )
    made = r.route(0.0)
    assert sorted(made) == [Reservation(10, 1), Reservation(11, 2)]
    assert r.contact_state(12) is ContactState.WAITING
    assert r.route(1.0) == []
    r.check()


def test_brand_certification_is_always_required():
    r = Router()
    r.add_agent(Agent(id=1, skills=frozenset({"lang:fr"})))
    r.add_contact(contact(10))
    assert r.route(0.0) == []


def test_capacity_shared_across_channels():
    r = Router()
    r.add_agent(agent(1))  # capacity 6
    for cid in range(5):
        r.add_contact(contact(cid, "chat", arrival=cid))
    made = r.route(10.0)
    assert [m.contact_id for m in made] == [0, 1, 2]  # three chats fill the agent
    assert r.agent(1).load == 6 and r.agent(1).busy
    r.complete(0, 20.0)
    assert [m.contact_id for m in r.route(20.0)] == [3]
    r.add_contact(contact(9, "voice", arrival=21))
    r.complete(1, 30.0)
    r.complete(2, 30.0)
    # 4 units free: the voice call (6) does not fit, the chat (2) does
    assert [m.contact_id for m in r.route(30.0)] == [4]
    r.check()


def test_offline_break_wrap_up_agents_are_never_chosen():
    r = Router()
    for aid, st in enumerate([AgentState.OFFLINE, AgentState.BREAK, AgentState.WRAP_UP]):
        r.add_agent(agent(aid, state=st))
    r.add_contact(contact(1))
    assert r.route(0.0) == []
    r.set_agent_state(1, AgentState.AVAILABLE, 5.0)
    assert r.route(5.0) == [Reservation(1, 1)]


def test_priority_and_deadline_order_with_aging():
    r = Router(accept_timeout=10)
    r.add_contact(contact(1, arrival=0, deadline=20))
    r.add_contact(contact(2, arrival=5, deadline=25, priority=1))  # due 25-60 = -35
    r.add_contact(contact(3, arrival=1, deadline=21))
    r.add_contact(contact(4, arrival=200, deadline=220, priority=2))  # due 100: after 1 and 3
    order = []
    r.add_agent(agent(7))
    for t in range(4):
        (res,) = r.route(300.0 + t)
        order.append(res.contact_id)
        r.complete(res.contact_id, 300.5 + t)
    assert order == [2, 1, 3, 4]


def test_longest_idle_agent_first():
    r = Router()
    r.add_agent(agent(1, idle_since=50.0))
    r.add_agent(agent(2, idle_since=10.0))
    r.add_agent(agent(3, idle_since=30.0))
    for cid in range(3):
        r.add_contact(contact(cid, arrival=cid))
    assert [(m.contact_id, m.agent_id) for m in r.route(60)] == [(0, 2), (1, 3), (2, 1)]


def test_best_proficiency_and_fairness_and_regular_first():
    specs = [
        agent(1, "lang:fr", proficiency={"lang:fr": 9, ML: 5}, handled=20, idle_since=5),
        agent(
            2,
            "lang:fr",
            proficiency={"lang:fr": 3, ML: 5},
            handled=2,
            idle_since=9,
            regular_brands=frozenset({"maison-lune"}),
        ),
        agent(3, "lang:fr", handled=10, idle_since=1),
    ]
    expected = {BestProficiency(): 1, Fairness(): 2, RegularBrandFirst(): 2, None: 3}
    for policy, winner in expected.items():
        r = Router(policy)
        r.add_agents(specs)
        r.add_contact(contact(1, "voice", "lang:fr"))
        assert r.route(10)[0].agent_id == winner, policy


def test_decline_requeues_in_place_and_excludes_the_agent():
    r = Router()
    r.add_agent(agent(1, idle_since=0))
    r.add_agent(agent(2, idle_since=5))
    r.add_contact(contact(10, arrival=0))
    (res,) = r.route(1)
    assert res == Reservation(10, 1)
    r.add_contact(contact(11, arrival=2))
    r.decline(10, 3)
    assert r.excluded(10) == {1}
    # contact 10 keeps its place ahead of 11 and goes to agent 2 (1 declined it) ...
    made = r.route(3)
    assert made[0] == Reservation(10, 2)
    # ... and 11 goes to agent 1
    assert made[1] == Reservation(11, 1)


def test_excluded_agent_offered_again_when_nobody_else_qualifies():
    r = Router()
    r.add_agent(agent(1))
    r.add_contact(contact(10))
    r.route(0)
    r.timeout(10, 20)
    assert r.route(20) == [Reservation(10, 1)]


def test_expire_times_out_unanswered_offers():
    r = Router(accept_timeout=15, away_on_timeout=True)
    r.add_agent(agent(1))
    r.add_agent(agent(2, idle_since=1))
    r.add_contact(contact(10))
    (res,) = r.route(0)
    assert res.expires_at == 15
    assert r.expire(14) == []
    (gone,) = r.expire(15)
    assert gone.contact_id == 10 and gone.agent_id == 1
    assert r.agent(1).state is AgentState.BREAK
    assert r.route(15) == [Reservation(10, 2)]
    r.accept(10, 16)
    assert r.expire(100) == []
    assert r.contact_state(10) is ContactState.IN_SERVICE


def test_agent_going_offline_requeues_everything_break_only_offers():
    r = Router()
    r.add_agent(agent(1))
    for cid in range(3):
        r.add_contact(contact(cid, "chat", arrival=cid))
    r.route(0)
    r.accept(0, 1)
    assert r.set_agent_state(1, AgentState.BREAK, 2) == [1, 2]
    assert r.agent(1).load == 2
    assert r.set_agent_state(1, AgentState.OFFLINE, 3) == [0]
    assert r.agent(1).load == 0
    assert sorted(r.waiting_ids()) == [0, 1, 2]
    r.add_agent(agent(2))
    assert [m.contact_id for m in r.route(4)] == [0, 1, 2]
    assert r.remove_agent(2, 5) == [0, 1, 2]
    r.check()


def test_remove_contact_frees_the_agent():
    r = Router()
    r.add_agent(agent(1))
    r.add_contact(contact(1))
    r.add_contact(contact(2, arrival=1))
    r.route(2)
    r.remove_contact(1, 3)  # caller hung up while ringing
    assert r.route(3) == [Reservation(2, 1)]
    r.remove_contact(2, 4)
    assert r.contact_state(2) is None
    with pytest.raises(RoutingError):
        r.accept(2, 5)


def test_external_reserve_is_validated():
    r = Router()
    r.add_agent(agent(1))
    r.add_agent(Agent(id=2, skills=frozenset({"lang:fr"})))
    r.add_contact(contact(1))
    with pytest.raises(RoutingError):
        r.reserve(1, 2, 0)
    r.reserve(1, 1, 0)
    with pytest.raises(RoutingError):
        r.reserve(1, 1, 0)
    assert r.reservations() == [Reservation(1, 1)]


def test_snapshot_with_live_reservations():
    r = Router.from_snapshot(
        agents=[agent(1, load=0)],
        contacts=[contact(1, "chat"), contact(2, "chat"), contact(3, "voice")],
        reservations=[Reservation(1, 1)],
    )
    assert r.agent(1).load == 2
    assert [m.contact_id for m in r.route(0)] == [2]


def test_cascade_regular_then_certified_then_backup():
    cascade = standard_cascade(regular_for=30, backup_pool="weekend-relay", backup_after=120)
    r = Router(cascades={"maison-lune": cascade})
    r.add_agent(agent(1, regular_brands=frozenset({"maison-lune"}), load=6))  # busy regular
    r.add_agent(agent(2, idle_since=0))  # certified, not regular
    r.add_agent(Agent(id=3, skills=frozenset({ML}), pools=frozenset({"weekend-relay"}), load=6))
    r.add_contact(contact(1, arrival=0))
    assert r.route(10) == []
    assert r.route(29.9) == []
    assert r.route(30) == [Reservation(1, 2)]


def test_cascade_falls_through_when_nobody_is_on_shift():
    cascade = (Tier.regular(0), Tier.of_pool("weekend-relay", 60), Tier.of_pool("sup", 300))
    r = Router(cascades={"maison-lune": cascade})
    r.add_agent(agent(1, regular_brands=frozenset({"maison-lune"}), state=AgentState.OFFLINE))
    r.add_agent(agent(2, pools=frozenset({"weekend-relay"}), load=6))
    r.add_agent(agent(3, pools=frozenset({"sup"})))
    r.add_contact(contact(1, arrival=0))
    # no regular on shift: relay opens at once, but the relay agent is busy (on shift) -> wait
    assert r.route(1) == []
    assert r.route(299) == []
    assert r.route(300) == [Reservation(1, 3)]
    r.add_contact(contact(2, arrival=300))
    r.set_agent_state(2, AgentState.OFFLINE, 301)  # relay gone too: supervisors at once
    r.complete(1, 302)
    assert r.route(302) == [Reservation(2, 3)]


def test_cascade_timer_fires_without_other_events():
    r = Router(cascades={"maison-lune": (Tier.regular(0), Tier.certified(45))})
    r.add_agent(agent(1, regular_brands=frozenset({"maison-lune"}), load=6))
    r.add_agent(agent(2))
    r.add_contact(contact(1, arrival=0))
    assert r.route(0) == []
    assert r.route(44) == []
    assert r.route(46) == [Reservation(1, 2)]


def test_update_agent_skills_and_capacity():
    r = Router()
    r.add_agent(Agent(id=1, skills=frozenset({"lang:fr"})))
    r.add_contact(contact(1, "chat"))
    assert r.route(0) == []
    r.update_agent(agent(1, "lang:fr", capacity=2))
    assert r.route(1) == [Reservation(1, 1)]
    assert r.update_agent(Agent(id=1, skills=frozenset({"lang:fr"}))) == [1]
    assert r.contact_state(1) is ContactState.WAITING
    r.check()


def test_errors_on_unknown_ids_and_duplicates():
    r = Router()
    r.add_agent(agent(1))
    with pytest.raises(RoutingError):
        r.add_agent(agent(1))
    with pytest.raises(RoutingError):
        r.set_agent_state(99, AgentState.BREAK, 0)
    r.add_contact(contact(1))
    with pytest.raises(RoutingError):
        r.add_contact(contact(1))
    with pytest.raises(RoutingError):
        r.decline(1, 0)
    with pytest.raises(RoutingError):
        r.complete(1, 0)
    with pytest.raises(RoutingError):
        Router(default_cascade=())


def test_queue_that_found_nobody_wakes_when_a_qualified_agent_appears():
    r = Router()
    r.add_agent(Agent(id=0, skills=frozenset({"brand:a"}), capacity=2))
    r.add_contact(Contact(id=0, brand="b"))
    assert r.route(0) == []  # nobody for brand b: the queue is blocked
    r.remove_contact(0)
    r.add_contact(Contact(id=1, brand="a", channel="chat"))
    r.update_agent(Agent(id=0, skills=frozenset({"brand:a", "brand:b"}), capacity=6))
    r.route(0)
    r.complete(1, 0)
    r.add_contact(Contact(id=2, brand="b"))
    assert r.route(0) == [Reservation(2, 0)]


def test_next_wakeup_tells_when_a_tier_opens():
    r = Router(cascades={"maison-lune": (Tier.regular(0), Tier.certified(45))})
    r.add_agent(agent(1, regular_brands=frozenset({"maison-lune"}), load=6))
    r.add_agent(agent(2))
    r.add_contact(contact(1, arrival=10))
    assert r.route(10) == []
    assert r.next_wakeup() == 55


def test_tier_timer_is_exact_in_floating_point():
    r = Router(cascades={"maison-lune": (Tier.regular(0), Tier.certified(0.2))})
    r.add_agent(agent(1, regular_brands=frozenset({"maison-lune"}), load=6))
    r.add_agent(agent(2))
    r.add_contact(contact(1, arrival=0.1))
    assert r.route(0.3) == []  # 0.1 + 0.2 is a hair above 0.3
    wake = r.next_wakeup()
    assert wake > 0.3
    assert r.route(wake) == [Reservation(1, 2)]


def test_snapshot_trusts_stored_reservations_even_for_an_agent_on_break():
    r = Router.from_snapshot(
        agents=[agent(1, state=AgentState.BREAK), agent(2, capacity=2)],
        contacts=[contact(1, "chat"), contact(2, "voice"), contact(3, "chat", arrival=1)],
        reservations=[Reservation(1, 1, expires_at=30.0), Reservation(2, 2)],
    )
    assert r.agent(1).load == 2 and r.agent(2).load == 6  # held as stored
    assert r.route(5) == []  # nobody gets more than they hold
    (gone,) = r.expire(30)
    assert gone.contact_id == 1
    with pytest.raises(RoutingError):
        r.restore(99, 1, 0)


# ---------------------------------------------------------------- indexes (performance paths)


def test_a_contact_skips_better_ranked_agents_without_room_for_it():
    # Fairness ranks agent 1 (nothing handled yet) first, but a call needs all 6 units and
    # agent 1 is on a chat: the call goes to agent 2; a chat still goes to agent 1
    r = Router(Fairness())
    r.add_agent(agent(1))
    r.add_agent(agent(2, handled=5))
    r.add_contact(contact(10, "chat"))
    assert r.route(0.0) == [Reservation(10, 1)]
    r.accept(10, 0.0)
    r.add_contact(contact(11, "voice"))
    assert r.route(1.0) == [Reservation(11, 2)]
    r.add_contact(contact(12, "chat"))
    assert r.route(2.0) == [Reservation(12, 1)]
    r.add_contact(contact(13, "chat"))
    r.add_contact(contact(14, "voice"))  # nobody has 6 units free: it waits
    assert r.route(3.0) == [Reservation(13, 1)]
    assert r.contact_state(14) is ContactState.WAITING
    r.complete(11, 4.0)
    assert r.route(4.0) == [Reservation(14, 2)]
    r.check()


def test_agent_set_aside_for_one_contact_is_still_found_for_the_next():
    r = Router()
    r.add_agent(agent(1))
    r.add_contact(contact(10, "chat"))
    r.route(0.0)
    r.decline(10, 1.0)  # agent 1 excluded for contact 10 only
    r.add_agent(agent(2, load=6))  # full: nobody else has room
    assert r.route(1.0) == [Reservation(10, 1)]  # offered again: nobody else qualifies
    r.decline(10, 2.0)
    r.add_contact(contact(11, "chat", arrival=2.0))
    made = r.route(2.0)
    assert sorted(made) == [Reservation(10, 1), Reservation(11, 1)]
    r.check()


def test_many_stale_entries_never_lose_an_agent_waiting_for_its_re_key():
    # agent 1 takes one chat (its entries are re-keyed lazily); agent 2 then takes and
    # finishes chats until the heap is compacted: agent 1 must still be found afterwards
    r = Router()
    r.add_agent(agent(1, idle_since=0.0))
    r.add_contact(contact(1, "chat"))
    assert r.route(0.0) == [Reservation(1, 1)]
    r.accept(1, 0.0)
    r.add_agent(agent(2, idle_since=-1.0))
    t = 1.0
    for cid in range(100, 400):
        r.add_contact(contact(cid, "chat", arrival=t))
        assert r.route(t) == [Reservation(cid, 2)]
        r.accept(cid, t)
        r.complete(cid, t)
        r.update_agent(agent(2, idle_since=-1.0))  # back to the front of the heap
        t += 1.0
    r.add_agent(agent(3, load=6))
    r.update_agent(agent(2, load=6))  # agent 2 full: only agent 1 has room
    r.add_contact(contact(999, "chat", arrival=t))
    assert r.route(t) == [Reservation(999, 1)]
    r.check()


def test_check_keeps_the_free_capacity_counts_exact():
    r = Router()
    r.add_agent(agent(1, "lang:fr"))
    r.add_agent(agent(2, "lang:fr", "lang:en", capacity=4))
    for cid, ch, skills in ((1, "chat", ()), (2, "email", ("lang:fr",)), (3, "chat", ("lang:en",))):
        r.add_contact(contact(cid, ch, *skills))
    r.route(0.0)
    r.check()
    r.set_agent_state(2, AgentState.BREAK, 1.0)
    r.check()
    r.update_agent(agent(1, "lang:en", capacity=3))
    r.check()
    r.set_agent_state(2, AgentState.AVAILABLE, 2.0)
    r.route(2.0)
    r.check()
    r.remove_agent(1, 3.0)
    r.route(3.0)
    r.check()


class _MostHandledFirst:
    """A legal policy whose key improves as an agent completes contacts (not as load rises)."""

    per_queue = False

    def key(self, agent, queue):
        return (-agent.handled, agent.spec.id)


def test_heap_compaction_keeps_the_agent_being_pushed_and_the_one_awaiting_its_re_key():
    # agent 2 serves French chats over and over; each completion pushes it, with a better key,
    # into its English index too, where nothing is routed: stale entries pile up there until
    # the index is compacted. Agent 1 (English) meanwhile waits for its lazy re-key.
    r = Router(_MostHandledFirst())
    r.add_agent(agent(1, "lang:en"))
    r.add_contact(contact(1, "chat", "lang:en"))
    assert r.route(0.0) == [Reservation(1, 1)]
    r.accept(1, 0.0)
    r.add_agent(agent(2, "lang:fr", "lang:en", handled=10))
    t = 1.0
    for cid in range(100, 400):
        r.add_contact(contact(cid, "chat", "lang:fr", arrival=t))
        assert r.route(t) == [Reservation(cid, 2)], cid
        r.accept(cid, t)
        r.complete(cid, t)
        t += 1.0
        r.check()
    r.add_contact(contact(998, "voice", "lang:en", arrival=t))
    assert r.route(t) == [Reservation(998, 2)]
    r.add_contact(contact(999, "chat", "lang:en", arrival=t))
    assert r.route(t) == [Reservation(999, 1)]
    r.check()


def test_route_pairs_makes_the_same_decisions_as_route():
    def build():
        r = Router(accept_timeout=15.0)
        for aid in range(4):
            r.add_agent(agent(aid, "lang:fr" if aid % 2 else "lang:en", idle_since=-aid))
        for cid in range(10):
            lang = "lang:fr" if cid % 3 else "lang:en"
            r.add_contact(contact(cid, ("voice", "chat", "email")[cid % 3], lang, arrival=cid))
        return r

    a, b = build(), build()
    made = a.route(20.0)
    assert [(m.contact_id, m.agent_id) for m in made] == b.route_pairs(20.0)
    assert all(m.reserved_at == 20.0 and m.expires_at == 35.0 for m in made)
    assert a.reservations() == b.reservations()
    a.check()
    b.check()
