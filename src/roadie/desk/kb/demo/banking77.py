"""The demo bank's knowledge base, generated from BANKING77 (PolyAI, CC-BY-4.0).

One article per intent, slug = intent name, written only from the intent's name and its
*training* queries: a title, a summary, the words customers use (the intent's most
distinctive terms against the other intents), a handful of representative questions and a
procedure. The *test* queries are only ever used to measure search (``evaluation.py``).

The data is read from ``shared/data/banking77/`` beside the repository (or
``ROADIE_BANKING77_DIR``) and never copied into it; without it the demo bank stays empty.
"""

from __future__ import annotations

import csv
import math
import os
from collections import Counter, defaultdict
from pathlib import Path

from roadie.desk.kb.actions import ArticleData
from roadie.desk.kb.text import STOPWORDS, stems_of, words

UPPER = {"atm": "ATM", "pin": "PIN", "apple": "Apple", "google": "Google", "visa": "Visa",
         "eu": "EU", "uk": "UK", "id": "ID"}


def data_dir() -> Path | None:
    """Where BANKING77 is, or None."""
    candidates = []
    if os.environ.get("ROADIE_BANKING77_DIR"):
        candidates.append(Path(os.environ["ROADIE_BANKING77_DIR"]))
    here = Path(__file__).resolve()
    for base in [Path.cwd(), *Path.cwd().parents, *here.parents]:
        candidates.append(base / "shared" / "data" / "banking77")
        candidates.append(base.parent / "shared" / "data" / "banking77")
    for path in candidates:
        if (path / "train.csv").is_file() and (path / "test.csv").is_file():
            return path
    return None


def load(split: str) -> list[tuple[str, str]]:
    """(query, intent) rows of ``train`` or ``test``; empty when the data is absent."""
    folder = data_dir()
    if folder is None:
        return []
    with open(folder / f"{split}.csv", encoding="utf-8", newline="") as f:
        return [(row["text"].strip(), row["category"].strip()) for row in csv.DictReader(f)]


def title_of(intent: str) -> str:
    parts = [UPPER.get(p, p) for p in intent.split("_")]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def _distinctive(by_intent: dict[str, list[str]], *, top: int) -> dict[str, list[str]]:
    """For each intent, its ``top`` most distinctive words (tf x idf over intents, by stem)."""
    stem_counts: dict[str, Counter] = {}
    surface: dict[str, Counter] = defaultdict(Counter)
    for intent, queries in by_intent.items():
        counts: Counter = Counter()
        for q in queries:
            for w in set(words(q)):
                if w in STOPWORDS or len(w) < 3 or w.isdigit():
                    continue
                stem = stems_of(w)[0]
                counts[stem] += 1
                surface[stem][w] += 1
        stem_counts[intent] = counts
    df = Counter(stem for counts in stem_counts.values() for stem in counts)
    n = len(by_intent)
    out = {}
    for intent, counts in stem_counts.items():
        total = len(by_intent[intent])
        scored = sorted(counts, key=lambda s: (-(counts[s] / total) * math.log(n / df[s]), s))
        out[intent] = [surface[s].most_common(1)[0][0] for s in scored[:top] if counts[s] >= 2]
    return out


def _representative(queries: list[str], keywords: list[str], *, count: int) -> list[str]:
    """Greedy: the questions that cover the most keywords not yet covered, short ones first."""
    wanted = {stems_of(k)[0] for k in keywords}
    covered: set[str] = set()
    pool = sorted(set(queries), key=lambda q: (len(q), q))
    chosen: list[str] = []
    while pool and len(chosen) < count:
        def gain(q: str, covered: set[str] = covered) -> int:
            return len(({stems_of(w)[0] for w in words(q)} & wanted) - covered)

        best = max(pool, key=gain)
        if gain(best) == 0:
            best = pool[0] if len(chosen) % 2 else pool[len(pool) // 2]
        chosen.append(best)
        covered |= {stems_of(w)[0] for w in words(best)} & wanted
        pool.remove(best)
    return chosen


def build_articles(train: list[tuple[str, str]], *, questions: int = 12,
                   keywords: int = 30) -> list[ArticleData]:
    """One article per intent. The defaults were chosen on the training queries alone (articles
    from 80 % of them, measured on the other 20 %), never on the test queries."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in train:
        by_intent[intent].append(text)
    distinctive = _distinctive(by_intent, top=keywords)
    articles = []
    for intent in sorted(by_intent):
        title = title_of(intent)
        terms = distinctive[intent]
        asked = _representative(by_intent[intent], terms, count=questions)
        body = "\n".join([
            f"Customers write to us about **{title.lower()}**.",
            "",
            "## How customers put it",
            *[f"- {q}" for q in asked],
            "",
            "## What to do",
            "1. Confirm who the customer is (security questions in the back office).",
            f"2. Open the account in the back office and look up: {', '.join(terms[:5])}.",
            f"3. Explain what happens next about {title.lower()}, with the expected delay.",
            "4. If it cannot be solved now, escalate to the banking team with the details.",
            "",
            "## Words customers use",
            ", ".join(terms),
        ])
        articles.append(ArticleData(
            slug=intent, title=title, body=body, category=title.split(" ")[0],
            tags=tuple(terms[:6]), status="published", language="en",
            summary=f"{title}: what to check and what to tell the customer "
                    f"({', '.join(terms[:4])})."))
    return articles
