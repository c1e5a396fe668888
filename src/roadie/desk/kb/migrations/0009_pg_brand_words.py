"""PostgreSQL: typo corrections proposed from the words of the brands searched only.

``kb_word`` held the words of every brand, and a correction was kept if it matched an article
of the brands searched. Through stemming, another brand's word could match: with ``garant``
in another brand's articles (and nowhere in this one), ``garanite`` was corrected to it as well
as to this brand's ``garantie`` and ``garanti``, and this brand's scores moved. ``kb_brand_word``
holds each brand's own words (the same words, per brand: ``index.vocabulary``), backfilled
from the published articles; ``kb_word`` goes. SQLite needs nothing: its corrections come from
the brands' own stems (``kb_fts_df``)."""

from django.db import migrations

CREATE = [
    """CREATE TABLE IF NOT EXISTS kb_brand_word (
        word text NOT NULL, brand_id bigint NOT NULL, PRIMARY KEY (word, brand_id))""",
    # btree_gin (kb/0002) lets one GIN index serve the brand and the trigrams together.
    "CREATE INDEX IF NOT EXISTS kb_brand_word_trgm ON kb_brand_word USING gin (brand_id, word gin_trgm_ops)",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from roadie.desk.kb.index import _parts, vocabulary

    for sql in CREATE:
        schema_editor.execute(sql)
    Article = apps.get_model("kb", "Article")
    known: set[tuple[str, int]] = set()
    for article in Article.objects.filter(status="published").iterator(chunk_size=1000):
        known.update((w, article.brand_id) for w in vocabulary(*_parts(article)))
    known_list = sorted(known)
    with schema_editor.connection.cursor() as cursor:
        for start in range(0, len(known_list), 50_000):
            chunk = known_list[start:start + 50_000]
            cursor.execute("INSERT INTO kb_brand_word (word, brand_id) SELECT * FROM "
                           "unnest(%s::text[], %s::bigint[]) ON CONFLICT DO NOTHING",
                           [[w for w, _ in chunk], [b for _, b in chunk]])
    schema_editor.execute("DROP TABLE IF EXISTS kb_word")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in ["CREATE TABLE IF NOT EXISTS kb_word (word text PRIMARY KEY)",
                "INSERT INTO kb_word (word) SELECT DISTINCT word FROM kb_brand_word ON CONFLICT DO NOTHING",
                "CREATE INDEX IF NOT EXISTS kb_word_trgm ON kb_word USING gin (word gin_trgm_ops)",
                "DROP TABLE IF EXISTS kb_brand_word"]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0008_pg_search_brand_index")]

    operations = [migrations.RunPython(forward, backward)]
