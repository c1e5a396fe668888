"""PostgreSQL: the ranking of kb/0008 (the GIN index serves brand and words; the counts come
from one statement) answers exactly what the previous ranking did: the same articles in the
same order with the same scores, and the same corrected stems, on random corpora and queries
(typos, unknown words, several brands, small limits). The previous ranking is kept below as
it was, for this comparison only, except that the every-brand vocabulary it read (``kb_word``,
gone since kb/0009) is the union of the brands' own words (``kb_brand_word``). Since kb/0009
a brand's corrections come from its own words only; the two then agree on a search over every
brand that has articles, which is what is compared, and a test below shows the case where
they no longer agree on one brand."""

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.desk.kb.search import _Ranked, fulltext, search
from roadie.desk.kb.text import allowed_typos, edit_distance, query_words, stems_of

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's ranking")

# --- the previous ranking (before kb/0008), unchanged ---------------------------------------

_OLD_MATCHES = ("EXISTS (SELECT 1 FROM kb_search WHERE brand_id = ANY(%s) "
               "AND tsv @@ (to_tsquery('roadie_fr', w) || to_tsquery('roadie_en', w)))")


def _old_corrections(cursor, brand_ids: list[int], qwords: list[str]) -> dict[str, list[str]]:
    """Close words for the query words that match nothing in the brands searched, taken from
    the words of those brands only (``kb_word`` holds every brand's: it proposes, the brands'
    articles decide), so that another brand's vocabulary changes no correction."""
    candidates = [w for w in qwords if allowed_typos(w) and not w.isdigit()]
    if not candidates:
        return {}
    cursor.execute(f"SELECT w FROM unnest(%s::text[]) AS w WHERE NOT {_OLD_MATCHES}",
                   [candidates, list(brand_ids)])
    unknown = [row[0] for row in cursor.fetchall()]
    out = {}
    for w in unknown:
        budget = allowed_typos(w)
        cursor.execute("SELECT word FROM (SELECT DISTINCT word FROM kb_brand_word) AS kb_word "
                       "WHERE word %% %s AND length(word) BETWEEN %s AND %s "
                       "ORDER BY similarity(word, %s) DESC, word", [w, len(w) - budget, len(w) + budget, w])
        close = [r[0] for r in cursor.fetchall() if edit_distance(w, r[0], cap=budget) <= budget]
        if close:
            cursor.execute(f"SELECT w FROM unnest(%s::text[]) WITH ORDINALITY AS u(w, i) WHERE {_OLD_MATCHES} "
                           "ORDER BY i", [close, list(brand_ids)])
            close = [r[0] for r in cursor.fetchall()][:3]
        if close:
            out[w] = close
    return out


def previous_fulltext(brand_ids: list[int], query: str, limit: int) -> _Ranked:
    qwords = query_words(query, limit=12)
    if not qwords or not brand_ids:
        return _Ranked([], {})
    with connection.cursor() as cursor:
        corrections = _old_corrections(cursor, brand_ids, qwords)
        # Each query word (with its corrections) as one tsquery, stemmed both ways; built once,
        # then passed as constants so that the GIN index serves the match.
        terms = [" | ".join([w, *corrections.get(w, [])]) for w in qwords]
        cursor.execute(
            "SELECT " + ", ".join(["(to_tsquery('roadie_fr', %s) || to_tsquery('roadie_en', %s))::text"]
                                  * len(terms)),
            [t for term in terms for t in (term, term)])
        tsqueries = [q for q in cursor.fetchone() if q]
        if not tsqueries:
            return _Ranked([], {})
        n = len(tsqueries)
        # Weights D (body) 0.2, C 0.2, B (tags) 0.6, A (title) 1.0: SQLite's 1 : 3 : 5.
        dfs = ", ".join(f"count(*) FILTER (WHERE tsv @@ %s::tsquery) OVER () AS df{i}" for i in range(n))
        score = " + ".join(
            f"ts_rank(ARRAY[0.2, 0.2, 0.6, 1.0]::float4[], tsv, %s::tsquery)"
            f" * ln(1 + (n.total - df{i} + 0.5) / (df{i} + 0.5))" for i in range(n))
        sql = f"""
            WITH n AS (SELECT count(*)::float AS total FROM kb_search WHERE brand_id = ANY(%s)),
            m AS (SELECT article_id, tsv, {dfs} FROM kb_search
                  WHERE brand_id = ANY(%s) AND tsv @@ %s::tsquery)
            SELECT article_id, {score} AS score FROM m, n
            ORDER BY score DESC, article_id LIMIT %s"""
        any_term = " | ".join(f"({q})" for q in tsqueries)
        cursor.execute(sql, [list(brand_ids), *tsqueries, list(brand_ids), any_term, *tsqueries, limit])
        rows = cursor.fetchall()
    used = {s for ws in corrections.values() for w in ws for s in stems_of(w)}
    return _Ranked([r[0] for r in rows], {r[0]: float(r[1]) for r in rows}, used)


# --- the comparison -----------------------------------------------------------------------

# Words of three brands: French and English, inflections of each other, misspellings that the
# correction should fix, words no brand has, a digit, and stop words.
WORDS = ["livraison", "livrer", "livrés", "meubles", "meublé", "garantie", "retour", "retourner",
         "article", "semaines", "canapé", "coussin", "délai", "emballage", "delivery", "delivered",
         "card", "cards", "refund", "refunds", "rapide", "jours", "défauts", "exchange", "rates",
         "abroad", "payment", "frozen", "2024"]
QUERY_WORDS = [*WORDS, "livriason", "garanite", "renvoyr", "paymnet", "echange", "crad", "rtaes", "zzyzx",
               "quokka", "de", "the", "les", "nous", "against", "12"]

text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join)
article = st.tuples(text, text, st.lists(st.sampled_from(WORDS), max_size=3))
corpus = st.lists(st.lists(article, min_size=0, max_size=7), min_size=1, max_size=3)
queries = st.lists(st.lists(st.sampled_from(QUERY_WORDS), min_size=1, max_size=5).map(" ".join),
                   min_size=1, max_size=6)


def _as_list(ranked: _Ranked):
    return [(i, ranked.scores[i]) for i in ranked.ids], ranked.stems


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(brands=corpus, asked=queries, limit=st.sampled_from([1, 3, 10, 50]))
def test_the_same_hits_in_the_same_order_with_the_same_scores(make_brand, make_article, brands, asked, limit):
    with transaction.atomic():
        made = []
        for b, articles in enumerate(brands):
            brand = make_brand()
            made.append(brand.pk)
            for a, (title, body, tags) in enumerate(articles):
                make_article(brand=brand, slug=f"a{b}-{a}", title=title, body=body, tags=tuple(tags),
                             category=tags[0] if tags else "")
        for q in asked:
            now = _as_list(fulltext(made, q, limit))
            assert now == _as_list(previous_fulltext(made, q, limit)), q
        transaction.set_rollback(True)


def test_a_corrected_word_ranks_as_before(furniture):
    for q in ["livriason des meubles", "garanite du canapé", "renvoyr un article", "zzyzx livraison"]:
        now, before = fulltext([furniture.pk], q, 10), previous_fulltext([furniture.pk], q, 10)
        assert now.ids and _as_list(now) == _as_list(before), q
    assert fulltext([furniture.pk], "livriason", 10).stems


def test_hits_and_snippets_through_the_api_path_are_unchanged(furniture, bank):
    """``search()`` on top of the ranking: the hits keep the ranking's order and scores and
    their snippets mark the query's words (the snippet code did not change)."""
    hits = search([furniture.pk, bank.pk], "livraison des meubles card", mode="fulltext")
    before, _ = _as_list(previous_fulltext([furniture.pk, bank.pk], "livraison des meubles card", 10))
    assert [(h.article.pk, h.score) for h in hits] == before
    assert all("<mark>" in h.snippet for h in hits)


def test_the_brand_count_is_an_index_only_scan_and_the_ranking_reads_the_gin_index(furniture):
    """kb/0008: the btree on brand_id is partial, so that the ranking cannot take it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'kb_search'")
        indexes = dict(cursor.fetchall())
    assert "kb_search_brand" not in indexes
    assert indexes["kb_search_brand_docs"].endswith("(brand_id) WHERE (article_id > 0)")
    assert "gin (brand_id, tsv)" in indexes["kb_search_tsv"]


def test_another_brands_word_is_no_longer_a_correction(furniture, make_brand, make_article):
    """kb/0009: ``garant`` is within two typos of ``garanite`` and PostgreSQL stems it as it
    stems this brand's ``garantie``; written by another brand only, it used to join this
    brand's corrections (and move its scores). Now this brand's own words alone are proposed."""
    alone = fulltext([furniture.pk], "garanite du canapé", 10)
    assert alone.ids
    make_article(brand=make_brand(), slug="garant", title="Garant", body="Le garant signe.")
    after = fulltext([furniture.pk], "garanite du canapé", 10)
    assert _as_list(after) == _as_list(alone)
    assert _as_list(previous_fulltext([furniture.pk], "garanite du canapé", 10)) != _as_list(alone)
