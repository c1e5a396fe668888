"""Capacity per channel: an agent's most contacts at once of each channel, on top of the budget."""

import pytest

from roadie.engine.routing import Agent, AgentState, Contact, Router, RoutingError

SKILLS = frozenset({"brand:b"})


def contact(cid, channel, arrival=0.0):
    return Contact(id=cid, brand="b", channel=channel, arrival=arrival)


def routed(router, now=0.0):
    return sorted((r.contact_id, r.agent_id) for r in router.route(now))


def test_agent_at_chat_limit_is_offered_email_not_chat():
    r = Router()
    r.add_agent(Agent(1, SKILLS, capacity=20, channel_limits={"chat": 2, "email": 1}))
    for cid in (1, 2, 3):
        r.add_contact(contact(cid, "chat"))
    r.add_contact(contact(4, "email"))
    r.add_contact(contact(5, "email"))
    # two chats (the limit), one email (the limit): 7 units of 20, the rest wait
    assert routed(r) == [(1, 1), (2, 1), (4, 1)]
    assert sorted(r.waiting_ids()) == [3, 5]
    r.check()
    r.complete(1, 10.0)  # a chat ends: the third chat goes to the agent, not the email
    assert routed(r, 10.0) == [(3, 1)]
    r.check()


def test_zero_means_never_that_channel():
    r = Router()
    r.add_agent(Agent(1, SKILLS, channel_limits={"voice": 0}))
    r.add_agent(Agent(2, SKILLS, idle_since=5.0))
    r.add_contact(contact(1, "voice"))
    r.add_contact(contact(2, "voice"))
    assert routed(r) == [(1, 2)]  # agent 1 idles longer but never takes a call
    r.add_contact(contact(3, "chat"))
    assert routed(r) == [(3, 1)]
    assert r.waiting_ids() == [2]


def test_total_budget_still_holds_under_channel_limits():
    r = Router()
    r.add_agent(Agent(1, SKILLS, capacity=6, channel_limits={"chat": 3, "email": 2}))
    for cid, channel in enumerate(["email", "email", "chat"]):
        r.add_contact(contact(cid, channel))
    # two emails fill the budget of 6 units: the chat waits although under its own limit
    assert routed(r) == [(0, 1), (1, 1)]
    assert r.waiting_ids() == [2]


def test_without_limits_routing_is_unchanged():
    decisions = []
    # limits that never bind (a channel never seen, or more than the budget allows) change
    # nothing: the same agents get the same contacts
    for limits in ({}, {"fax": 9}, {"chat": 9, "email": 9, "voice": 9}):
        r = Router()
        for aid in range(3):
            r.add_agent(Agent(aid, SKILLS, idle_since=float(aid), channel_limits=limits))
        for cid, channel in enumerate(["chat"] * 5 + ["email"] * 3 + ["voice"]):
            r.add_contact(contact(cid, channel, arrival=float(cid)))
        decisions.append(routed(r))
        r.check()
    assert decisions[0] == decisions[1] == decisions[2]
    # 5 chats (2 units each) then 1 email (3) fit in 3 x 6 units; the other emails need 3
    assert decisions[0] == [(0, 0), (1, 1), (2, 2), (3, 0), (4, 1), (5, 2)]


def test_decline_release_and_state_changes_reopen_a_channel():
    r = Router()
    r.add_agent(Agent(1, SKILLS, capacity=12, channel_limits={"chat": 1}))
    r.add_contact(contact(1, "chat"))
    r.add_contact(contact(2, "chat", arrival=1.0))
    assert routed(r) == [(1, 1)]
    r.release(1, 2.0)  # back in its place, the agent may take a chat again
    assert routed(r, 2.0) == [(1, 1)]
    r.set_agent_state(1, AgentState.BREAK, 3.0)  # the pending offer goes back
    r.set_agent_state(1, AgentState.AVAILABLE, 4.0)
    assert routed(r, 4.0) == [(1, 1)]
    r.accept(1, 5.0)
    assert routed(r, 5.0) == []
    r.remove_contact(1, 6.0)  # the customer hung up: the chat limit frees
    assert routed(r, 6.0) == [(2, 1)]
    r.check()


def test_update_agent_lowering_a_limit_requeues_what_no_longer_fits():
    r = Router()
    r.add_agent(Agent(1, SKILLS, capacity=12, channel_limits={"chat": 3}))
    for cid in range(3):
        r.add_contact(contact(cid, "chat", arrival=float(cid)))
    assert len(routed(r)) == 3
    requeued = r.update_agent(Agent(1, SKILLS, capacity=12, channel_limits={"chat": 1}), 1.0)
    assert requeued == [1, 2]
    assert routed(r, 1.0) == []
    r.check()
    r.update_agent(Agent(1, SKILLS, capacity=12), 2.0)  # limit removed: the budget rules
    assert routed(r, 2.0) == [(1, 1), (2, 1)]
    r.check()


def test_channel_load_held_elsewhere_counts_against_the_limit():
    r = Router()
    r.add_agent(Agent(1, SKILLS, capacity=12, load=2, channel_limits={"chat": 2},
                      channel_load={"chat": 1}))
    r.add_contact(contact(1, "chat"))
    r.add_contact(contact(2, "chat"))
    assert routed(r) == [(1, 1)]
    with pytest.raises(RoutingError, match="chat limit"):
        r.reserve(2, 1, 0.0)


def test_bad_limits_are_refused():
    with pytest.raises(RoutingError, match="channel_limits"):
        Agent(1, SKILLS, channel_limits={"chat": -1})
    with pytest.raises(RoutingError, match="channel_load"):
        Agent(1, SKILLS, channel_load={"chat": 1.5})


def _most_at_once(res, channel):
    """Agent -> the most contacts of ``channel`` they held at once over a simulated run."""
    streams = [s.channel for s in res.scenario.streams]
    events = []
    for i in range(len(res.agent)):
        if res.agent[i] >= 0 and streams[res.arrivals.stream[i]] == channel and res.start[i] == res.start[i]:
            events += [(res.start[i], 1, int(res.agent[i])), (res.end[i], -1, int(res.agent[i]))]
    now, most = {}, {}
    for _, step, agent in sorted(events, key=lambda e: (e[0], e[1])):  # ends before starts
        now[agent] = now.get(agent, 0) + step
        most[agent] = max(most.get(agent, 0), now[agent])
    return most


def test_the_simulator_keeps_each_team_to_its_channel_limits():
    import numpy as np

    from roadie.engine.sim import run, scenario_from_dict

    def scenario(limits):
        team = {"name": "desk", "count": 3, "brands": ["lune"], "capacity": 12}
        if limits:
            team["channel_limits"] = limits
        return scenario_from_dict({
            "hours": 2,
            "streams": [{"brand": "lune", "channel": "chat", "rate_per_hour": 120, "handle": 300},
                        {"brand": "lune", "channel": "email", "rate_per_hour": 40, "handle": 300}],
            "teams": [team],
        })

    free = run(scenario({}), np.random.default_rng(3))
    capped = run(scenario({"chat": 2, "email": 1}), np.random.default_rng(3))
    # without limits the budget of 12 units lets an agent hold up to 6 chats; with them, 2
    assert max(_most_at_once(free, "chat").values()) > 2
    assert max(_most_at_once(capped, "chat").values()) == 2
    assert max(_most_at_once(capped, "email").values()) == 1


def test_a_scenario_with_a_bad_channel_limit_is_refused():
    from roadie.engine.sim import ScenarioError, scenario_from_dict

    base = {"streams": [{"brand": "lune", "rate_per_hour": 1}]}
    for limits, message in (({"fax": 1}, "unknown channel 'fax'"), ({"chat": -1}, "chat")):
        team = {"brands": ["lune"], "channel_limits": limits}
        with pytest.raises(ScenarioError, match=message):
            scenario_from_dict({**base, "teams": [team]})
