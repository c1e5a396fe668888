"""Queueing and staffing: published worked examples, exact references, identities, properties."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from roadie.engine.birth_death import mmn_m
from roadie.engine.queueing import (
    Targets,
    email_workload,
    erlang_a,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    staff,
)

PROPS = settings(max_examples=40, deadline=None)


def erlang_b_recursion(n: int, a: float) -> float:
    """The textbook stable recursion B(k) = a B(k-1) / (k + a B(k-1)), in plain floats."""
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c_exact(n: int, a: Fraction) -> Fraction:
    """Erlang C from its textbook definition, in exact rational arithmetic."""
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


# --- published values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "load"),
    [(10, 4.461), (100, 84.06), (20, 12.03), (50, 37.90)],
)
def test_erlang_b_table_one_percent(servers, load):
    # Erlang B table, grade of service 1 %: 10 circuits carry 4.461 E, 20 -> 12.03 E,
    # 50 -> 37.90 E, 100 -> 84.06 E (the classic table reproduced in Iversen,
    # "Teletraffic Engineering and Network Planning", DTU/ITU-D 2015, and every traffic
    # handbook; each value here is also recomputed by the recursion).
    assert erlang_b(servers, load) == pytest.approx(0.01, abs=5e-5)
    assert erlang_b(servers, load) == pytest.approx(erlang_b_recursion(servers, load), rel=1e-12)


def test_erlang_c_call_centre_helper_worked_example():
    # "Erlang C Formula - Made Simple With an Easy Worked Example", callcentrehelper.com:
    # 100 calls in 30 minutes, AHT 180 s -> 10 Erlangs; 11 agents: P(wait) = 68.21 %,
    # service level 80/20 not met (39 %); 14 agents are the first to reach 80 % in 20 s;
    # 30 % shrinkage -> 20 agents to schedule. Occupancy with 14 agents: 71.4 %.
    m = erlang_c_metrics(agents=np.arange(11, 15), load=10.0, aht_seconds=180, answer_seconds=20)
    assert m.p_wait[0] == pytest.approx(0.6821, abs=5e-5)
    assert m.service_level[0] == pytest.approx(0.3896, abs=5e-4)
    assert m.asa_seconds[0] == pytest.approx(0.6821 * 180, abs=0.1)
    assert list(m.service_level >= 0.8) == [False, False, False, True]
    result = staff(
        calls=100, interval_minutes=30, aht_seconds=180, targets=Targets(0.8, 20), shrinkage=0.3
    )
    assert int(result.agents) == 14
    assert int(result.positions_with_shrinkage) == 20
    assert float(result.metrics.occupancy) == pytest.approx(10 / 14)


@pytest.mark.parametrize(("n", "a"), [(11, 10), (55, 48), (3, Fraction(5, 2)), (120, 100)])
def test_erlang_c_equals_exact_rational_formula(n, a):
    # 55 agents, 48 Erlangs: the "360 calls per half hour, 4 minutes" example of Mitan's
    # Erlang-C page (mitan.co.uk/erlang/elgcmath.htm), recomputed exactly with fractions.
    exact = erlang_c_exact(n, Fraction(a))
    assert erlang_c(n, float(a)) == pytest.approx(float(exact), rel=1e-12)


# --- stability -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "a"),
    [(1, 0.3), (100_000, 99_000.0), (100_000, 100_500.0), (100_000, 95_000.0), (2_000, 5e4),
     (10, 20_000.0), (500, 480.5), (30, 1e-3)],
)
def test_erlang_b_matches_recursion_up_to_100000_agents(n, a):
    assert erlang_b(n, a) == pytest.approx(erlang_b_recursion(n, a), rel=1e-10)


def test_overloaded_and_extreme_intervals_are_defined():
    m = erlang_c_metrics(
        agents=[0, 5, 10, 100_000, 3], load=[1.0, 10.0, 10.0, 1e5, 0.0], aht_seconds=300,
        answer_seconds=20,
    )
    for field in ("p_wait", "service_level", "occupancy"):
        values = getattr(m, field)
        assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1)), field
    assert list(m.p_wait[:4]) == [1.0, 1.0, 1.0, 1.0]
    assert m.asa_seconds[1] == np.inf and m.service_level[1] == 0.0
    assert m.p_wait[4] == 0.0 and m.service_level[4] == 1.0
    a = erlang_a(
        agents=[0, 5, 100_000], load=[1.0, 50.0, 2e5], aht_seconds=300, patience_seconds=60,
        answer_seconds=20,
    )
    assert np.all(np.isfinite(a.p_abandon)) and np.all(np.isfinite(a.asa_seconds[1:]))
    assert a.p_abandon[0] == 1.0
    assert a.p_abandon[2] == pytest.approx(0.5, abs=1e-3)  # half the calls cannot be served


# --- Erlang A: exact chain and identities ---------------------------------------------------


@pytest.mark.parametrize(
    ("n", "a", "aht", "patience", "t"),
    [(12, 10.0, 180, 120, 20), (5, 4.0, 300, 60, 30), (20, 25.0, 200, 300, 15),
     (1, 3.0, 60, 30, 5), (50, 45.0, 240, 90, 20)],
)
def test_erlang_a_equals_birth_death_chain(n, a, aht, patience, t):
    ref = mmn_m(agents=n, load=a, aht_seconds=aht, patience_seconds=patience, answer_seconds=t)
    m = erlang_a(agents=n, load=a, aht_seconds=aht, patience_seconds=patience, answer_seconds=t)
    assert float(m.p_wait) == pytest.approx(ref.p_wait, abs=1e-12)
    assert float(m.p_abandon) == pytest.approx(ref.p_abandon, abs=1e-12)
    assert float(m.service_level) == pytest.approx(ref.service_level_offered, abs=1e-12)
    assert float(m.asa_seconds) == pytest.approx(ref.asa_seconds, rel=1e-7)


def test_erlang_a_with_endless_patience_is_erlang_c():
    n = np.arange(11, 30)
    c = erlang_c_metrics(agents=n, load=10.0, aht_seconds=180, answer_seconds=20)
    a = erlang_a(agents=n, load=10.0, aht_seconds=180, patience_seconds=1e12, answer_seconds=20)
    np.testing.assert_allclose(a.p_wait, c.p_wait, rtol=1e-6)
    np.testing.assert_allclose(a.service_level, c.service_level, rtol=1e-6)
    np.testing.assert_allclose(a.asa_seconds / np.maximum(c.p_wait, 1e-300),
                               c.asa_seconds / np.maximum(c.p_wait, 1e-300), rtol=1e-4)
    assert np.all(a.p_abandon < 1e-5)
    inf = erlang_a(agents=n, load=10.0, aht_seconds=180, patience_seconds=np.inf,
                   answer_seconds=20)
    np.testing.assert_array_equal(inf.service_level, c.service_level)


def test_erlang_a_with_patience_equal_to_handle_time_is_poisson():
    # theta = mu: every caller leaves at rate mu, waiting or served -> M/M/infinity
    n = np.arange(1, 40)
    m = erlang_a(agents=n, load=17.5, aht_seconds=240, patience_seconds=240, answer_seconds=0)
    np.testing.assert_allclose(m.p_wait, poisson.sf(n - 1, 17.5), rtol=1e-11, atol=1e-300)


def test_service_level_definitions_are_ordered():
    kw = dict(agents=9, load=10.0, aht_seconds=180, patience_seconds=90, answer_seconds=20)
    offered = float(erlang_a(**kw, sl_definition="offered").service_level)
    answered = float(erlang_a(**kw, sl_definition="answered").service_level)
    excluded = float(erlang_a(**kw, sl_definition="short_abandons_excluded").service_level)
    assert offered < excluded < answered


# --- properties ------------------------------------------------------------------------------

loads = st.floats(min_value=0.01, max_value=5_000.0, allow_nan=False)


@PROPS
@given(load=loads, extra=st.integers(min_value=0, max_value=200))
def test_erlang_c_monotone_in_agents_and_load(load, extra):
    n = np.arange(max(1, int(load) - 3), int(load) + extra + 5)
    m = erlang_c_metrics(agents=n, load=load, aht_seconds=200, answer_seconds=20)
    assert np.all((m.p_wait >= 0) & (m.p_wait <= 1))
    assert np.all(np.diff(m.p_wait) <= 1e-12)
    assert np.all(np.diff(m.service_level) >= -1e-12)
    more = erlang_c_metrics(agents=n, load=load * 1.05, aht_seconds=200, answer_seconds=20)
    assert np.all(more.p_wait >= m.p_wait - 1e-12)
    assert np.all(np.diff(erlang_b(n, load)) <= 1e-15)


@PROPS
@given(
    load=st.floats(min_value=0.05, max_value=2_000.0),
    patience=st.floats(min_value=5.0, max_value=5_000.0),
    t=st.floats(min_value=0.0, max_value=120.0),
)
def test_erlang_a_probabilities_and_monotonicity(load, patience, t):
    n = np.arange(1, int(load * 1.3) + 10)
    m = erlang_a(agents=n, load=load, aht_seconds=180, patience_seconds=patience,
                 answer_seconds=t)
    for values in (m.p_wait, m.p_abandon, m.service_level, m.occupancy):
        assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1))
    assert np.all(np.diff(m.p_abandon) <= 1e-12)
    assert np.all(np.diff(m.service_level) >= -1e-9)
    assert np.all(m.asa_seconds >= 0)


@PROPS
@given(
    calls=st.lists(st.floats(min_value=0.0, max_value=3_000.0), min_size=1, max_size=20),
    sl=st.floats(min_value=0.5, max_value=0.95),
)
def test_staffing_is_minimal(calls, sl):
    targets = Targets(service_level=sl, answer_seconds=20, max_occupancy=0.9)
    r = staff(calls=calls, interval_minutes=30, aht_seconds=240, targets=targets)
    load = np.asarray(calls) * 240 / 1800
    ok = erlang_c_metrics(agents=r.agents, load=load, aht_seconds=240, answer_seconds=20)
    assert np.all(ok.service_level[load > 0] >= sl - 1e-12)
    assert np.all(ok.occupancy <= 0.9 + 1e-12)
    less = erlang_c_metrics(agents=np.maximum(r.agents - 1, 0), load=load, aht_seconds=240,
                            answer_seconds=20)
    fails = (less.service_level < sl - 1e-12) | (less.occupancy > 0.9) | (r.agents - 1 <= load)
    assert np.all(fails[load > 0])
    assert np.all(r.agents[load == 0] == 0)


# --- staffing --------------------------------------------------------------------------------


def test_staffing_meets_every_target():
    base = dict(calls=[100, 400, 30], interval_minutes=30, aht_seconds=180)
    sl_only = staff(**base, targets=Targets(0.8, 20))
    strict = staff(**base, targets=Targets(0.8, 20, max_asa_seconds=5, max_occupancy=0.7))
    assert np.all(strict.agents >= sl_only.agents)
    assert np.all(strict.metrics.asa_seconds <= 5)
    assert np.all(strict.metrics.occupancy <= 0.7)
    with_ab = staff(**base, patience_seconds=60,
                    targets=Targets(None, 20, max_abandon=0.02))
    assert np.all(with_ab.metrics.p_abandon <= 0.02)
    fewer = staff(**base, patience_seconds=60,
                  targets=Targets(0.8, 20, max_abandon=0.02, max_asa_seconds=5,
                                  max_occupancy=0.7))
    assert np.all(fewer.metrics.p_abandon <= 0.02)
    # vectorised answers equal the scalar ones
    for i, c in enumerate(base["calls"]):
        one = staff(calls=c, interval_minutes=30, aht_seconds=180, targets=Targets(0.8, 20))
        assert int(one.agents) == sl_only.agents[i]


def test_chat_concurrency_needs_fewer_agents():
    single = staff(calls=300, interval_minutes=30, aht_seconds=400, targets=Targets(0.8, 60))
    triple = staff(calls=300, interval_minutes=30, aht_seconds=400, concurrency=3,
                   concurrency_aht_growth=0.25, targets=Targets(0.8, 60))
    assert triple.agents < single.agents
    assert float(triple.handle_seconds) == pytest.approx(400 * 1.5)
    servers = int(triple.agents) * 3
    m = erlang_c_metrics(agents=servers, load=300 * 600 / 1800, aht_seconds=600,
                         answer_seconds=60)
    assert float(m.service_level) >= 0.8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(dict(targets=Targets(1.0, 20)), "service level"),
     (dict(targets=Targets(0.8, 20), calls=-1), "calls"),
     (dict(targets=Targets(0.8, 20), shrinkage=1.0), "shrinkage"),
     (dict(targets=Targets(None, 20)), "at least one target"),
     (dict(targets=Targets(0.8, 20, max_abandon=0.0), patience_seconds=60), "abandonment"),
     (dict(targets=Targets(0.8, 20), concurrency=1.5), "concurrency")],
)
def test_staffing_rejects_bad_input(kwargs, message):
    args = dict(calls=100, interval_minutes=30, aht_seconds=180) | kwargs
    with pytest.raises(ValueError, match=message):
        staff(**args)


# --- email -----------------------------------------------------------------------------------


def test_email_work_is_spread_over_its_window_and_conserved():
    arrivals = np.array([0, 40, 10, 0, 0, 20, 0, 0, 30, 0], dtype=float)
    open_mask = np.array([0, 1, 1, 1, 1, 0, 1, 1, 1, 1], dtype=bool)
    plan = email_workload(arrivals=arrivals, open_mask=open_mask, interval_minutes=30,
                          aht_seconds=360, deadline_intervals=4, initial_backlog=8)
    total = (arrivals.sum() + 8) * 360 / 3600
    assert plan.workload_hours.sum() + plan.carry_over_hours == pytest.approx(total)
    assert np.all(plan.workload_hours[~open_mask] == 0)
    # the 40 mails of interval 1 (+ backlog) are done by the end of interval 4
    assert plan.workload_hours[1:5].sum() >= (40 + 8) * 0.1 - 1e-9
    assert np.all(plan.agents >= plan.workload_hours / (0.5 * 0.85) - 1e-9)
    assert plan.backlog[-1] >= 0
