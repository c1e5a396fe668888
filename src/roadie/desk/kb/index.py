"""Keeps the full-text index in step with the articles (called from ``actions.py``).

Only published articles are indexed: what the index answers, agents may read. SQLite gets
Python-made French and English stems (FTS5's own stemmer is English only); PostgreSQL gets
the text itself, stemmed by its ``roadie_fr`` and ``roadie_en`` configurations.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from django.db import connection

from roadie.desk.kb.models import Article, ArticleStatus
from roadie.desk.kb.text import STOPWORDS, index_terms, plain_text, words


def scope_token(brand_id: int) -> str:
    """The token that ties an FTS5 row to its brand (matched together with the words)."""
    return f"kbbrand{brand_id}x"


def _parts(article: Article) -> tuple[str, str, str]:
    tags = " ".join([article.category, *article.tags])
    body = f"{article.summary}\n{plain_text(article.body)}"
    return article.title, tags, body


def vocabulary(title: str, tags: str, body: str) -> set[str]:
    """PostgreSQL: the words of one article that typo correction may propose (folded, 4
    letters or more, no stop word or number): the rows of ``kb_brand_word`` for its brand."""
    return {w for w in words(f"{title} {tags} {body}")
            if len(w) >= 4 and w not in STOPWORDS and not w.isdigit()}


def postings(article_id: int, brand_id: int, title: str, tags: str, body: str) -> list[tuple]:
    """SQLite: (term, brand, article, count in title, in tags, in body) for one row's stems,
    each distinct term once: the rows of ``kb_fts_term``, the per-brand inverted index that
    the ranking reads (``index_articles`` adds their document counts, ``unindex`` takes them off)."""
    counts = [Counter(column.split()) for column in (title, tags, body)]
    terms = dict.fromkeys([t for c in counts for t in c])
    return [(t, brand_id, article_id, counts[0][t], counts[1][t], counts[2][t]) for t in terms]


def index_articles(articles: Iterable[Article]) -> None:
    """(Re)index these articles: published ones go in, others come out."""
    articles = list(articles)
    if not articles:
        return
    unindex([a.pk for a in articles])
    live = [a for a in articles if a.status == ArticleStatus.PUBLISHED]
    if not live:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            rows, sizes, terms = [], [], []
            for a in live:
                title, tags, body = _parts(a)
                columns = (scope_token(a.brand_id), index_terms(title), index_terms(tags),
                           index_terms(body))
                rows.append((a.pk, *columns))
                sizes.append((a.pk, a.brand_id, sum(len(c.split()) for c in columns)))
                terms.extend(postings(a.pk, a.brand_id, *columns[1:]))
            cursor.executemany(
                "INSERT INTO kb_fts (rowid, scope, title, tags, body) VALUES (%s, %s, %s, %s, %s)", rows)
            # Each row's token count (all columns, as FTS5 counts them) and brand: the ranking
            # takes the mean length over the brands searched from here.
            cursor.executemany(
                "INSERT INTO kb_fts_size (rowid, brand_id, tokens) VALUES (%s, %s, %s)", sizes)
            cursor.executemany(
                "INSERT INTO kb_fts_term (term, brand_id, article_id, title, tags, body) "
                "VALUES (%s, %s, %s, %s, %s, %s)", terms)
            # The batch's document counts: one upsert per (brand, stem), not a trigger per
            # posting (migration kb/0007).
            df = Counter((brand_id, term) for term, brand_id, *_ in terms)
            cursor.executemany(
                "INSERT INTO kb_fts_df (brand_id, term, df) VALUES (%s, %s, %s) "
                "ON CONFLICT (brand_id, term) DO UPDATE SET df = df + excluded.df",
                [(b, t, n) for (b, t), n in df.items()])
        elif connection.vendor == "postgresql":
            rows, known = [], set()
            for a in live:
                title, tags, body = _parts(a)
                rows.append((a.pk, a.brand_id, title, title, tags, tags, body, body))
                known.update((w, a.brand_id) for w in vocabulary(title, tags, body))
            cursor.executemany(
                """INSERT INTO kb_search (article_id, brand_id, tsv) VALUES (%s, %s,
                     setweight(to_tsvector('roadie_fr', %s) || to_tsvector('roadie_en', %s), 'A')
                  || setweight(to_tsvector('roadie_fr', %s) || to_tsvector('roadie_en', %s), 'B')
                  || setweight(to_tsvector('roadie_fr', %s) || to_tsvector('roadie_en', %s), 'D'))""",
                rows)
            # Each brand's own words (migration kb/0009): a brand's corrections come from them.
            known = sorted(known)
            cursor.execute("INSERT INTO kb_brand_word (word, brand_id) SELECT * FROM "
                           "unnest(%s::text[], %s::bigint[]) ON CONFLICT DO NOTHING",
                           [[w for w, _ in known], [b for _, b in known]])


def unindex(article_ids: list[int]) -> None:
    if not article_ids:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for start in range(0, len(article_ids), 500):
                chunk = article_ids[start:start + 500]
                marks = ",".join(["%s"] * len(chunk))
                # Postings by primary key, their stems read from the FTS5 row (no index on
                # article_id since kb/0007), then the batch's document counts, one statement
                # per (brand, stem). The article delete trigger does the same for other paths.
                cursor.execute("SELECT z.rowid, z.brand_id, f.title, f.tags, f.body FROM kb_fts_size z "
                               f"JOIN kb_fts f ON f.rowid = z.rowid WHERE z.rowid IN ({marks})", chunk)
                rows = [(pk, brand_id, set(" ".join(columns).split()))
                        for pk, brand_id, *columns in cursor.fetchall()]
                cursor.executemany(
                    "DELETE FROM kb_fts_term WHERE brand_id = %s AND article_id = %s "
                    "AND term IN (SELECT value FROM json_each(%s))",
                    [(b, pk, json.dumps(sorted(terms))) for pk, b, terms in rows])
                df = Counter((b, t) for _, b, terms in rows for t in terms)
                cursor.executemany("UPDATE kb_fts_df SET df = df - %s WHERE brand_id = %s AND term = %s",
                                   [(n, b, t) for (b, t), n in df.items()])
                cursor.executemany("DELETE FROM kb_fts_df WHERE brand_id = %s AND term = %s AND df <= 0",
                                   list(df))
                cursor.execute(f"DELETE FROM kb_fts WHERE rowid IN ({marks})", chunk)
                cursor.execute(f"DELETE FROM kb_fts_size WHERE rowid IN ({marks})", chunk)
        elif connection.vendor == "postgresql":
            cursor.execute("DELETE FROM kb_search WHERE article_id = ANY(%s)", [list(article_ids)])


def rebuild(brand_ids: list[int] | None = None) -> int:
    """Rebuild the index from the articles (all brands, or these); returns how many are indexed."""
    query = Article.objects.all()
    if brand_ids is not None:
        query = query.filter(brand_id__in=brand_ids)
    elif connection.vendor == "sqlite":
        # From nothing: the counters of kb_fts_df and kb_fts_brand are recounted too.
        with connection.cursor() as cursor:
            for table in ("kb_fts", "kb_fts_size", "kb_fts_term", "kb_fts_df", "kb_fts_brand"):
                cursor.execute(f"DELETE FROM {table}")
    count = 0
    batch: list[Article] = []
    for article in query.iterator(chunk_size=1000):
        batch.append(article)
        if len(batch) == 1000:
            index_articles(batch)
            count += sum(a.status == ArticleStatus.PUBLISHED for a in batch)
            batch = []
    index_articles(batch)
    return count + sum(a.status == ArticleStatus.PUBLISHED for a in batch)
