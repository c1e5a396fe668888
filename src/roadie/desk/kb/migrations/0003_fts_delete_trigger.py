"""An article deleted by any path (cascade from its brand, bulk delete, raw SQL, a flush) leaves
the search index with it: database triggers, since the index tables have no foreign key."""

from django.db import migrations

SQLITE = ["""CREATE TRIGGER IF NOT EXISTS kb_article_unindex AFTER DELETE ON kb_article
    BEGIN DELETE FROM kb_fts WHERE rowid = old.id; END"""]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS kb_article_unindex"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION kb_unindex_row() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN DELETE FROM kb_search WHERE article_id = OLD.id; RETURN OLD; END $$""",
    """CREATE OR REPLACE FUNCTION kb_unindex_all() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN DELETE FROM kb_search; RETURN NULL; END $$""",
    "DROP TRIGGER IF EXISTS kb_article_unindex ON kb_article",
    """CREATE TRIGGER kb_article_unindex AFTER DELETE ON kb_article
       FOR EACH ROW EXECUTE FUNCTION kb_unindex_row()""",
    "DROP TRIGGER IF EXISTS kb_article_unindex_all ON kb_article",
    """CREATE TRIGGER kb_article_unindex_all AFTER TRUNCATE ON kb_article
       FOR EACH STATEMENT EXECUTE FUNCTION kb_unindex_all()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS kb_article_unindex_all ON kb_article",
    "DROP TRIGGER IF EXISTS kb_article_unindex ON kb_article",
    "DROP FUNCTION IF EXISTS kb_unindex_all()",
    "DROP FUNCTION IF EXISTS kb_unindex_row()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_search_index")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
