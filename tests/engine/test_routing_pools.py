"""Cascades from pools: own pools first, overflow after the pool's delay, then supervisors."""

import pytest

from roadie.engine.routing import (
    Agent,
    Contact,
    PoolSpec,
    Reservation,
    Router,
    RoutingError,
    Tier,
    agent_pools,
    pool_cascades,
)

POOLS = [
    PoolSpec("pooled", frozenset({"lune", "soleil"}), overflow_to="weekend-relay", overflow_after=120),
    PoolSpec("weekend-relay", frozenset()),
    PoolSpec("solo", frozenset({"etoile"})),
]


def test_each_brand_gets_its_pools_then_the_overflow_then_supervisors():
    cascades = pool_cascades(POOLS, supervisors_after=300)
    assert cascades["lune"] == (Tier.of_pool("pooled", 0), Tier.of_pool("weekend-relay", 120),
                                Tier.of_pool("supervisors", 420))
    assert cascades["etoile"] == (Tier.of_pool("solo", 0), Tier.of_pool("supervisors", 300))
    assert "nobody" not in cascades  # not pooled: the default cascade (every certified agent)
    assert pool_cascades(POOLS, supervisors_after=None)["etoile"] == (Tier.of_pool("solo", 0),)
    with pytest.raises(RoutingError, match="unknown pool"):
        pool_cascades([PoolSpec("a", frozenset({"x"}), overflow_to="b")])


def test_overflow_chains_and_cycles_end():
    chain = [PoolSpec("a", frozenset({"x"}), overflow_to="b", overflow_after=60),
             PoolSpec("b", frozenset(), overflow_to="c", overflow_after=30),
             PoolSpec("c", frozenset(), overflow_to="b", overflow_after=10)]
    assert [(t.pool, t.after) for t in pool_cascades(chain, supervisors_after=None)["x"]] == [
        ("a", 0), ("b", 60), ("c", 90)]


def test_membership_own_team_relay_and_supervisors():
    assert agent_pools(["lune"], pools=POOLS, relay=False, supervisor=False) == {"pooled"}
    assert agent_pools(["lune"], pools=POOLS, relay=True, supervisor=False) == {"weekend-relay"}
    # a supervisor is in the supervisors tier only, whatever they are certified for
    assert agent_pools(["etoile"], pools=POOLS, relay=False, supervisor=True) == {"supervisors"}
    assert agent_pools(["lune"], pools=POOLS, relay=True, supervisor=True) == {"supervisors"}


def test_the_weekend_relay_takes_over_after_the_delay_or_at_once_when_the_team_is_away():
    cascades = pool_cascades(POOLS, supervisors_after=300)

    def router(team_on_shift: bool) -> Router:
        r = Router(cascades=cascades)
        team = agent_pools(["lune"], pools=POOLS, relay=False, supervisor=False)
        relay = agent_pools(["lune"], pools=POOLS, relay=True, supervisor=False)
        from roadie.engine.routing import AgentState
        r.add_agent(Agent(1, skills=frozenset({"brand:lune"}), pools=team, load=6,
                          state=AgentState.AVAILABLE if team_on_shift else AgentState.OFFLINE))
        r.add_agent(Agent(2, skills=frozenset({"brand:lune"}), pools=relay))
        r.add_contact(Contact(10, "lune", arrival=0))
        return r

    busy_team = router(team_on_shift=True)  # the team is on shift but busy: wait for overflow
    assert busy_team.route(0) == [] and busy_team.next_wakeup() == 120
    assert busy_team.route(120) == [Reservation(10, 2)]
    away_team = router(team_on_shift=False)  # nobody of the team on shift: the relay at once
    assert away_team.route(0) == [Reservation(10, 2)]


def test_on_shift_first_prefers_agents_booked_for_the_brands_pool():
    from roadie.engine.routing import LongestIdle, OnShiftFirst

    policy = OnShiftFirst(LongestIdle(), brand_pools={"lune": frozenset({"pooled"})})
    r = Router(policy)
    r.add_agent(Agent(1, skills=frozenset({"brand:lune", "brand:etoile"}), idle_since=0))
    r.add_agent(Agent(2, skills=frozenset({"brand:lune", "brand:etoile"}), idle_since=50,
                      booked_pools=frozenset({"pooled"})))
    r.add_contact(Contact(10, "lune"))
    r.add_contact(Contact(11, "etoile"))
    made = {x.contact_id: x.agent_id for x in r.route(60)}
    assert made == {10: 2, 11: 1}  # booked for lune's pool: 2 takes lune; etoile: longest idle


def test_the_simulator_routes_booked_teams_first():
    import numpy as np

    from roadie.engine.sim import run, scenario_from_dict

    scn = scenario_from_dict({
        "hours": 1, "policy": "on_shift_first",
        "streams": [{"brand": "lune", "channel": "voice", "rate_per_hour": 20, "handle": 60}],
        "pools": [{"slug": "pooled", "brands": ["lune"]}],
        "teams": [{"name": "free", "count": 2, "brands": ["lune"], "pools": ["pooled"]},
                  {"name": "booked", "count": 2, "brands": ["lune"], "pools": ["pooled"],
                   "booked_pools": ["pooled"]}],
    })
    res = run(scn, np.random.default_rng(1))
    served = res.agent[res.agent >= 0]
    assert (served >= 2).mean() > 0.9  # the booked team (agents 2, 3) takes nearly everything


def test_the_simulator_puts_a_supervisors_team_in_the_last_tier_only():
    import math

    import numpy as np

    from roadie.engine.sim import Arrivals, run, scenario_from_dict

    scn = scenario_from_dict({
        "supervisors_after": 300,
        "streams": [{"brand": "lune", "channel": "voice"}],
        "pools": [{"slug": "own", "brands": ["lune"]}],
        # the same rule as live (agent_pools): the team in its brand's pool, the supervisors
        # in "supervisors" only
        "teams": [{"name": "team", "count": 1, "brands": ["lune"]},
                  {"name": "supervisors", "count": 1, "brands": ["lune"], "supervisor": True}],
    })
    assert [t.pools for t in scn.teams] == [{"own"}, {"supervisors"}]
    from roadie.engine.sim import ScenarioError

    with pytest.raises(ScenarioError, match="not both"):
        scenario_from_dict({"streams": [{"brand": "lune"}],
                            "teams": [{"brands": ["lune"], "supervisor": True, "pools": ["own"]}]})
    with pytest.raises(ScenarioError, match="supervisor: expected true or false"):
        scenario_from_dict({"streams": [{"brand": "lune"}], "teams": [{"brands": ["lune"], "supervisor": "yes"}]})
    times = [0.0, 1.0, 1100.0]
    arr = Arrivals(time=np.array(times), stream=np.zeros(3, dtype=np.int64),
                   handle=np.array([1000.0, 60.0, 60.0]), patience=np.full(3, math.inf),
                   priority=np.zeros(3, dtype=np.int64), streams=scn.streams)
    res = run(scn, np.random.default_rng(0), arrivals=arr)
    # the team takes the first call; the second waits 300 s for the supervisor; the third,
    # once the team is free again, goes to the team
    assert res.agent.tolist() == [0, 1, 0]
    assert res.start.tolist() == [0.0, 301.0, 1100.0]
