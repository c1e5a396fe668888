"""A brand's full-text ranking uses that brand's articles only (SQLite and PostgreSQL): another
brand adding or editing articles changes neither the order nor the scores, typo corrections
included."""

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.desk.kb import actions
from roadie.desk.kb.search import ranked_ids

QUERIES = [
    "délai de livraison",
    "renvoyer un article non monté",
    "garanite du canapé",
    "livriason des meubles",
    "meuble emballage semaines",
    "coussins",
]
# Words of the furniture brand, close misspellings of them (which the brand's queries use)
# and unrelated words: the other brand's articles are drawn from these.
WORDS = ["livraison", "livrer", "meubles", "garantie", "retour", "article", "semaines", "canapé",
         "livriason", "garanite", "coussin", "délai", "monté", "emballage", "delivery", "card",
         "refund", "rapide", "jours", "défauts", "renvoyr", "sav"]

text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
other_articles = st.lists(st.tuples(text, text, text), min_size=1, max_size=6)


def ranking(brand):
    return {q: ranked_ids([brand.pk], q, limit=10, mode="fulltext") for q in QUERIES}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(articles=other_articles)
def test_another_brands_articles_do_not_move_a_brands_ranking(furniture, make_brand, make_article,
                                                               articles):
    alone = ranking(furniture)
    assert all(alone[q][0] for q in QUERIES), alone
    with transaction.atomic():
        other = make_brand()
        made = [make_article(brand=other, slug=f"a{i}", title=t, body=b, category=c)
                for i, (t, b, c) in enumerate(articles)]
        assert ranking(furniture) == alone
        # An edit of the other brand's article moves nothing either.
        actions.update_article(None, made[0], title=made[0].title + " livraison livraison",
                               body=made[0].body + " garantie coussins")
        assert ranking(furniture) == alone
        transaction.set_rollback(True)


def test_sqlite_scores_are_fts5_bm25_when_the_index_holds_one_brand(furniture):
    """The re-scoring is FTS5's own bm25() formula: with one brand in the index the two agree."""
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is SQLite's")
    from roadie.desk.kb.index import scope_token

    ranked, _ = ranked_ids([furniture.pk], "meubles livraison garantie semaines", mode="fulltext")
    assert len(ranked) >= 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid, -bm25(kb_fts, 0.0, 5.0, 3.0, 1.0) FROM kb_fts WHERE kb_fts MATCH %s",
                       [f'(scope : {scope_token(furniture.pk)}) AND ("meubl" OR "livraison" '
                        'OR "garanti" OR "garant" OR "semain")'])
        fts5 = dict(cursor.fetchall())
    assert {i for i, _ in ranked} <= set(fts5)
    for article_id, score in ranked:
        assert score == pytest.approx(fts5[article_id], rel=1e-9)
