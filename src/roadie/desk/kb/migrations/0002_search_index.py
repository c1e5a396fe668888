"""The full-text index, one shape per database.

SQLite: an FTS5 table of Python-made stems (French and English), accents folded by
``unicode61 remove_diacritics 2``, plus an ``fts5vocab`` view of its terms for typo
correction. PostgreSQL: a tsvector per article built with French and English
configurations that fold accents (``unaccent``), a GIN index, and a vocabulary of words
with a trigram index (``pg_trgm``) for typos; ``btree_gin`` lets one GIN index
serve the brand and the words together.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5(
        scope, title, tags, body, tokenize = 'unicode61 remove_diacritics 2')""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts_vocab USING fts5vocab(kb_fts, 'row')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS kb_fts_vocab", "DROP TABLE IF EXISTS kb_fts"]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    """DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'roadie_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION roadie_fr (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION roadie_fr
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'roadie_en') THEN
        CREATE TEXT SEARCH CONFIGURATION roadie_en (COPY = english);
        ALTER TEXT SEARCH CONFIGURATION roadie_en
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
      END IF;
    END $$""",
    # No foreign key to kb_article: the index is maintained by roadie.desk.kb.index (as the
    # SQLite one is), and a reference would stop Django's flush (TRUNCATE) between tests.
    """CREATE TABLE IF NOT EXISTS kb_search (
        article_id bigint PRIMARY KEY,
        brand_id bigint NOT NULL,
        tsv tsvector NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS kb_search_tsv ON kb_search USING gin (brand_id, tsv)",
    "CREATE INDEX IF NOT EXISTS kb_search_brand ON kb_search (brand_id)",
    "CREATE TABLE IF NOT EXISTS kb_word (word text PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS kb_word_trgm ON kb_word USING gin (word gin_trgm_ops)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS kb_word", "DROP TABLE IF EXISTS kb_search"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
