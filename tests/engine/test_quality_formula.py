"""The quality index formula: components, minimums, re-based weights, intervals."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from roadie.engine.quality import IndexParameters, QualityInputs, compute_index
from roadie.engine.quality.index import wilson


def test_worked_example_of_the_docs():
    # docs/quality.md, "A worked example"
    index = compute_index(QualityInputs(
        review_scores=(80, 90, 100, 70), csat_positive=8, csat_answers=10,
        reopened=2, resolved=40, escalations_justified=2, escalations_judged=3,
    ))
    assert index.qa_score.value == Decimal("85.0")
    assert index.csat.value == Decimal("80.0")
    assert index.reopen_rate.value == Decimal("5.0")
    assert index.reopen_rate.points == Decimal("95.0")
    assert index.justified_escalations.value == Decimal("66.7")
    # 0.5 x 85 + 0.3 x 80 + 0.1 x 95 + 0.1 x 66.7 = 82.67
    assert index.value == Decimal("82.7")
    assert index.observations == 4 + 10 + 40 + 3
    assert index.low < index.value < index.high


def test_too_small_a_sample_says_so():
    index = compute_index(QualityInputs(review_scores=(95, 100), csat_positive=1, csat_answers=1))
    assert index.value is None and index.low is None
    assert not index.qa_score.sufficient and index.qa_score.count == 2
    assert index.qa_score.value == Decimal("97.5")  # shown, with its count, but not used


def test_missing_components_are_rebased():
    # QA and CSAT only (0.8 of the weight): the index is their weighted mean
    index = compute_index(QualityInputs(review_scores=(60, 60, 60), csat_positive=10, csat_answers=10))
    assert index.value == Decimal("75.0")  # (0.5 x 60 + 0.3 x 100) / 0.8


def test_qa_alone_is_not_enough_weight():
    assert compute_index(QualityInputs(review_scores=(90, 90, 90))).value is None
    # unless the operation says otherwise
    params = IndexParameters(min_weight=Decimal("0.5"))
    assert compute_index(QualityInputs(review_scores=(90, 90, 90)), parameters=params).value == Decimal("90.0")


def test_bonus_above_100_counts_as_100_in_the_index():
    index = compute_index(QualityInputs(review_scores=(110, 110, 110), csat_positive=5, csat_answers=5))
    assert index.qa_score.value == Decimal("110.0")
    assert index.value == Decimal("100.0")


def test_wilson_matches_a_published_value():
    # Wilson (1927) as tabulated by Newcombe (1998), case 81/263: 0.2553 to 0.3662
    low, high = wilson(81, 263)
    assert round(low, 4) == 0.2553 and round(high, 4) == 0.3662


counts = st.integers(min_value=0, max_value=200)


@settings(deadline=None)  # scipy's first quantile call can pass the default deadline on a loaded machine
@given(st.lists(st.floats(min_value=0, max_value=110), max_size=30), counts, counts, counts, counts,
       counts, counts)
def test_index_stays_within_0_and_100_and_inside_its_interval(scores, a, b, c, d, e, f):
    inputs = QualityInputs(review_scores=tuple(scores), csat_positive=min(a, b), csat_answers=b,
                           reopened=min(c, d), resolved=d, escalations_justified=min(e, f),
                           escalations_judged=f)
    index = compute_index(inputs)
    if index.value is not None:
        assert Decimal(0) <= index.low <= index.value <= index.high <= Decimal(100)
    for component in index.components:
        if component.value is not None:
            assert component.low <= min(component.value, Decimal(100)) or component.name == "qa_score"
            assert component.count > 0
