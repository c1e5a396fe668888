"""Quality commands: qa-agreement (Krippendorff's alpha of a CSV of ratings)."""

from __future__ import annotations

import json
from pathlib import Path


def cmd_agreement(args) -> int:
    from roadie.cli import CommandError
    from roadie.engine.quality.agreement import AgreementError, alpha, read_reliability_csv

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        data = read_reliability_csv(path.read_text(encoding="utf-8-sig"))
        value = alpha(data, args.level)
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a UTF-8 text file") from None
    except AgreementError as exc:
        raise CommandError(f"{path}: {exc}") from None
    raters, units = data.shape
    if args.json:
        print(json.dumps({"alpha": value, "level": args.level, "raters": raters, "units": units}))
    else:
        print(f"alpha\t{value:.6f}\nlevel\t{args.level}\nraters\t{raters}\nunits\t{units}")
    return 0


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "qa-agreement", help="Krippendorff's alpha of a CSV of ratings",
        description="Agreement between raters: one row per rater, one column per unit, an empty "
        "cell is a missing value (an optional header row and rater-name column are skipped).",
    )
    s.add_argument("file", help="CSV file of ratings")
    s.add_argument("--level", required=True, choices=("nominal", "ordinal", "interval", "ratio"),
                   help="level of measurement of the ratings")
    s.add_argument("--json", action="store_true", help="print JSON (key: alpha)")
    s.set_defaults(func=cmd_agreement)
