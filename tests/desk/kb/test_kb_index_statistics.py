"""SQLite: the per-brand statistics the ranking reads (kb_fts_term, kb_fts_df, kb_fts_brand,
kb_fts_size) stay exact through every write path: create, edit (words, status), import, delete
(one article, a queryset, raw SQL, a whole brand by cascade) and rebuild. Checked against a
recount from FTS5's own index (its ``fts5vocab`` instance view: every token of every row) and
from the articles themselves; and the ranking equals that of an index rebuilt from nothing."""

from collections import Counter

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadie.desk.kb import actions, index
from roadie.desk.kb.actions import ArticleData
from roadie.desk.kb.models import Article
from roadie.desk.kb.search import ranked_ids
from roadie.desk.kb.text import index_terms


@pytest.fixture(autouse=True)
def _sqlite_only(db):
    if connection.vendor != "sqlite":
        pytest.skip("the statistics tables are SQLite's (PostgreSQL counts with its GIN index)")

WORDS = ["livraison", "livrer", "meubles", "garantie", "retour", "article", "semaines", "canapé",
         "coussin", "délai", "monté", "emballage", "delivery", "card", "refund", "rapide",
         "jours", "défauts", "sav", "carte", "remboursement", "colis"]
text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=10).map(" ".join)
status = st.sampled_from(["published", "published", "draft", "archived"])
article = st.tuples(text, text, st.lists(st.sampled_from(WORDS), max_size=3), status)
operation = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 1), article),
    st.tuples(st.just("edit"), st.integers(0, 30), article),
    st.tuples(st.just("status"), st.integers(0, 30), status),
    st.tuples(st.just("import"), st.integers(0, 1), st.lists(st.tuples(st.integers(0, 4), article), unique_by=lambda x: x[0],
                                                              min_size=1, max_size=4)),
    st.tuples(st.just("delete"), st.integers(0, 30), st.sampled_from(["instance", "queryset", "raw"])),
    st.tuples(st.just("rebuild"), st.integers(0, 1), st.booleans()),
)


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(r) for r in cursor.fetchall()]


def recount() -> dict:
    """The statistics as FTS5 itself and the articles say they must be."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_fts_instance "
                       "USING fts5vocab(main, kb_fts, instance)")
    brand_of = dict(Article.objects.filter(status="published").values_list("pk", "brand_id"))
    per_column = Counter()
    tokens = Counter()
    for term, doc, col in _rows("SELECT term, doc, col FROM temp.kb_fts_instance"):
        tokens[doc] += 1
        if col != "scope":
            per_column[(term, doc, col)] += 1
    postings = {}
    for (term, doc, col), n in per_column.items():
        row = postings.setdefault((term, brand_of[doc], doc), {"title": 0, "tags": 0, "body": 0})
        row[col] = n
    df = Counter((brand, term) for term, brand, _ in postings)
    brands = {}
    for doc, brand in brand_of.items():
        docs, toks = brands.get(brand, (0, 0))
        brands[brand] = (docs + 1, toks + tokens[doc])
    # And from the articles: every published article's words, each distinct stem once.
    from_articles = Counter()
    for a in Article.objects.filter(status="published"):
        title, tags, body = index._parts(a)
        for term in set(index_terms(title).split()) | set(index_terms(tags).split()) | set(
                index_terms(body).split()):
            from_articles[(a.brand_id, term)] += 1
    assert from_articles == df
    return {
        "postings": sorted((t, b, d, c["title"], c["tags"], c["body"]) for (t, b, d), c in postings.items()),
        "df": sorted((b, t, n) for (b, t), n in df.items()),
        "brands": sorted((b, docs, toks) for b, (docs, toks) in brands.items()),
        "sizes": sorted((doc, brand_of[doc], n) for doc, n in tokens.items()),
    }


def stored() -> dict:
    return {
        "postings": sorted(_rows("SELECT term, brand_id, article_id, title, tags, body FROM kb_fts_term")),
        "df": sorted(_rows("SELECT brand_id, term, df FROM kb_fts_df")),
        "brands": sorted(_rows("SELECT brand_id, docs, tokens FROM kb_fts_brand")),
        "sizes": sorted(_rows("SELECT rowid, brand_id, tokens FROM kb_fts_size")),
    }


def _data(slug: str, item) -> ArticleData:
    title, body, tags, state = item
    return ArticleData(slug=slug, title=title, body=body, tags=tuple(tags), status=state,
                       category=tags[0] if tags else "")


def apply(op, brands, made: list[Article]) -> None:
    kind, n, arg = op
    live = [a for a in made if Article.objects.filter(pk=a.pk).exists()]
    target = live[n % len(live)] if live else None
    if kind == "create":
        made.append(actions.create_article(None, brands[n], _data(f"a{len(made)}", arg)))
    elif kind == "edit" and target is not None:
        title, body, tags, _ = arg
        actions.update_article(None, target, title=title, body=body, tags=tags)
    elif kind == "status" and target is not None:
        target.refresh_from_db()
        if arg != target.status:
            actions.set_status(None, target, arg)
    elif kind == "import":
        actions.upsert_articles(None, brands[n], [_data(f"imp{i}", item) for i, item in arg])
        made.extend(Article.objects.filter(brand=brands[n], slug__startswith="imp"))
    elif kind == "delete" and target is not None:
        if arg == "instance":
            target.delete()
        elif arg == "queryset":
            Article.objects.filter(pk=target.pk).delete()
        else:  # raw SQL: only the article delete trigger sees it
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM kb_articleversion WHERE article_id = %s", [target.pk])
                cursor.execute("DELETE FROM kb_article WHERE id = %s", [target.pk])
    elif kind == "rebuild":
        index.rebuild([brands[n].pk] if arg else None)


QUERIES = ["livraison meubles", "garantie canapé", "carte remboursement", "retour colis rapide",
           "délai semaines", "delivery card", "emballage"]


def rankings(brands) -> list:
    """Each query's hits (ids, best first) and their scores, over each brand and both."""
    out = []
    for ids in ([brands[0].pk], [brands[1].pk], [b.pk for b in brands]):
        for q in QUERIES:
            ranked, _ = ranked_ids(ids, q, limit=50, mode="fulltext")
            out.append(([pk for pk, _ in ranked], [s for _, s in ranked]))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_statistics_equal_a_recount_after_any_writes(make_brand, ops):
    with transaction.atomic():
        brands = [make_brand(), make_brand()]
        made: list[Article] = []
        for op in ops:
            apply(op, brands, made)
            assert stored() == recount(), op
        # What the writes left ranks as an index rebuilt from nothing does.
        before = rankings(brands)
        index.rebuild()
        after = rankings(brands)
        assert [ids for ids, _ in after] == [ids for ids, _ in before], ops
        assert [s for _, scores in after for s in scores] == pytest.approx(
            [s for _, scores in before for s in scores], rel=1e-12)
        assert stored() == recount()
        transaction.set_rollback(True)


def test_a_brand_deleted_takes_its_statistics_with_it(make_brand, make_article):
    keep, gone = make_brand(), make_brand()
    make_article(brand=keep, title="Livraison des meubles", body="Livraison en deux semaines.")
    make_article(brand=gone, title="Livraison rapide", body="Livraison en un jour, colis suivi.")
    before = ranked_ids([keep.pk], "livraison semaines", mode="fulltext")
    gone.delete()  # cascade: the articles go by SQL, the trigger takes their index rows
    assert stored() == recount()
    assert {b for b, *_ in stored()["brands"]} == {keep.pk}
    assert ranked_ids([keep.pk], "livraison semaines", mode="fulltext") == before


def test_rebuild_repairs_counters_that_drifted(make_brand, make_article):
    brand = make_brand()
    make_article(brand=brand, title="Carte perdue", body="Bloquez la carte dans l'application.")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE kb_fts_df SET df = df + 7")
        cursor.execute("UPDATE kb_fts_brand SET docs = 99")
    assert stored() != recount()
    index.rebuild()
    assert stored() == recount()


def test_the_migration_backfills_the_statistics_of_existing_rows(make_brand, make_article):
    """0006 forward on an index that only has FTS5 rows and sizes (what 0005 left)."""
    import importlib

    brand = make_brand()
    make_article(brand=brand, title="Garantie du canapé", body="Le canapé est garanti cinq ans.")
    make_article(brand=brand, title="Retour", body="Trente jours pour un retour, emballage d'origine.")
    expected = stored()
    with connection.cursor() as cursor:
        for table in ("kb_fts_term", "kb_fts_df", "kb_fts_brand"):
            cursor.execute(f"DELETE FROM {table}")
    assert stored() != expected
    migration = importlib.import_module("roadie.desk.kb.migrations.0006_fts_brand_postings")

    class Editor:
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.forward(None, Editor())
    assert stored() == expected == recount()


def test_migration_0007_back_and_forth_keeps_the_statistics(make_brand, make_article):
    """0007 backward (0006's triggers and article index, for 0006's code) and forward again:
    the counts stay exact across both, then writes and a raw delete keep them so."""
    import importlib

    migration = importlib.import_module("roadie.desk.kb.migrations.0007_fts_batched_counts")

    def execute(statements):
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def schema() -> set[str]:
        return {name for (name,) in _rows("SELECT name FROM sqlite_master WHERE type IN "
                                          "('trigger', 'index') AND name LIKE 'kb_%'")}

    brand = make_brand()
    first = make_article(brand=brand, title="Garantie du canapé", body="Le canapé est garanti cinq ans.")
    second = make_article(brand=brand, title="Retour du canapé", body="Trente jours pour un retour.")
    expected = stored()
    execute(migration.SQLITE_DROP)
    assert {"kb_fts_term_added", "kb_fts_term_removed", "kb_fts_term_article"} <= schema()
    assert stored() == expected == recount()
    execute(migration.SQLITE)
    assert not {"kb_fts_term_added", "kb_fts_term_removed", "kb_fts_term_article"} & schema()
    assert stored() == expected
    third = make_article(brand=brand, title="Livraison", body="Livraison du canapé en deux semaines.")
    actions.update_article(None, second, title="Retourner un canapé")
    with connection.cursor() as cursor:  # raw SQL: only the article delete trigger sees it
        for pk in (first.pk, third.pk):
            cursor.execute("DELETE FROM kb_articleversion WHERE article_id = %s", [pk])
            cursor.execute("DELETE FROM kb_article WHERE id = %s", [pk])
    assert stored() == recount()
    assert [pk for pk, _ in ranked_ids([brand.pk], "canapé retour", mode="fulltext")[0]] == [second.pk]
