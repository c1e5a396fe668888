"""Knowledge-base commands: kb-import, kb-reindex, kb-eval."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
    import django

    django.setup()


def cmd_import(args) -> int:
    _django()
    from roadie.cli import CommandError
    from roadie.desk.accounts.models import User
    from roadie.desk.brands.models import Brand
    from roadie.desk.contacts.actions import ActionError
    from roadie.desk.kb import actions
    from roadie.desk.kb.importer import ImportFormatError, read_path

    brand = Brand.objects.filter(slug=args.brand).first()
    if brand is None:
        raise CommandError(f"no brand {args.brand!r}")
    user = None
    if args.user:
        user = User.objects.filter(username=args.user).first()
        if user is None:
            raise CommandError(f"no user {args.user!r}")
    path = Path(args.path)
    if not path.exists():
        raise CommandError(f"{path} does not exist")
    try:
        items = read_path(path)
        if args.status:
            items = [dataclasses.replace(item, status=args.status) for item in items]
        counts = actions.upsert_articles(user, brand, items, note=f"imported from {path.name}")
    except (ImportFormatError, ActionError) as exc:
        raise CommandError(str(exc)) from None
    print(f"{brand.slug}: {counts['created']} created, {counts['updated']} updated, "
          f"{counts['unchanged']} unchanged")
    return 0


def cmd_reindex(args) -> int:
    _django()
    from django.db import transaction

    from roadie.desk.kb import index, semantic
    from roadie.desk.kb.models import Article

    with transaction.atomic():
        count = index.rebuild()
    print(f"{count} published articles indexed")
    if semantic.enabled():
        missing = list(Article.objects.filter(embedding=None))
        for start in range(0, len(missing), 256):
            chunk = missing[start:start + 256]
            semantic.embed_articles(chunk)
            Article.objects.bulk_update(chunk, ["embedding"])
        print(f"{len(missing)} articles embedded")
    return 0


def cmd_eval(args) -> int:
    os.environ["ROADIE_KB_SEMANTIC"] = "1" if args.semantic else os.environ.get("ROADIE_KB_SEMANTIC", "")
    if not args.here:
        # A throwaway SQLite database: evaluating never writes demo brands into a real one.
        scratch = tempfile.mkdtemp(prefix="roadie-kb-eval-")
        os.environ.pop("ROADIE_DATABASE_URL", None)
        os.environ["ROADIE_SQLITE_PATH"] = str(Path(scratch) / "eval.sqlite3")
    _django()
    from django.core.management import call_command

    from roadie.desk.brands.models import Brand
    from roadie.desk.kb import semantic
    from roadie.desk.kb.demo import banking77
    from roadie.desk.kb.demo.seed import BANK, seed_kb
    from roadie.desk.kb.evaluation import evaluate, french_set_path, read_cases
    from roadie.desk.kb.models import Article

    call_command("migrate", verbosity=0, interactive=False)
    for slug in ("maison-lune", "ondes", "eclat", BANK):
        Brand.objects.get_or_create(slug=slug, defaults={"name": slug})
    seed_kb()
    modes = ["fulltext"]
    if semantic.enabled():
        missing = list(Article.objects.filter(embedding=None))
        semantic.embed_articles(missing)
        Article.objects.bulk_update(missing, ["embedding"], batch_size=200)
        modes += ["semantic", "hybrid"]
    else:
        print("semantic ranking off (install roadie[semantic] and pass --semantic): full text only")
    sets = []
    test = banking77.load("test")
    if test:
        sets.append(("BANKING77 test (en)", [(BANK, q, intent) for q, intent in test][: args.limit or None]))
    else:
        print("BANKING77 not found (shared/data/banking77 or ROADIE_BANKING77_DIR): skipped")
    french = Path(args.french) if args.french else french_set_path()
    if french and french.is_file():
        sets.append(("French set (fr)", read_cases(french)))
    for label, cases in sets:
        for mode in modes:
            print(evaluate(cases, mode=mode).line(label), flush=True)
    if test and french and french.is_file() and not args.here:
        # A brand's ranking takes nothing from another brand's articles: the French set again,
        # the bank's articles deleted (the scratch database only); the figures must not move.
        Article.objects.filter(brand__slug=BANK).delete()
        for mode in modes:
            print(evaluate(read_cases(french), mode=mode).line("French set (fr), bank's articles deleted"),
                  flush=True)
    return 0


def register(sub) -> None:
    p = sub.add_parser("kb-import", help="import knowledge-base articles: a Markdown folder or a CSV file")
    p.add_argument("path", help="a folder of .md files (front matter), a .md file or a .csv file")
    p.add_argument("--brand", required=True, help="brand slug")
    p.add_argument("--user", default="", help="username recorded as the author of the versions")
    p.add_argument("--status", choices=["draft", "published", "archived"], default=None,
                   help="override every article's status")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("kb-reindex", help="rebuild the knowledge-base search index (and embeddings)")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("kb-eval", help="search relevance: recall@1, recall@5, MRR per ranking mode")
    p.add_argument("--semantic", action="store_true", help="also rank with the local embedding model")
    p.add_argument("--french", default="", help="French evaluation set (default bench/kb_eval_fr.csv)")
    p.add_argument("--limit", type=int, default=0, help="only the first N BANKING77 test queries")
    p.add_argument("--here", action="store_true",
                   help="use the configured database (default: a throwaway SQLite file); it gets "
                        "the demo brands' articles")
    p.set_defaults(func=cmd_eval)
