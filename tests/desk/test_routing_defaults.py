"""One set of defaults for the offer rules: the live dispatcher's core and a scenario that says
nothing route by the same numbers (``roadie.engine.routing_defaults``), and the environment
still overrides the live ones."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from roadie.desk.brands.models import Pool
from roadie.desk.routing.dispatcher import OFFER_MARGIN, new_router
from roadie.desk.routing.lib import pool_specs
from roadie.engine import routing_defaults
from roadie.engine.sim import scenario_from_dict
from roadie.engine.sim.engine import make_router

pytestmark = pytest.mark.django_db


def test_the_dispatcher_and_a_bare_scenario_route_by_the_same_rules(make_brand):
    brand = make_brand(slug="lune")
    relay = Pool.objects.create(slug="relay", name="Relay")
    own = Pool.objects.create(slug="own", name="Own", overflow_to=relay, overflow_after_seconds=60)
    own.brands.add(brand)
    live = new_router(pool_specs())
    scn = scenario_from_dict({
        "streams": [{"brand": "lune", "channel": "chat"}],
        "pools": [{"slug": "own", "brands": ["lune"], "overflow_to": "relay", "overflow_after": 60},
                  {"slug": "relay"}],
        "teams": [{"count": 1, "brands": ["lune"]}],
    })
    simulated = make_router(scn)
    for rule in ("decline_cooldown", "away_after_timeouts", "max_pending"):
        assert getattr(live, rule) == getattr(simulated, rule), rule
    assert (live.decline_cooldown, live.away_after_timeouts, live.max_pending) == (300, 3, 1)
    # the same cascade, supervisors 300 s after the relay
    assert live.cascades == simulated.cascades
    assert [t.after for t in live.cascades["lune"]] == [0, 60, 360]
    # the live core times an offer out just after the database does; the simulator at the timeout
    assert live.accept_timeout == scn.accept_timeout + OFFER_MARGIN == routing_defaults.OFFER_TIMEOUT + OFFER_MARGIN
    assert scn.away_seconds == routing_defaults.AWAY_SECONDS
    # and a chat with no answer time is due as a chat without a policy live: 30 s
    assert scn.streams[0].answer_seconds == 30


def test_the_environment_still_overrides_the_live_defaults():
    env = {**os.environ, "ROADIE_DECLINE_COOLDOWN": "42", "ROADIE_SUPERVISORS_AFTER": "7",
           "ROADIE_AWAY_AFTER_NO_ANSWERS": "0"}
    out = subprocess.run(
        [sys.executable, "-c", "import roadie.desk.settings as s; print(s.ROADIE_DECLINE_COOLDOWN, "
                               "s.ROADIE_SUPERVISORS_AFTER, s.ROADIE_AWAY_AFTER_NO_ANSWERS, s.ROADIE_OFFER_TIMEOUT)"],
        env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["42.0", "7.0", "0", "30.0"]
