"""The simulator, with the routing core in the loop, against exact queueing theory.

A single queue with exponential service and patient callers must agree with Erlang C (service
level, ASA, probability of waiting); with exponential patience, with Erlang A (abandonment,
service level over answered calls, ASA). Tolerances: four standard errors over replications,
plus a small allowance for the empty-system start (each run starts with nobody waiting).
"""

import math

import pytest

from roadie.engine.queueing import erlang_a, erlang_c_metrics
from roadie.engine.service_level import SL_DEFINITION
from roadie.engine.sim import replicate, single_queue

AGENTS = 12
PER_MINUTE = 5.0  # 10 Erlangs on 12 agents: 83 % occupancy, a queue worth validating
AHT = 120.0
T = 20.0
REPS = 12
HOURS = 40.0


def _check(est, exact, *, rel=0.0, abs_=0.0):
    half = (est.high - est.low) / 2
    stderr = half / 2.2  # t(0.975, 11)
    tol = 4 * stderr + rel * abs(exact) + abs_
    assert abs(est.mean - exact) <= tol, (est, exact, tol)


@pytest.fixture(scope="module")
def erlang_c_run():
    scn = single_queue(
        agents=AGENTS, arrivals_per_minute=PER_MINUTE, aht_seconds=AHT, hours=HOURS,
        answer_seconds=T,
    )
    return replicate(scn, reps=REPS, seed=7, workers=2)


def test_single_queue_agrees_with_erlang_c(erlang_c_run):
    exact = erlang_c_metrics(
        agents=AGENTS, load=PER_MINUTE * AHT / 60, aht_seconds=AHT, answer_seconds=T
    )
    s = erlang_c_run
    _check(s.overall("service_level"), float(exact.service_level), abs_=0.01)
    _check(s.overall("p_wait"), float(exact.p_wait), abs_=0.01)
    _check(s.overall("asa_seconds"), float(exact.asa_seconds), rel=0.05)
    _check(s.overall("occupancy"), float(exact.occupancy), abs_=0.01)
    assert s.overall("p_abandon").mean == 0.0
    expected_calls = PER_MINUTE * 60 * HOURS
    assert abs(s.overall("contacts").mean - expected_calls) < 4 * math.sqrt(expected_calls / REPS)


def test_impatient_callers_agree_with_erlang_a():
    patience = 60.0
    scn = single_queue(
        agents=AGENTS, arrivals_per_minute=PER_MINUTE * 1.1, aht_seconds=AHT, hours=HOURS,
        answer_seconds=T, patience_seconds=patience,
    )
    s = replicate(scn, reps=REPS, seed=11, workers=2)
    exact = erlang_a(
        agents=AGENTS, load=PER_MINUTE * 1.1 * AHT / 60, aht_seconds=AHT,
        patience_seconds=patience, answer_seconds=T, sl_definition=SL_DEFINITION,
    )
    _check(s.overall("p_abandon"), float(exact.p_abandon), rel=0.05, abs_=0.002)
    _check(s.overall("service_level"), float(exact.service_level), abs_=0.01)
    _check(s.overall("asa_seconds"), float(exact.asa_seconds), rel=0.06)
    _check(s.overall("occupancy"), float(exact.occupancy), abs_=0.01)
