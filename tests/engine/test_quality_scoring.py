"""Scorecard scoring (weights, N/A re-basing, critical criteria, bonus), sampling, alpha."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadie.engine.quality.agreement import alpha, deviation
from roadie.engine.quality.sampling import (
    Candidate,
    cochran_sample_size,
    draw,
    margin_of_error,
    share_out,
)
from roadie.engine.quality.scorecard import Scorecard, ScorecardError, score

CARD = Scorecard.from_dict({"sections": [
    {"key": "open", "label": "Opening", "weight": 1, "criteria": [
        {"key": "greet", "label": "Greets", "scale": "binary"},
        {"key": "name", "label": "Uses the name", "scale": "binary", "na_allowed": True},
    ]},
    {"key": "solve", "label": "Solving", "weight": 3, "criteria": [
        {"key": "answer", "label": "Right answer", "scale": "5", "weight": 2},
        {"key": "policy", "label": "Follows policy", "scale": "binary", "critical": "review"},
        {"key": "tone", "label": "Tone", "scale": "10", "na_allowed": True},
    ]},
    {"key": "extra", "label": "Going further", "weight": Decimal("0.5"), "bonus": True, "criteria": [
        {"key": "wow", "label": "Delight", "scale": "binary"},
    ]},
]})

PERFECT = {"greet": 1, "name": 1, "answer": 5, "policy": 1, "tone": 10, "wow": 0}


def test_perfect_review_is_100_and_bonus_passes_it():
    assert score(CARD, PERFECT).score == Decimal("100.00")
    assert score(CARD, {**PERFECT, "wow": 1}).score == Decimal("112.50")  # 100 x (4 + 0.5) / 4


def test_weights_and_scales():
    # opening 1/2 = 0.5 (weight 1); solving (2 x 0.5 + 1 x 1 + 1 x 0.7) / 4 = 0.675 (weight 3)
    result = score(CARD, {**PERFECT, "name": 0, "answer": 3, "tone": 7})
    assert result.score == Decimal("63.13")  # 100 x (0.5 + 3 x 0.675) / 4 = 63.125
    assert [s.score for s in result.sections] == [Decimal("50.00"), Decimal("67.50"), Decimal("0.00")]


def test_not_applicable_rebases_on_the_remaining_points():
    result = score(CARD, {**PERFECT, "name": None, "tone": None, "answer": 3})
    # opening: 1/1; solving: (2 x 0.5 + 1) / 3
    assert result.sections[0].score == Decimal("100.00")
    assert result.sections[1].score == Decimal("66.67")
    assert result.not_applicable == 2


def test_critical_criterion_fails_the_review():
    result = score(CARD, {**PERFECT, "policy": 0, "wow": 1})
    assert result.score == Decimal("0.00") and result.critical_failed == "policy"


def test_section_critical_fails_only_its_section():
    card = Scorecard.from_dict({"sections": [
        {"key": "a", "criteria": [{"key": "x", "scale": "binary", "critical": "section"},
                                  {"key": "y", "scale": "binary"}]},
        {"key": "b", "criteria": [{"key": "z", "scale": "binary"}]},
    ]})
    result = score(card, {"x": 0, "y": 1, "z": 1})
    assert result.score == Decimal("50.00") and result.critical_failed == ""
    assert result.sections[0].failed


@pytest.mark.parametrize(("answers", "message"), [
    ({**PERFECT, "greet": None}, "greet: N/A is not allowed"),
    ({**PERFECT, "answer": 6}, "answer: a whole number from 1 to 5"),
    ({**PERFECT, "answer": True}, "answer: a whole number"),
    ({k: v for k, v in PERFECT.items() if k != "tone"}, "tone: not scored"),
    ({**PERFECT, "ghost": 1}, "unknown criteria"),
])
def test_bad_answers_name_the_criterion(answers, message):
    with pytest.raises(ScorecardError, match=message):
        score(CARD, answers)


@pytest.mark.parametrize(("definition", "message"), [
    ({}, "sections"),
    ({"sections": [{"key": "a", "criteria": []}]}, r"sections\[0\].criteria"),
    ({"sections": [{"key": "a", "criteria": [{"key": "x", "scale": "7"}]}]}, "scale"),
    ({"sections": [{"key": "a", "criteria": [{"key": "x", "weight": -1}]}]}, "weight"),
    ({"sections": [{"key": "a", "criteria": [{"key": "x"}, {"key": "x"}]}]}, "used twice"),
    ({"sections": [{"key": "a", "bonus": True, "criteria": [{"key": "x"}]}]}, "not a bonus"),
])
def test_bad_definitions_are_refused(definition, message):
    with pytest.raises(ScorecardError, match=message):
        Scorecard.from_dict(definition)


def test_definition_round_trips():
    assert Scorecard.from_dict(CARD.to_dict()) == CARD


answer_values = st.fixed_dictionaries({
    "greet": st.integers(0, 1), "name": st.one_of(st.none(), st.integers(0, 1)),
    "answer": st.integers(1, 5), "policy": st.integers(0, 1),
    "tone": st.one_of(st.none(), st.integers(0, 10)), "wow": st.integers(0, 1)})


@given(answer_values)
def test_score_bounds_and_monotonicity(answers):
    result = score(CARD, answers)
    assert Decimal(0) <= result.score <= Decimal("112.50")
    if answers["answer"] < 5 and not result.critical_failed:
        assert score(CARD, {**answers, "answer": answers["answer"] + 1}).score >= result.score


def test_cochran_with_finite_population_correction():
    assert cochran_sample_size(1000) == 278
    assert cochran_sample_size(10) == 10
    assert cochran_sample_size(100_000) == 383
    assert abs(margin_of_error(278, 1000) - 0.05) < 1e-3
    assert margin_of_error(1000, 1000) == 0.0


def test_draw_is_seeded_reproducible_and_order_free():
    cands = tuple(Candidate(contact_id=i, agent_id=i % 3) for i in range(30))
    first = draw(cands, quota_per_agent=2, seed=7)
    assert first == draw(tuple(reversed(cands)), quota_per_agent=2, seed=7)
    assert len(first) == 6 and {c.agent_id for c in first} == {0, 1, 2}
    assert all(sum(1 for c in first if c.agent_id == a) == 2 for a in range(3))
    assert first != draw(cands, quota_per_agent=2, seed=8)


def test_weighted_draw_favours_heavy_candidates():
    cands = tuple(Candidate(contact_id=i, agent_id=1, weight=50.0 if i < 5 else 1.0) for i in range(100))
    heavy = sum(sum(1 for c in draw(cands, quota_per_agent=5, seed=s, weighted=True) if c.contact_id < 5)
                for s in range(200))
    plain = sum(sum(1 for c in draw(cands, quota_per_agent=5, seed=s) if c.contact_id < 5)
                for s in range(200))
    assert heavy > 3 * plain


@given(st.integers(0, 200), st.lists(st.integers(1, 9), min_size=1, max_size=5))
def test_share_out_respects_weights(count, weights):
    reviewers = tuple((i, float(w)) for i, w in enumerate(weights))
    out = share_out(count, reviewers, seed=1)
    assert len(out) == count
    for rid, w in reviewers:
        assert abs(out.count(rid) - count * w / sum(weights)) < 1


def test_alpha_reference_values_and_deviation():
    nan = np.nan
    data = np.array([[nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
                     [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
                     [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4]])
    assert round(alpha(data, "nominal"), 6) == 0.691358
    assert round(alpha(data, "interval"), 6) == 0.810845
    d = deviation({("c1", "x"): 3, ("c2", "x"): 5}, {("c1", "x"): 3, ("c2", "x"): 1},
                  reviewer_id=9, spans={("c1", "x"): 4, ("c2", "x"): 4})
    assert d.units == 2 and d.mean_absolute == 0.5 and d.exact_share == 0.5
