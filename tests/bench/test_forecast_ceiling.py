"""The Poisson arithmetic of bench/forecast_ceiling.py (the ceiling of docs/benchmarks.md,
"What 20 % asks: ceilings") against brute-force sums over the pmf."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
try:
    from forecast_ceiling import (
        expected_abs_difference,
        expected_abs_error,
        median_rule,
        poisson_median,
    )
finally:
    sys.path.remove(str(ROOT / "bench"))

rates = st.floats(min_value=0.0, max_value=60.0, allow_nan=False)


def _pmf(lam: float, k: np.ndarray) -> np.ndarray:
    return (k == 0).astype(float) if lam == 0 else stats.poisson.pmf(k, lam)


@given(rates, st.floats(min_value=0.0, max_value=80.0, allow_nan=False))
def test_expected_abs_error_is_the_sum_over_the_pmf(lam, f):
    k = np.arange(400)
    brute = float((_pmf(lam, k) * np.abs(k - f)).sum())
    assert abs(float(expected_abs_error(lam, f)) - brute) <= 1e-9 * max(1.0, brute)


@given(rates, rates)
def test_expected_abs_difference_is_the_double_sum_over_the_pmfs(lam, mu):
    k = np.arange(300)
    joint = _pmf(lam, k)[:, None] * _pmf(mu, k)[None, :]
    brute = float((joint * np.abs(k[:, None] - k[None, :])).sum())
    got = float(expected_abs_difference(np.array([lam]), np.array([mu]))[0])
    assert abs(got - brute) <= 1e-9 * max(1.0, brute)
    assert abs(got - float(expected_abs_difference(np.array([mu]), np.array([lam]))[0])) <= 1e-9


@given(rates)
def test_the_median_minimises_the_expected_error_and_the_rule_never_says_zero(lam):
    med = float(poisson_median(lam))
    best = float(expected_abs_error(lam, med))
    for f in (med - 1, med + 1, lam, float(median_rule(lam))):
        assert best <= float(expected_abs_error(lam, max(f, 0.0))) + 1e-12
    assert stats.poisson.cdf(med, lam) >= 0.5 if lam > 0 else med == 0
    rule = float(median_rule(lam))
    assert rule > 0 if lam > 0 else rule == 0


def test_the_gain_over_the_naive_is_about_29_percent_from_one_contact_and_small_below():
    lam = np.array([0.3, 0.5, 1.0, 4.0, 100.0])
    gain = 1 - expected_abs_error(lam, median_rule(lam)) / expected_abs_difference(lam, lam)
    assert np.all((gain[2:] > 0.28) & (gain[2:] < 0.30))  # 1 - 1/sqrt(2) for large rates
    assert np.all(gain[:2] < 0.11)  # the rule says the rate, not 0, where the median is 0
