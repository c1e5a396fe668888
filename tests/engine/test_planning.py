"""Slot planning: coverage, templates, Sundays, split days, caps, the lexicographic order."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine.forecast import DayMatrix
from roadie.engine.planning import SlotRules, plan_slots, slot_templates

MONDAY = dt.date(2026, 3, 2)


def requirement(days: int = 7, step: int = 30, seed: int = 0) -> DayMatrix:
    rng = np.random.default_rng(seed)
    per = 1440 // step
    centre = (np.arange(per) + 0.5) * step / 60
    shape = 8 * np.exp(-0.5 * ((centre - 11) / 2.0) ** 2) + 6 * np.exp(
        -0.5 * ((centre - 18.5) / 2.5) ** 2)
    shape[centre < 7] = 0
    values = np.ceil(np.tile(shape, (days, 1)) * rng.uniform(0.7, 1.3, (days, 1)))
    return DayMatrix(MONDAY, step, values)


def test_templates_respect_the_rules():
    rules = SlotRules()
    templates = slot_templates(rules)
    for t in templates:
        assert 120 <= t.minutes <= 480
        for start, end in t.pieces:
            assert 7 * 60 <= start < end <= 25 * 60 and start % 30 == 0
        if len(t.pieces) == 2:
            assert t.pieces[1][0] - t.pieces[0][1] >= 120
    assert any(t.pieces == ((420, 660), (1020, 1260)) for t in templates)  # 07-11 + 17-21
    assert any(t.pieces == ((1380, 1500),) for t in templates)  # 23:00-01:00


def test_full_coverage_without_waste_when_the_curve_allows():
    req = requirement()
    plan = plan_slots(req, rules=SlotRules(sunday_open=True), time_limit_seconds=30)
    assert plan.status == "optimal" and plan.gap <= 1e-4
    assert plan.under.sum() == 0
    assert np.all(plan.coverage >= req.values)
    need_hours = req.values.sum() * 0.5
    assert plan.paid_hours >= need_hours
    assert plan.paid_hours <= need_hours * 1.02
    # the slots really give the coverage reported
    cov = np.zeros_like(req.values)
    for slot in plan.slots:
        for start, end in slot.pieces:
            assert start.tzinfo is not None
            d = (start.date() - MONDAY).days
            first = (start.hour * 60 + start.minute) // 30
            length = int((end - start).total_seconds() // 1800)
            for k in range(length):
                day, col = divmod(first + k, 48)
                cov[d + day, col] += slot.roadies
        assert 2 <= sum((e - s).total_seconds() for s, e in slot.pieces) / 3600 <= 8
    np.testing.assert_array_equal(cov, plan.coverage)


def test_sundays_only_where_allowed_and_out_of_window_need_is_reported():
    req = requirement()
    values = req.values.copy()
    values[0, 6 * 2] = 3  # 06:00 on Monday: outside 07:00-01:00
    req = DayMatrix(req.start, 30, values)
    closed = plan_slots(req, rules=SlotRules(sunday_open=False))
    assert all(slot.day.weekday() != 6 for slot in closed.slots)
    for slot in closed.slots:  # Saturday slots stop at midnight before a closed Sunday
        end = slot.pieces[-1][1]
        if slot.day.weekday() == 5:
            assert end <= dt.datetime.combine(slot.day + dt.timedelta(days=1), dt.time(),
                                              tzinfo=end.tzinfo)
    assert closed.under[6].sum() == values[6].sum()  # Sunday uncovered
    assert closed.under[0, 12] == 3
    opened = plan_slots(req, rules=SlotRules(sunday_open=True))
    assert opened.under[6].sum() == 0


def test_split_days_cover_two_peaks_cheaper():
    values = np.zeros((1, 48))
    values[0, 14:22] = 4  # 07:00-11:00
    values[0, 34:42] = 4  # 17:00-21:00
    req = DayMatrix(MONDAY, 30, values)
    split = plan_slots(req, rules=SlotRules(slot_cost_hours=1.0))
    assert split.paid_hours == 32
    assert [len(s.pieces) for s in split.slots] == [2]
    assert split.slots[0].roadies == 4


def test_cap_on_roadies_puts_under_coverage_on_heavy_weights():
    values = np.zeros((1, 48))
    values[0, 20:28] = 6  # 10:00-14:00 needs 6 but only 4 roadies exist
    weights = np.ones((1, 48))
    weights[0, 20:24] = 10.0  # 10:00-12:00 matters more
    req = DayMatrix(MONDAY, 30, values)
    plan = plan_slots(req, rules=SlotRules(max_roadies=4), weights=weights)
    assert plan.coverage.max() <= 4
    assert plan.under.sum() == 2 * 8
    assert plan.status == "optimal"


def test_quarter_hour_starts_and_bad_input():
    req = requirement(days=2, step=15)
    plan = plan_slots(req, rules=SlotRules(start_step_minutes=15, length_step_minutes=15))
    assert plan.under[0].sum() == 0
    assert any(s.pieces[0][0].minute in (15, 45) for s in plan.slots)
    with pytest.raises(ValueError, match="multiple of 30"):
        plan_slots(requirement(), rules=SlotRules(start_step_minutes=15))
    bad = DayMatrix(MONDAY, 30, -np.ones((1, 48)))
    with pytest.raises(ValueError, match="non-negative"):
        plan_slots(bad)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), min_size=34, max_size=34),
       st.booleans())
def test_any_curve_in_the_window_is_covered_at_no_less_than_its_hours(values, split):
    need = np.zeros((1, 48))
    need[0, 14:48] = values  # 07:00-24:00 of a Monday
    req = DayMatrix(MONDAY, 30, need)
    plan = plan_slots(req, rules=SlotRules(split_days=split), time_limit_seconds=10)
    assert plan.under.sum() == 0
    assert np.all(plan.coverage >= need)
    assert plan.paid_hours >= need.sum() / 2 - 1e-9
    assert plan.gap <= 1e-4
