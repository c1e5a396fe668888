"""Relevance of search, measured: recall@1, recall@5 and MRR for each ranking mode.

Cases are (brand slug, query, expected article slug). BANKING77's 3,080 test queries against
the demo bank's generated articles, and roadie's own French set (``bench/kb_eval_fr.csv``).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

from roadie.desk.brands.models import Brand
from roadie.desk.kb.models import Article
from roadie.desk.kb.search import ranked_ids


@dataclass(frozen=True)
class Scores:
    mode: str
    cases: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    ms_per_query: float

    def line(self, label: str) -> str:
        return (f"{label:<22} {self.mode:<9} n={self.cases:<5} recall@1={self.recall_at_1:.3f} "
                f"recall@5={self.recall_at_5:.3f} MRR={self.mrr:.3f} ({self.ms_per_query:.1f} ms/query)")


def evaluate(cases: list[tuple[str, str, str]], *, mode: str, depth: int = 10) -> Scores:
    brands = dict(Brand.objects.values_list("slug", "pk"))
    slugs = dict(Article.objects.values_list("pk", "slug"))
    hits1 = hits5 = 0
    reciprocal = 0.0
    started = time.perf_counter()
    vectors = [None] * len(cases)
    if mode != "fulltext":
        from roadie.desk.kb import semantic

        vectors = list(semantic.embed([q for _, q, _ in cases]))
    for (brand, query, expected), vector in zip(cases, vectors, strict=True):
        ranked, _ = ranked_ids([brands[brand]], query, limit=depth, mode=mode, vector=vector)
        found = [slugs.get(pk) for pk, _ in ranked]
        if expected in found:
            rank = found.index(expected) + 1
            hits1 += rank == 1
            hits5 += rank <= 5
            reciprocal += 1.0 / rank
    n = max(1, len(cases))
    elapsed = (time.perf_counter() - started) * 1000 / n
    return Scores(mode, len(cases), hits1 / n, hits5 / n, reciprocal / n, elapsed)


def read_cases(path: Path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return [(r["brand"], r["query"], r["slug"]) for r in csv.DictReader(f)]


def french_set_path() -> Path | None:
    here = Path(__file__).resolve()
    for base in [Path.cwd(), *here.parents]:
        path = base / "bench" / "kb_eval_fr.csv"
        if path.is_file():
            return path
    return None
