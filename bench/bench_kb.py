"""Knowledge-base search latency: 100,000 articles across 50 brands, on SQLite and PostgreSQL.

Peer: a plain LIKE search (``icontains`` on title and body, any query word, no ranking), the
way a knowledge base without a full-text index answers, measured in the same run on the same
data. Also prints the relevance figures (``roadie kb-eval``) when BANKING77 is available.

    bench/bench_kb.py [--articles 100000] [--brands 50] [--queries 300] [--backends sqlite,postgres]
    KB_BENCH_ARTICLES=40000 KB_BENCH_BRANDS=20 bench/run kb     # the same, through bench/run

PostgreSQL comes from ``scripts/pg-server start`` (its own scratch databases ``roadie_kb_bench``
and ``roadie_kb_bench_eval``; ``KB_BENCH_DB`` renames them). Relevance is measured on both.
Each backend runs in a child process with its own fresh database.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
P95_TARGET_MS = 20.0


def banking77_dir() -> Path | None:
    """BANKING77 for the relevance figures: ``ROADIE_BANKING77_DIR``, else ``shared/data/banking77``
    beside this checkout or its parents, else ``/work/shared/data/banking77`` (a benchmark run
    from a clone in /tmp is not beside the shared data)."""
    candidates = []
    if os.environ.get("ROADIE_BANKING77_DIR"):
        candidates.append(Path(os.environ["ROADIE_BANKING77_DIR"]))
    for base in (ROOT, *ROOT.parents):
        candidates.append(base / "shared" / "data" / "banking77")
    candidates.append(Path("/work/shared/data/banking77"))
    for path in candidates:
        if (path / "train.csv").is_file() and (path / "test.csv").is_file():
            return path
    return None


def _vocabulary(rng: random.Random) -> list[str]:
    """Real French and English customer-service words first (frequent), then invented ones
    (the long tail), ordered for a Zipf draw."""
    from roadie.desk.kb.demo.articles_fr import DEMO_FR
    from roadie.desk.kb.text import STOPWORDS, WORD

    seen: dict[str, None] = {}
    for articles in DEMO_FR.values():
        for _, title, _, _, summary, body in articles:
            for w in WORD.findall(f"{title} {summary} {body}".lower()):
                if len(w) > 2 and w not in STOPWORDS and not w.isdigit():
                    seen.setdefault(w, None)
    english = ["card", "account", "transfer", "payment", "refund", "balance", "fee", "limit", "cash", "withdrawal", "pin", "exchange", "rate", "currency", "verify", "identity", "statement", "deposit", "cheque", "contactless", "freeze", "block", "stolen", "lost", "arrival", "delivery", "activate", "top", "up", "virtual", "disposable", "salary", "direct", "debit", "beneficiary", "pending", "declined", "charge", "wallet", "apple", "google"]
    for w in english:
        seen.setdefault(w, None)
    words = list(seen)
    rng.shuffle(words)
    syllables = ["ra", "to", "mi", "ne", "lu", "co", "pa", "ri", "sé", "da", "vo", "ka", "ber", "lin",
                 "tor", "mar", "ex", "on", "qui", "vé"]
    while len(words) < 20_000:
        words.append("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return words


def _zipf_cumulative(n: int) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 1) ** 1.05 for rank in range(n)))


def populate(*, articles: int, brands: int, seed: int) -> tuple[list[int], list[str]]:
    from roadie.desk.brands.models import Brand
    from roadie.desk.kb import actions

    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    cum = _zipf_cumulative(len(vocab))
    brand_ids = []
    per_brand = articles // brands
    started = time.perf_counter()
    for b in range(brands):
        brand = Brand.objects.create(slug=f"bench-{b}", name=f"Bench {b}")
        brand_ids.append(brand.pk)
        items = []
        for a in range(per_brand):
            title = " ".join(rng.choices(vocab[:3000], cum_weights=cum[:3000], k=rng.randint(3, 7)))
            sentences = []
            for _ in range(rng.randint(4, 10)):
                sentences.append(" ".join(rng.choices(vocab, cum_weights=cum, k=rng.randint(8, 16))) + ".")
            items.append(actions.ArticleData(
                slug=f"a-{a}", title=title.capitalize(), body=" ".join(sentences),
                category=rng.choice(vocab[:50]), tags=tuple(rng.choices(vocab[:500], k=3)),
                status="published"))
        actions.upsert_articles(None, brand, items, note="bench")
        if b % 10 == 9:
            print(f"   {per_brand * (b + 1):>7} articles ({time.perf_counter() - started:.0f} s)", flush=True)
    return brand_ids, vocab


def _queries(vocab: list[str], brand_ids: list[int], n: int, seed: int) -> list[tuple[int, str]]:
    """2-4 words from the frequent part of the vocabulary, one in ten with a typo."""
    rng = random.Random(seed + 1)
    out = []
    for _ in range(n):
        words = rng.sample(vocab[:2000], rng.randint(2, 4))
        if rng.random() < 0.1 and len(words[0]) > 5:
            w = words[0]
            i = rng.randrange(1, len(w) - 2)
            words[0] = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        out.append((rng.choice(brand_ids), " ".join(words)))
    return out


def like_search(brand_id: int, query: str, limit: int = 10) -> list[int]:
    from django.db.models import Q

    from roadie.desk.kb.models import Article
    from roadie.desk.kb.text import query_words

    condition = Q()
    for w in query_words(query):
        condition |= Q(title__icontains=w) | Q(body__icontains=w)
    return list(Article.objects.filter(condition, brand_id=brand_id, status="published")
                .values_list("pk", flat=True)[:limit])


def _like_view(request):
    """Peer (written for this benchmark): the LIKE search served the way the API serves
    roadie's, on the same path: bearer token, the brand's access check, the first 10
    published articles matching any word (fetched with the same fields as the API's hits),
    each with the same highlighted snippet, JSON."""
    from django.http import JsonResponse

    from roadie.desk.api.auth import TokenAuth
    from roadie.desk.kb import access
    from roadie.desk.kb.api import HIT_FIELDS
    from roadie.desk.kb.models import Article
    from roadie.desk.kb.text import plain_text, query_words, snippet, stems_of

    header = request.headers.get("Authorization", "")
    user = TokenAuth().authenticate(request, header.removeprefix("Bearer ").strip())
    if user is None:
        return JsonResponse({"detail": "authentication required"}, status=401)
    query = request.GET["q"]
    brand_ids = access.searchable_brand_ids(user, request.GET.get("brand"))
    ids = [i for b in brand_ids for i in like_search(b, query)][:10]
    stems = {st for w in query_words(query) for st in stems_of(w)}
    # The articles fetched as the API fetches its hits' (search(fields=HIT_FIELDS)).
    articles = (Article.objects.select_related("brand").order_by()
                .only("brand", *HIT_FIELDS, "summary", "body").in_bulk(ids))
    return JsonResponse([{
        "brand": a.brand.slug, "slug": a.slug, "title": a.title, "category": a.category,
        "snippet": snippet(f"{a.summary} {plain_text(a.body)}".strip(), stems), "score": 0.0,
        "url": f"/kb/{a.brand.slug}/{a.slug}/"} for a in (articles[i] for i in ids)], safe=False)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def previous_ranking(brand_id: int, query: str, limit: int = 10) -> list[int]:
    """Reference (roadie's previous SQLite ranking, kept here for this benchmark): typo
    corrections from the whole index's terms and FTS5's own bm25(), whose statistics cover
    every brand. The current ranking re-scores with the brand's statistics instead."""
    from django.db import connection

    from roadie.desk.kb.index import scope_token
    from roadie.desk.kb.text import allowed_typos, edit_distance, query_words, stems_of

    groups = [list(stems_of(w)) for w in query_words(query)]
    with connection.cursor() as cursor:
        terms = sorted({t for g in groups for t in g})
        cursor.execute(f"SELECT term FROM kb_fts_vocab WHERE term IN ({','.join(['%s'] * len(terms))})", terms)
        known = {row[0] for row in cursor.fetchall()}
        clauses = []
        for group in groups:
            alternatives = [t for t in group if t in known]
            for stem in group if not alternatives else []:
                budget = allowed_typos(stem)
                if budget:
                    upper = stem[:1] + chr(ord(stem[1]) + 1)
                    cursor.execute("SELECT term FROM kb_fts_vocab WHERE term >= %s AND term < %s LIMIT 20000",
                                   [stem[:2], upper])
                    close = sorted((edit_distance(stem, t, cap=budget), t) for (t,) in cursor.fetchall()
                                   if abs(len(t) - len(stem)) <= budget and not t.startswith("kbbrand"))
                    alternatives += [t for d, t in close if d <= budget][:3]
            if alternatives:
                clauses.append(" OR ".join(_quote(t) for t in dict.fromkeys(alternatives)))
        if not clauses:
            return []
        cursor.execute("SELECT rowid, bm25(kb_fts, 0.0, 5.0, 3.0, 1.0) AS r FROM kb_fts WHERE kb_fts MATCH %s "
                       "ORDER BY r LIMIT %s",
                       [f"(scope : {scope_token(brand_id)}) AND ({' OR '.join(clauses)})", limit])
        return [r[0] for r in cursor.fetchall()]


def _api_clients(brand_ids: list[int]):
    """A Django test client with an administrator's bearer token: every request goes through
    the middleware, authentication, django-ninja and JSON, as a page's fetch or an API client
    does (no network: the HTTP server's own time is not counted, for either side)."""
    import types

    from django.test import Client
    from django.urls import clear_url_caches, path

    from roadie.desk import urls as desk_urls
    from roadie.desk.accounts.models import ApiToken, Role, User
    from roadie.desk.brands.models import Brand

    module = types.ModuleType("kb_bench_urls")
    module.urlpatterns = [path("bench/like-search", _like_view), *desk_urls.urlpatterns]
    sys.modules["kb_bench_urls"] = module
    from django.conf import settings

    settings.ROOT_URLCONF = "kb_bench_urls"
    clear_url_caches()
    admin = User.objects.create_user("kb-bench", password="x", role=Role.ADMIN)
    token = ApiToken.issue(admin, label="kb-bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    slugs = dict(Brand.objects.filter(pk__in=brand_ids).values_list("pk", "slug"))

    def api(brand_id: int, q: str):
        r = client.get("/api/kb/search", {"q": q, "brand": slugs[brand_id], "limit": 10,
                                          "mode": "fulltext"})
        assert r.status_code == 200, r.content[:200]
        return r.json()

    def floor(brand_id: int, q: str):
        # A query of stop words only: the same request, authentication, brand check, ninja
        # and JSON, with no search behind it (what the path costs by itself).
        r = client.get("/api/kb/search", {"q": "the", "brand": slugs[brand_id], "limit": 10,
                                          "mode": "fulltext"})
        assert r.status_code == 200 and r.json() == [], r.content[:200]

    def peer(brand_id: int, q: str):
        r = client.get("/bench/like-search", {"q": q, "brand": slugs[brand_id]})
        assert r.status_code == 200, r.content[:200]
        return r.json()

    return api, peer, floor


def _time(calls: dict, queries) -> dict[str, list[float]]:
    """Milliseconds per query for each search, interleaved query by query so that whatever
    else the machine is doing weighs on every contender alike."""
    for brand_id, q in queries[:20]:  # warm caches
        for call in calls.values():
            call(brand_id, q)
    out: dict[str, list[float]] = {name: [] for name in calls}
    for brand_id, q in queries:
        for name, call in calls.items():
            started = time.perf_counter()
            call(brand_id, q)
            out[name].append((time.perf_counter() - started) * 1000)
    return out


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def child(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from roadie.desk.kb.models import Article
    from roadie.desk.kb.search import ranked_ids, search

    call_command("migrate", verbosity=0, interactive=False)
    label = connection.vendor
    with connection.cursor() as c:
        c.execute("SELECT sqlite_version()" if label == "sqlite" else "SHOW server_version")
        print(f"   {label} {c.fetchone()[0]}", flush=True)
    started = time.perf_counter()
    brand_ids, vocab = populate(articles=args.articles, brands=args.brands, seed=args.seed)
    if label == "sqlite":
        with connection.cursor() as c:
            c.execute("INSERT INTO kb_fts(kb_fts) VALUES('optimize')")
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE kb_search")
            c.execute("ANALYZE kb_article")
    load_s = time.perf_counter() - started
    total = Article.objects.count()
    queries = _queries(vocab, brand_ids, args.queries, args.seed)
    api, peer, floor = _api_clients(brand_ids)
    rows = list(_time({
        "GET /api/kb/search, full text: ranked hits with snippets": api,
        "GET, LIKE + snippets (peer written for this benchmark, unranked)": peer,
        "GET /api/kb/search, a query of stop words only (the path without a search), for reference": floor,
        "in-process `search()` (hits with snippets), for reference": lambda b, q: search(
            [b], q, limit=10, mode="fulltext"),
        "in-process `ranked_ids()` (ids only), for reference": lambda b, q: ranked_ids(
            [b], q, limit=10, mode="fulltext"),
        **({"in-process previous ranking (FTS5 `bm25()` over every brand), for reference": previous_ranking}
           if label == "sqlite" else {}),
    }, queries).items())
    print(f"\n{label}: {total} articles, {len(brand_ids)} brands, loaded and indexed in {load_s:.0f} s; "
          f"{len(queries)} queries of 2-4 words, 10 hits each")
    print("| database | search | p50 ms | p95 ms | mean ms |")
    print("|---|---|---:|---:|---:|")
    for name, times in rows:
        print(f"| {label} | {name} | {_pct(times, 50):.1f} | {_pct(times, 95):.1f} | "
              f"{statistics.fmean(times):.1f} |")
    p95 = _pct(rows[0][1], 95)
    print(f"{label}: GET /api/kb/search p95 {p95:.1f} ms, target < {P95_TARGET_MS:.0f} ms: "
          f"{'met' if p95 < P95_TARGET_MS else 'NOT met'}", flush=True)
    # The write path: one brand's articles reindexed in one transaction (take out, put back),
    # as `roadie kb-reindex` does per batch of 1,000.
    from django.db import transaction

    from roadie.desk.kb import index

    times = []
    for brand_id in brand_ids[:3]:
        started = time.perf_counter()
        with transaction.atomic():
            n = index.rebuild([brand_id])
        times.append((time.perf_counter() - started) * 1000 / n)
    print(f"{label}: reindex of one brand ({n} articles, 3 brands in turn): "
          f"{statistics.median(times):.2f} ms per article (median; "
          f"{', '.join(f'{t:.2f}' for t in times)})", flush=True)


def _pg_url(name: str = "") -> str | None:
    """A fresh scratch database (``KB_BENCH_DB``, default roadie_kb_bench, plus ``name``)."""
    name = os.environ.get("KB_BENCH_DB", "roadie_kb_bench") + name
    try:
        url = subprocess.run([str(ROOT / "scripts" / "pg-server"), "start"], check=True,
                             capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"PostgreSQL unavailable ({exc}): skipped")
        return None
    base, _, _ = url.rpartition("/")
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # bench/run passes no arguments: KB_BENCH_ARTICLES and KB_BENCH_BRANDS size its run.
    parser.add_argument("--articles", type=int, default=int(os.environ.get("KB_BENCH_ARTICLES", 100_000)))
    parser.add_argument("--brands", type=int, default=int(os.environ.get("KB_BENCH_BRANDS", 50)))
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--eval", action=argparse.BooleanOptionalAction, default=True,
                        help="also print relevance figures (roadie kb-eval)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
    if args.child:
        child(args)
        return 0
    status = 0
    forward = ["--articles", str(args.articles), "--brands", str(args.brands),
               "--queries", str(args.queries), "--seed", str(args.seed)]
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="roadie-kb-bench-") as tmp:
            env = {**os.environ, "ROADIE_DATA_DIR": tmp, "ROADIE_KB_SEMANTIC": "0"}
            env.pop("ROADIE_DATABASE_URL", None)
            if backend == "postgres":
                url = _pg_url()
                if url is None:
                    continue
                env["ROADIE_DATABASE_URL"] = url
            print(f"== {backend}: loading {args.articles} articles", flush=True)
            status |= subprocess.run([sys.executable, __file__, "--child", *forward], env=env).returncode
    if args.eval:
        with tempfile.TemporaryDirectory(prefix="roadie-kb-eval-") as tmp:
            env = {**os.environ, "ROADIE_DATA_DIR": tmp}
            env.pop("ROADIE_DATABASE_URL", None)
            bank77 = banking77_dir()
            if bank77 is not None:
                env["ROADIE_BANKING77_DIR"] = str(bank77)
            print(f"\n== BANKING77: {bank77 or 'not found (set ROADIE_BANKING77_DIR)'}",
                  flush=True)
            cmd = [sys.executable, "-m", "roadie.cli", "kb-eval"]
            from roadie.desk.kb import semantic

            if semantic.available():
                cmd.append("--semantic")
            print("\n== relevance (roadie kb-eval)", flush=True)
            status |= subprocess.run(cmd, env={**env, "HF_HUB_OFFLINE": "1"}).returncode
            url = _pg_url("_eval") if "postgres" in args.backends.split(",") else None
            if url is not None:
                print("\n== relevance on PostgreSQL (roadie kb-eval --here, a scratch database)", flush=True)
                status |= subprocess.run([*cmd, "--here"], env={
                    **env, "HF_HUB_OFFLINE": "1", "ROADIE_DATABASE_URL": url}).returncode
    return status


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
