"""SQLite: a per-brand inverted index beside FTS5, so that a query reads the statistics of the
brands searched instead of counting them (``roadie.desk.kb.search``).

- ``kb_fts_term``: one row per (stem, brand, article) with the stem's count in each column,
  written by ``roadie.desk.kb.index`` with the FTS5 row;
- ``kb_fts_df``: how many articles of a brand hold a stem, and ``kb_fts_brand``: a brand's
  indexed articles and their tokens. Both are kept by triggers on ``kb_fts_term`` and
  ``kb_fts_size``, so every write path (index, unindex, the article delete trigger) keeps them
  exact in the same transaction.

Backfilled from the FTS5 rows (their stored stems), as 0005 did for the sizes. PostgreSQL needs
nothing: its IDF is counted over the brands searched by its own GIN index."""

from collections import Counter

from django.db import migrations

SQLITE = [
    """CREATE TABLE IF NOT EXISTS kb_fts_term (
        term TEXT NOT NULL,
        brand_id INTEGER NOT NULL,
        article_id INTEGER NOT NULL,
        title INTEGER NOT NULL,
        tags INTEGER NOT NULL,
        body INTEGER NOT NULL,
        PRIMARY KEY (term, brand_id, article_id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS kb_fts_term_article ON kb_fts_term (article_id)",
    """CREATE TABLE IF NOT EXISTS kb_fts_df (
        brand_id INTEGER NOT NULL,
        term TEXT NOT NULL,
        df INTEGER NOT NULL,
        PRIMARY KEY (brand_id, term)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS kb_fts_brand (
        brand_id INTEGER PRIMARY KEY,
        docs INTEGER NOT NULL,
        tokens INTEGER NOT NULL)""",
    """CREATE TRIGGER IF NOT EXISTS kb_fts_term_added AFTER INSERT ON kb_fts_term BEGIN
        INSERT INTO kb_fts_df (brand_id, term, df) VALUES (new.brand_id, new.term, 1)
            ON CONFLICT (brand_id, term) DO UPDATE SET df = df + 1;
    END""",
    """CREATE TRIGGER IF NOT EXISTS kb_fts_term_removed AFTER DELETE ON kb_fts_term BEGIN
        UPDATE kb_fts_df SET df = df - 1 WHERE brand_id = old.brand_id AND term = old.term;
        DELETE FROM kb_fts_df WHERE brand_id = old.brand_id AND term = old.term AND df <= 0;
    END""",
    """CREATE TRIGGER IF NOT EXISTS kb_fts_size_added AFTER INSERT ON kb_fts_size BEGIN
        INSERT INTO kb_fts_brand (brand_id, docs, tokens) VALUES (new.brand_id, 1, new.tokens)
            ON CONFLICT (brand_id) DO UPDATE SET docs = docs + 1, tokens = tokens + new.tokens;
    END""",
    """CREATE TRIGGER IF NOT EXISTS kb_fts_size_removed AFTER DELETE ON kb_fts_size BEGIN
        UPDATE kb_fts_brand SET docs = docs - 1, tokens = tokens - old.tokens
            WHERE brand_id = old.brand_id;
        DELETE FROM kb_fts_brand WHERE brand_id = old.brand_id AND docs <= 0;
    END""",
    "DROP TRIGGER IF EXISTS kb_article_unindex",
    """CREATE TRIGGER kb_article_unindex AFTER DELETE ON kb_article BEGIN
        DELETE FROM kb_fts WHERE rowid = old.id;
        DELETE FROM kb_fts_size WHERE rowid = old.id;
        DELETE FROM kb_fts_term WHERE article_id = old.id;
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS kb_article_unindex",
    """CREATE TRIGGER kb_article_unindex AFTER DELETE ON kb_article
    BEGIN DELETE FROM kb_fts WHERE rowid = old.id; DELETE FROM kb_fts_size WHERE rowid = old.id; END""",
    "DROP TRIGGER IF EXISTS kb_fts_size_removed",
    "DROP TRIGGER IF EXISTS kb_fts_size_added",
    "DROP TRIGGER IF EXISTS kb_fts_term_removed",
    "DROP TRIGGER IF EXISTS kb_fts_term_added",
    "DROP TABLE IF EXISTS kb_fts_brand",
    "DROP TABLE IF EXISTS kb_fts_df",
    "DROP TABLE IF EXISTS kb_fts_term",
]


def postings(article_id: int, brand_id: int, title: str, tags: str, body: str) -> list[tuple]:
    """(term, brand, article, count in title, in tags, in body) for one FTS5 row's stems."""
    counts = [Counter(column.split()) for column in (title, tags, body)]
    terms = dict.fromkeys([t for c in counts for t in c])
    return [(t, brand_id, article_id, counts[0][t], counts[1][t], counts[2][t]) for t in terms]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in SQLITE:
        schema_editor.execute(sql)
    with schema_editor.connection.cursor() as cursor:
        # The sizes already in kb_fts_size (0005) go into the brand totals; new ones come by trigger.
        cursor.execute("DELETE FROM kb_fts_brand")
        cursor.execute("INSERT INTO kb_fts_brand (brand_id, docs, tokens) "
                       "SELECT brand_id, count(*), sum(tokens) FROM kb_fts_size GROUP BY brand_id")
        cursor.execute("DELETE FROM kb_fts_term")
        cursor.execute("SELECT z.rowid, z.brand_id, f.title, f.tags, f.body "
                       "FROM kb_fts f JOIN kb_fts_size z ON z.rowid = f.rowid")
        rows = [p for r in cursor.fetchall() for p in postings(*r)]
        cursor.executemany("INSERT INTO kb_fts_term (term, brand_id, article_id, title, tags, body) "
                           "VALUES (%s, %s, %s, %s, %s, %s)", rows)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0005_fts_brand_sizes")]

    operations = [migrations.RunPython(forward, backward)]
