"""The simulator models the core's offer rules: no-answers putting agents away, the decline
cool-down and the limit of pending offers, through the same Router the dispatcher runs."""

import numpy as np
import pytest

from roadie.engine.sim import ScenarioError, run, scenario_from_dict
from roadie.engine.sim.engine import ABANDONED, DONE


def scenario(**over):
    data = {
        "hours": 3,
        "streams": [
            {"brand": "b", "channel": "chat", "rate_per_hour": 120, "handle": 240, "patience": 600},
            {"brand": "b", "channel": "voice", "rate_per_hour": 20, "handle": 180, "patience": 600},
        ],
        "teams": [{"count": 6, "brands": ["b"]}],
        "timeout_probability": 0.25,
        "accept_timeout": 20,
    }
    data.update(over)
    return scenario_from_dict(data)


def mean_wait(res):
    served = res.outcome == DONE
    return float((res.start[served] - res.arrivals.time[served]).mean())


def test_agents_put_away_by_no_answers_make_customers_wait_longer():
    base = run(scenario(away_after_timeouts=0), np.random.default_rng(4))  # never put away
    away = run(scenario(away_after_timeouts=2, away_seconds=300), np.random.default_rng(4))
    for res in (base, away):
        assert set(np.unique(res.outcome)) <= {DONE, ABANDONED}
    assert mean_wait(away) > mean_wait(base) * 1.2
    # put away for a while, not for good: they come back and serve
    assert (away.outcome == DONE).mean() > 0.9


def test_pending_limit_and_cool_down_keep_every_contact_served():
    res = run(scenario(max_pending_offers=1, decline_cooldown=60, decline_probability=0.2,
                       away_after_timeouts=3), np.random.default_rng(5))
    assert set(np.unique(res.outcome)) <= {DONE, ABANDONED}
    assert res.offers.max() > 1


@pytest.mark.parametrize(("over", "message"), [
    ({"max_pending_offers": 0}, "max_pending_offers"),
    ({"decline_cooldown": -5}, "decline_cooldown"),
    ({"answers": [{"contact": 0, "agent": 0, "answer": "maybe"}]}, "answers"),
    ({"answers": [{"contact": 0, "answer": "decline"}]}, r"answers\[0\]: needs contact, agent and answer"),
    ({"answers": [{"contact": "first", "agent": 0, "answer": "decline"}]}, "whole numbers"),
])
def test_bad_offer_rules_are_refused(over, message):
    with pytest.raises(ScenarioError, match=message):
        scenario(**over)


def test_scripted_answers_decline_and_time_out_the_offers_named():
    def first_offers(**over):
        log: list = []
        res = run(scenario(timeout_probability=0.0, hours=0.1, **over), np.random.default_rng(2), offer_log=log)
        return res, {c: a for _, c, a in reversed(log)}  # each contact's first offer

    plain, first = first_offers()
    assert (plain.offers == 1).all()  # nothing scripted, no probability: every offer accepted
    decline = [{"contact": 0, "agent": first[0], "answer": "decline"}]
    _, then = first_offers(answers=decline)
    res, scripted_first = first_offers(answers=[*decline, {"contact": 1, "agent": then[1], "answer": "no_answer"}])
    assert scripted_first[0] == first[0] and scripted_first[1] == then[1]
    # declined, left unanswered: offered again and served by someone else
    assert res.agent[0] != first[0] and res.agent[1] != then[1]
    assert res.offers[0] >= 2 and res.offers[1] >= 2
    assert res.start[1] - res.arrivals.time[1] >= 20  # the whole offer timeout (accept_timeout)
