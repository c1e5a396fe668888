"""SQLite: cheaper writes to the per-brand inverted index of 0006, and a smaller one.

- The two triggers on ``kb_fts_term`` go: they upserted ``kb_fts_df`` once per posting
  written or deleted. ``roadie.desk.kb.index`` now adds and takes off each batch's document
  counts itself, one statement per (brand, stem) of the batch
  (``ON CONFLICT DO UPDATE SET df = df + excluded.df``).
- The index on ``kb_fts_term (article_id)`` goes (it was as large as the table). Postings are
  deleted by primary key ``(term, brand_id, article_id)``, their stems read from the article's
  FTS5 row, which holds the same stems the postings were made from.
- An article deleted by any other path (a queryset, a brand's cascade, raw SQL, a flush) still
  takes its postings and their counts with it: the article delete trigger reads the FTS5 row's
  stems through ``json_each`` (stems are letters and digits only, ``text.WORD``, so the
  space-separated row becomes a JSON array by replacing spaces), takes one off each stem's
  count, and deletes the postings, the FTS5 row and the size.

Nothing to backfill: the counts 0006 kept are exact. PostgreSQL needs nothing."""

from django.db import migrations

# The deleted article's stems (its FTS5 row, scope token excluded), and the brand it was
# indexed under (none if it was not indexed: then nothing matches).
_ROW_TERMS = """SELECT j.value FROM kb_fts AS f, json_each('["' || replace(
        f.title || ' ' || f.tags || ' ' || f.body, ' ', '","') || '"]') AS j
    WHERE f.rowid = old.id"""
_BRAND = "(SELECT brand_id FROM kb_fts_size WHERE rowid = old.id)"

SQLITE = [
    "DROP TRIGGER IF EXISTS kb_fts_term_added",
    "DROP TRIGGER IF EXISTS kb_fts_term_removed",
    "DROP INDEX IF EXISTS kb_fts_term_article",
    "DROP TRIGGER IF EXISTS kb_article_unindex",
    f"""CREATE TRIGGER kb_article_unindex AFTER DELETE ON kb_article BEGIN
        UPDATE kb_fts_df SET df = df - 1 WHERE brand_id = {_BRAND} AND term IN ({_ROW_TERMS});
        DELETE FROM kb_fts_df WHERE brand_id = {_BRAND} AND term IN ({_ROW_TERMS}) AND df <= 0;
        DELETE FROM kb_fts_term
         WHERE brand_id = {_BRAND} AND article_id = old.id AND term IN ({_ROW_TERMS});
        DELETE FROM kb_fts WHERE rowid = old.id;
        DELETE FROM kb_fts_size WHERE rowid = old.id;
    END""",
]
# Back to 0006: its index and triggers (the counts are exact either way).
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS kb_article_unindex",
    "CREATE INDEX IF NOT EXISTS kb_fts_term_article ON kb_fts_term (article_id)",
    """CREATE TRIGGER IF NOT EXISTS kb_fts_term_added AFTER INSERT ON kb_fts_term BEGIN
        INSERT INTO kb_fts_df (brand_id, term, df) VALUES (new.brand_id, new.term, 1)
            ON CONFLICT (brand_id, term) DO UPDATE SET df = df + 1;
    END""",
    """CREATE TRIGGER IF NOT EXISTS kb_fts_term_removed AFTER DELETE ON kb_fts_term BEGIN
        UPDATE kb_fts_df SET df = df - 1 WHERE brand_id = old.brand_id AND term = old.term;
        DELETE FROM kb_fts_df WHERE brand_id = old.brand_id AND term = old.term AND df <= 0;
    END""",
    """CREATE TRIGGER kb_article_unindex AFTER DELETE ON kb_article BEGIN
        DELETE FROM kb_fts WHERE rowid = old.id;
        DELETE FROM kb_fts_size WHERE rowid = old.id;
        DELETE FROM kb_fts_term WHERE article_id = old.id;
    END""",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0006_fts_brand_postings")]

    operations = [migrations.RunPython(_run(SQLITE), _run(SQLITE_DROP))]
