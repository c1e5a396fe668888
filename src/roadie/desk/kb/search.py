"""Ranked search over the knowledge base, inside the database.

``search(brand_ids=..., query=...)`` answers hits best first. Three modes:

- ``fulltext``: SQLite FTS5 with BM25 over French+English stems, or PostgreSQL tsvector
  (``roadie_fr`` + ``roadie_en``, accents folded) scored as BM25-like IDF-weighted
  ``ts_rank``. Words that the index does not know are corrected to close ones (edit
  distance on SQLite's term list, ``pg_trgm`` similarity on PostgreSQL).
- ``semantic``: cosine similarity of the optional local embedding model.
- ``hybrid``: both lists fused by reciprocal rank (falls back to full text when the
  model is off).

Callers pass the brands the user may see (``access.searchable_brand_ids``); only published
articles are in the index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import connection

from roadie.desk.kb.models import Article
from roadie.desk.kb.text import (
    allowed_typos,
    edit_distance,
    plain_text,
    query_words,
    snippet,
    stems_of,
)

MODES = ("fulltext", "semantic", "hybrid")
RRF_K = 60


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float
    snippet: str


@dataclass
class _Ranked:
    ids: list[int]
    scores: dict[int, float]
    stems: set[str] = field(default_factory=set)


# --- SQLite: FTS5 -------------------------------------------------------------------------


# FTS5's own bm25() takes its statistics (row count, mean length, rows per term) over the
# whole table, every brand together, so one brand's articles would move another's scores.
# The score is FTS5's BM25 formula with the statistics of the brands searched only, read from
# the per-brand inverted index beside FTS5 (migration kb/0006, kept by ``index.py``):
# kb_fts_term (stem, brand, article, count per column), kb_fts_df (articles of a brand holding
# a stem), kb_fts_brand (a brand's articles and tokens) and kb_fts_size (an article's tokens).
# A query reads a few index ranges instead of counting: no row of another brand is touched.
K1, B = 1.2, 0.75
COLUMN_WEIGHTS = (("title", 5.0), ("tags", 3.0), ("body", 1.0))  # scope column: 0


def _marks(values) -> str:
    return ",".join(["%s"] * len(values))


def _sqlite_doc_counts(cursor, brand_ids: list[int], terms: list[str]) -> dict[str, int]:
    """How many articles of the brands searched hold each term (terms they lack are absent)."""
    terms = list(dict.fromkeys(terms))
    if not terms:
        return {}
    cursor.execute(f"SELECT term, sum(df) FROM kb_fts_df WHERE brand_id IN ({_marks(brand_ids)}) "
                   f"AND term IN ({_marks(terms)}) GROUP BY term", [*brand_ids, *terms])
    return dict(cursor.fetchall())


def _sqlite_close_terms(cursor, brand_ids: list[int], stem: str) -> dict[str, int]:
    """Up to 3 terms of the brands searched within the typo budget of ``stem``, closest
    first, with their document counts."""
    budget = allowed_typos(stem)
    if budget == 0:
        return {}
    prefix = stem[:2]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    # The brands' own terms sharing the first two letters (a range of kb_fts_df's key per brand).
    cursor.execute(f"SELECT term, sum(df) FROM kb_fts_df WHERE brand_id IN ({_marks(brand_ids)}) "
                   "AND term >= %s AND term < %s AND length(term) BETWEEN %s AND %s GROUP BY term",
                   [*brand_ids, prefix, upper, len(stem) - budget, len(stem) + budget])
    counts = dict(cursor.fetchall())
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    # The optimal string alignment distance of text.edit_distance, in C++ (rapidfuzz).
    scored = sorted((int(d), t) for t, d, _ in process.extract(
        stem, list(counts), scorer=OSA.distance, score_cutoff=budget, limit=None))
    return {t: counts[t] for _, t in scored[:3]}


def _bm25_sql(phrases: list[str], idf: list[float], avgdl: float, *, brand_ids: list[int],
              limit: int) -> tuple[str, list]:
    """The score of FTS5's bm25() over the inverted index: each phrase (a term; a term given
    twice counts twice, as in FTS5) joins its postings in the brands searched, each article's
    score is the sum over the phrases it holds, with the given statistics."""
    weighted = " + ".join(f"{weight} * p.{column}" for column, weight in COLUMN_WEIGHTS)
    values = ", ".join(["(%s, %s)"] * len(phrases))
    sql = f"""
        WITH q(term, idf) AS (VALUES {values}),
        h AS (SELECT p.article_id AS article_id, q.idf AS idf, {weighted} AS f, z.tokens AS tokens
              FROM q CROSS JOIN kb_fts_term AS p CROSS JOIN kb_fts_size AS z
              WHERE p.term = q.term AND p.brand_id IN ({_marks(brand_ids)}) AND z.rowid = p.article_id)
        SELECT article_id, sum(idf * (f * {K1 + 1}) / (f + {K1} * (1 - {B} + {B} * tokens / %s))) AS score
        FROM h GROUP BY article_id ORDER BY score DESC, article_id LIMIT %s"""
    return sql, [*[x for pair in zip(phrases, idf, strict=True) for x in pair], *brand_ids, avgdl, limit]


def _sqlite_fulltext(brand_ids: list[int], query: str, limit: int) -> _Ranked:
    qwords = query_words(query)
    if not qwords or not brand_ids:
        return _Ranked([], {})
    with connection.cursor() as cursor:
        groups = [list(stems_of(w)) for w in qwords]
        counts = _sqlite_doc_counts(cursor, brand_ids, [s for g in groups for s in g])
        used: set[str] = set()
        phrases = []
        for group in groups:
            alternatives = [s for s in group if counts.get(s)]
            if not alternatives:
                for stem in group:
                    close = _sqlite_close_terms(cursor, brand_ids, stem)
                    counts.update(close)
                    alternatives.extend(close)
            if alternatives:
                alternatives = list(dict.fromkeys(alternatives))
                used.update(alternatives)
                phrases.extend(alternatives)
        if not phrases:
            return _Ranked([], {})
        cursor.execute(f"SELECT sum(docs), sum(tokens) FROM kb_fts_brand WHERE brand_id IN ({_marks(brand_ids)})",
                       list(brand_ids))
        n_rows, n_tokens = cursor.fetchone()
        if not n_rows:  # counts without articles: an index emptied behind index.py's back
            return _Ranked([], {})
        avgdl = n_tokens / n_rows
        idf = [max(1e-6, math.log((n_rows - counts[t] + 0.5) / (counts[t] + 0.5))) for t in phrases]
        sql, params = _bm25_sql(phrases, idf, avgdl, brand_ids=list(brand_ids), limit=limit)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _Ranked([r[0] for r in rows], {r[0]: r[1] for r in rows}, used)


# --- PostgreSQL: tsvector -----------------------------------------------------------------


# The brands searched as bigint[] (the column's type): an int2[] from psycopg would keep the
# multicolumn GIN index (brand_id, tsv) from serving the brand condition.
_PG_BRANDS = "brand_id = ANY(%s::bigint[])"
_PG_MATCHES = (f"EXISTS (SELECT 1 FROM kb_search WHERE {_PG_BRANDS} "
               "AND tsv @@ (to_tsquery('roadie_fr', w) || to_tsquery('roadie_en', w)))")


def _pg_tsqueries(cursor, brand_ids: list[int], terms: list[str]) -> tuple[int, list[tuple[str, int]]]:
    """The articles of the brands searched, and for each term (a word, or ``w | c1 | c2``)
    its tsquery, stemmed both ways, with how many of those articles match it: one statement.
    The first count names the predicate of the partial index ``kb_search_brand_docs`` (every
    article id is positive) and is an index-only scan; the others are read from the GIN index
    (migration kb/0008)."""
    cursor.execute(
        f"""SELECT (SELECT count(*) FROM kb_search WHERE {_PG_BRANDS} AND article_id > 0), q::text,
                   (SELECT count(*) FROM kb_search WHERE {_PG_BRANDS} AND tsv @@ q)
            FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, i),
                 LATERAL (SELECT to_tsquery('roadie_fr', t) || to_tsquery('roadie_en', t) AS q) AS x
            ORDER BY i""", [brand_ids, brand_ids, terms])
    rows = cursor.fetchall()
    return rows[0][0], [(q, df) for _, q, df in rows]


def _pg_corrections(cursor, brand_ids: list[int], unknown: list[str]) -> dict[str, list[str]]:
    """Close words for the query words that match nothing in the brands searched, taken from
    the words of those brands only (``kb_brand_word``, each brand's own, migration kb/0009;
    a word an article no longer holds stays there, so the brands' articles decide), so that
    another brand's vocabulary changes no correction."""
    out = {}
    for w in unknown:
        budget = allowed_typos(w)
        cursor.execute(f"SELECT word FROM kb_brand_word WHERE {_PG_BRANDS} AND word %% %s "
                       "AND length(word) BETWEEN %s AND %s GROUP BY word ORDER BY similarity(word, %s) DESC, word",
                       [brand_ids, w, len(w) - budget, len(w) + budget, w])
        close = [r[0] for r in cursor.fetchall() if edit_distance(w, r[0], cap=budget) <= budget]
        if close:
            cursor.execute(f"SELECT w FROM unnest(%s::text[]) WITH ORDINALITY AS u(w, i) WHERE {_PG_MATCHES} "
                           "ORDER BY i", [close, brand_ids])
            close = [r[0] for r in cursor.fetchall()][:3]
        if close:
            out[w] = close
    return out


def _pg_fulltext(brand_ids: list[int], query: str, limit: int) -> _Ranked:
    qwords = query_words(query, limit=12)
    if not qwords or not brand_ids:
        return _Ranked([], {})
    brand_ids = list(brand_ids)
    with connection.cursor() as cursor:
        total, matched = _pg_tsqueries(cursor, brand_ids, qwords)
        # A word that matches nothing in the brands searched (its count is 0) is corrected to
        # close words that do; its tsquery and count are then those of the word and its
        # corrections together.
        unknown = [w for w, (_, df) in zip(qwords, matched, strict=True)
                   if df == 0 and allowed_typos(w) and not w.isdigit()]
        corrections = _pg_corrections(cursor, brand_ids, unknown) if unknown else {}
        if corrections:
            fixed = [w for w in qwords if w in corrections]
            _, refreshed = _pg_tsqueries(cursor, brand_ids, [" | ".join([w, *corrections[w]]) for w in fixed])
            again = dict(zip(fixed, refreshed, strict=True))
            matched = [again.get(w, m) for w, m in zip(qwords, matched, strict=True)]
        # A word PostgreSQL's configurations both drop has an empty tsquery: it takes no part.
        matched = [(q, df) for q, df in matched if q]
        if not matched:
            return _Ranked([], {})
        # Weights D (body) 0.2, C 0.2, B (tags) 0.6, A (title) 1.0: SQLite's 1 : 3 : 5. Each
        # term weighs its ts_rank by a BM25 IDF over the brands searched. Only the articles
        # matching a term are read (the GIN index serves brand and words together), and the
        # counts come from the statement above, not from a window over them.
        score = " + ".join(
            "ts_rank(ARRAY[0.2, 0.2, 0.6, 1.0]::float4[], tsv, %s::tsquery)"
            " * ln(1 + (%s::float8 - %s::bigint + 0.5) / (%s::bigint + 0.5))" for _ in matched)
        any_term = " | ".join(f"({q})" for q, _ in matched)
        cursor.execute(
            f"SELECT article_id, {score} AS score FROM kb_search WHERE {_PG_BRANDS} AND tsv @@ %s::tsquery "
            "ORDER BY score DESC, article_id LIMIT %s",
            [*(x for q, df in matched for x in (q, total, df, df)), brand_ids, any_term, limit])
        rows = cursor.fetchall()
    used = {s for ws in corrections.values() for w in ws for s in stems_of(w)}
    return _Ranked([r[0] for r in rows], {r[0]: float(r[1]) for r in rows}, used)


# --- modes --------------------------------------------------------------------------------


def fulltext(brand_ids: list[int], query: str, limit: int) -> _Ranked:
    if connection.vendor == "postgresql":
        return _pg_fulltext(brand_ids, query, limit)
    return _sqlite_fulltext(brand_ids, query, limit)


def _semantic(brand_ids: list[int], query: str, limit: int, vector=None) -> _Ranked:
    from roadie.desk.kb import semantic

    ranked = semantic.rank(brand_ids, query, limit, vector=vector)
    return _Ranked([i for i, _ in ranked], dict(ranked))


def fuse(lists: list[list[int]], *, k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: each list votes 1/(k + rank) for its items."""
    scores: dict[int, float] = {}
    for ids in lists:
        for rank, item in enumerate(ids, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def ranked_ids(brand_ids: list[int], query: str, *, limit: int = 10, mode: str = "hybrid",
               vector=None) -> tuple[list[tuple[int, float]], set[str]]:
    """Article ids with scores, best first, and extra stems matched through typo correction.
    ``vector``: the query's embedding, if already computed."""
    from roadie.desk.kb import semantic

    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}")
    if mode != "fulltext" and not semantic.enabled():
        if mode == "semantic":
            raise ValueError("semantic search is off (ROADIE_KB_SEMANTIC, extra [semantic])")
        mode = "fulltext"
    if mode == "fulltext":
        ft = fulltext(brand_ids, query, limit)
        return [(i, ft.scores[i]) for i in ft.ids], ft.stems
    if mode == "semantic":
        sem = _semantic(brand_ids, query, limit, vector)
        return [(i, sem.scores[i]) for i in sem.ids], set()
    depth = max(limit, 50)
    ft = fulltext(brand_ids, query, depth)
    sem = _semantic(brand_ids, query, depth, vector)
    return fuse([ft.ids, sem.ids])[:limit], ft.stems


def search(brand_ids: list[int], query: str, *, limit: int = 10, mode: str = "hybrid",
           fields: tuple[str, ...] = ()) -> list[Hit]:
    """Hits best first, with a highlighted snippet each. ``fields``: the only fields of the
    article (and ``brand__...`` of its brand) that the caller reads, if it says so (any
    other costs a query when read); else every field but the rendered HTML and the embedding."""
    limit = max(1, min(int(limit), 100))
    ranked, extra = ranked_ids(list(brand_ids), query, limit=limit, mode=mode)
    # No ORDER BY (the model's ordering would join and sort the brand's name for a dict by id).
    articles = Article.objects.select_related("brand").order_by()
    if fields:
        articles = articles.only("brand", *fields, "summary", "body")  # the snippet's text
    else:
        # The rendered HTML and the embedding are not shown with a hit: not read either.
        articles = articles.defer("html", "embedding")
    articles = articles.in_bulk([i for i, _ in ranked])
    qstems = {s for w in query_words(query) for s in stems_of(w)} | extra
    hits = []
    for article_id, score in ranked:
        article = articles.get(article_id)
        if article is None:
            continue
        text = f"{article.summary} {plain_text(article.body)}".strip()
        hits.append(Hit(article=article, score=score, snippet=snippet(text, qstems)))
    return hits
