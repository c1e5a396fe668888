"""SQLite: each indexed article's token count and brand, so that full-text ranking takes its
statistics (document count, mean length) from the brands searched only, not the whole FTS5
index (``roadie.desk.kb.search``). Kept by ``roadie.desk.kb.index`` and the delete trigger.
PostgreSQL needs nothing: its IDF is already counted over the brands searched."""

from django.db import migrations

SQLITE = [
    """CREATE TABLE IF NOT EXISTS kb_fts_size (
        rowid INTEGER PRIMARY KEY,
        brand_id INTEGER NOT NULL,
        tokens INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS kb_fts_size_brand ON kb_fts_size (brand_id, tokens)",
    "DROP TRIGGER IF EXISTS kb_article_unindex",
    """CREATE TRIGGER kb_article_unindex AFTER DELETE ON kb_article
    BEGIN DELETE FROM kb_fts WHERE rowid = old.id; DELETE FROM kb_fts_size WHERE rowid = old.id; END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS kb_article_unindex",
    """CREATE TRIGGER kb_article_unindex AFTER DELETE ON kb_article
    BEGIN DELETE FROM kb_fts WHERE rowid = old.id; END""",
    "DROP TABLE IF EXISTS kb_fts_size",
]


def _tokens(*columns: str) -> int:
    return sum(len(c.split()) for c in columns)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in SQLITE:
        schema_editor.execute(sql)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT f.rowid, a.brand_id, f.scope, f.title, f.tags, f.body "
                       "FROM kb_fts f JOIN kb_article a ON a.id = f.rowid")
        rows = [(r[0], r[1], _tokens(*r[2:])) for r in cursor.fetchall()]
        cursor.executemany("INSERT INTO kb_fts_size (rowid, brand_id, tokens) VALUES (%s, %s, %s)", rows)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0004_article_public")]

    operations = [migrations.RunPython(forward, backward)]
