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
])
def test_bad_offer_rules_are_refused(over, message):
    with pytest.raises(ScenarioError, match=message):
        scenario(**over)
