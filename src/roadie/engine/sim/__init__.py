"""Discrete-event simulation of the operation (a digital twin), driving the routing core.

>>> from roadie.engine.sim import single_queue, replicate
>>> summary = replicate(single_queue(agents=3, arrivals_per_minute=1, aht_seconds=120,
...                                  hours=1), reps=2, seed=1, workers=1)
>>> summary.reps
2
"""

from roadie.engine.sim.arrivals import Arrivals, generate, read_anonymous_bank, read_contact_csv
from roadie.engine.sim.dists import Dist, ScenarioError
from roadie.engine.sim.engine import RunResult, run
from roadie.engine.sim.metrics import (
    METRIC_NAMES,
    OVERALL,
    Estimate,
    Metrics,
    RunMetrics,
    Summary,
    estimate,
    measure,
    paired_difference,
    summarize,
)
from roadie.engine.sim.replicate import replicate, run_one
from roadie.engine.sim.scenario import (
    Replay,
    Scenario,
    Stream,
    Team,
    load_scenario,
    scenario_from_dict,
    single_queue,
)

__all__ = [
    "METRIC_NAMES",
    "OVERALL",
    "Arrivals",
    "Dist",
    "Estimate",
    "Metrics",
    "Replay",
    "RunMetrics",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Stream",
    "Summary",
    "Team",
    "estimate",
    "generate",
    "load_scenario",
    "measure",
    "paired_difference",
    "read_anonymous_bank",
    "read_contact_csv",
    "replicate",
    "run",
    "run_one",
    "scenario_from_dict",
    "single_queue",
    "summarize",
]
