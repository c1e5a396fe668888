"""Search quality on real language: the French set over the demo brands, and BANKING77
(skipped when the data set is not beside the repository)."""

import pytest

from roadie.desk.kb.demo import banking77
from roadie.desk.kb.demo.seed import BANK, seed_kb
from roadie.desk.kb.evaluation import evaluate, french_set_path, read_cases


@pytest.fixture
def demo_kb(make_brand):
    for slug in ("maison-lune", "ondes", "eclat"):
        make_brand(slug=slug)
    seed_kb(with_bank=False)


def test_french_set_is_large_enough_and_points_at_real_articles(demo_kb):
    from roadie.desk.kb.models import Article

    cases = read_cases(french_set_path())
    assert len(cases) >= 100
    existing = set(Article.objects.values_list("brand__slug", "slug"))
    assert {(b, s) for b, _, s in cases} <= existing


def test_french_set_full_text(demo_kb):
    scores = evaluate(read_cases(french_set_path()), mode="fulltext")
    assert scores.recall_at_5 >= 0.9, scores
    assert scores.mrr >= 0.8, scores


def test_seeding_twice_changes_nothing(demo_kb):
    from roadie.desk.kb.models import ArticleVersion

    versions = ArticleVersion.objects.count()
    seed_kb(with_bank=False)
    assert ArticleVersion.objects.count() == versions


@pytest.mark.skipif(banking77.data_dir() is None, reason="BANKING77 is not beside the repository")
def test_banking77_full_text(make_brand):
    bank = make_brand(slug=BANK)
    seed_kb()
    from roadie.desk.kb.models import Article

    assert Article.objects.filter(brand=bank, status="published").count() == 77
    assert Article.objects.filter(brand=bank, slug="card_arrival").exists()
    sample = [(BANK, q, intent) for q, intent in banking77.load("test")[::5]]
    scores = evaluate(sample, mode="fulltext")
    assert scores.recall_at_5 >= 0.85, scores
    assert scores.mrr >= 0.72, scores


def test_articles_are_written_from_training_queries_only():
    train = banking77.load("train")
    if not train:
        pytest.skip("BANKING77 is not beside the repository")
    test_queries = {q for q, _ in banking77.load("test")} - {q for q, _ in train}
    bodies = " ".join(a.body for a in banking77.build_articles(train))
    assert not any(f"- {q}\n" in bodies for q in test_queries)
