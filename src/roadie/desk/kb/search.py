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

from dataclasses import dataclass, field

from django.db import connection

from roadie.desk.kb.index import scope_token
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


def _sqlite_known(cursor, terms: list[str]) -> set[str]:
    if not terms:
        return set()
    cursor.execute(
        f"SELECT term FROM kb_fts_vocab WHERE term IN ({','.join(['%s'] * len(terms))})", terms)
    return {row[0] for row in cursor.fetchall()}


def _sqlite_close_terms(cursor, stem: str) -> list[str]:
    budget = allowed_typos(stem)
    if budget == 0:
        return []
    prefix = stem[:2]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    cursor.execute("SELECT term FROM kb_fts_vocab WHERE term >= %s AND term < %s LIMIT 20000",
                   [prefix, upper])
    scored = []
    for (term,) in cursor.fetchall():
        if abs(len(term) - len(stem)) <= budget and not term.startswith("kbbrand"):
            distance = edit_distance(stem, term, cap=budget)
            if distance <= budget:
                scored.append((distance, term))
    return [t for _, t in sorted(scored)[:3]]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _sqlite_fulltext(brand_ids: list[int], query: str, limit: int) -> _Ranked:
    qwords = query_words(query)
    if not qwords or not brand_ids:
        return _Ranked([], {})
    with connection.cursor() as cursor:
        groups = [list(stems_of(w)) for w in qwords]
        known = _sqlite_known(cursor, sorted({s for g in groups for s in g}))
        used: set[str] = set()
        clauses = []
        for group in groups:
            alternatives = [s for s in group if s in known]
            if not alternatives:
                for stem in group:
                    alternatives.extend(_sqlite_close_terms(cursor, stem))
            if alternatives:
                used.update(alternatives)
                clauses.append(" OR ".join(_quote(t) for t in dict.fromkeys(alternatives)))
        if not clauses:
            return _Ranked([], {})
        scope = " OR ".join(f"scope : {scope_token(b)}" for b in brand_ids)
        match = f"({scope}) AND ({' OR '.join(clauses)})"
        cursor.execute(
            "SELECT rowid, bm25(kb_fts, 0.0, 5.0, 3.0, 1.0) AS r FROM kb_fts "
            "WHERE kb_fts MATCH %s ORDER BY r LIMIT %s", [match, limit])
        rows = cursor.fetchall()
    return _Ranked([r[0] for r in rows], {r[0]: -r[1] for r in rows}, used)


# --- PostgreSQL: tsvector -----------------------------------------------------------------


def _pg_corrections(cursor, qwords: list[str]) -> dict[str, list[str]]:
    candidates = [w for w in qwords if allowed_typos(w) and not w.isdigit()]
    if not candidates:
        return {}
    cursor.execute("SELECT w FROM unnest(%s::text[]) AS w "
                   "WHERE NOT EXISTS (SELECT 1 FROM kb_word WHERE word = w)", [candidates])
    unknown = [row[0] for row in cursor.fetchall()]
    out = {}
    for w in unknown:
        cursor.execute("SELECT word FROM kb_word WHERE word %% %s "
                       "ORDER BY similarity(word, %s) DESC, word LIMIT 10", [w, w])
        close = [r[0] for r in cursor.fetchall()
                 if edit_distance(w, r[0], cap=allowed_typos(w)) <= allowed_typos(w)]
        if close:
            out[w] = close[:3]
    return out


def _pg_fulltext(brand_ids: list[int], query: str, limit: int) -> _Ranked:
    qwords = query_words(query, limit=12)
    if not qwords or not brand_ids:
        return _Ranked([], {})
    with connection.cursor() as cursor:
        corrections = _pg_corrections(cursor, qwords)
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


def search(brand_ids: list[int], query: str, *, limit: int = 10, mode: str = "hybrid") -> list[Hit]:
    """Hits best first, with a highlighted snippet each."""
    limit = max(1, min(int(limit), 100))
    ranked, extra = ranked_ids(list(brand_ids), query, limit=limit, mode=mode)
    articles = Article.objects.select_related("brand").in_bulk([i for i, _ in ranked])
    qstems = {s for w in query_words(query) for s in stems_of(w)} | extra
    hits = []
    for article_id, score in ranked:
        article = articles.get(article_id)
        if article is None:
            continue
        text = f"{article.summary} {plain_text(article.body)}".strip()
        hits.append(Hit(article=article, score=score, snippet=snippet(text, qstems)))
    return hits
