"""Check that the figures of docs/benchmarks.md's tables are in the output of the run they name.

For each Markdown table of the page, the runs it names are the run labels (``run-YYYYMMDD-…``,
``dispatch-scale-N``, ``desk-pages-N``) written in the table itself and in the text since the
previous table (failing that, since its heading and the headings above it); ``bench/results/<label>.md`` holds each run's whole output. Every
number of the table is looked for in those files, allowing the usual rewriting of a figure on
the page: thousands separators, rounding to the digits the page shows (21,395 → 21,400), ms
written as s or the other way round, a fraction as a percentage, and a count in millions. What is left is printed, table by table, for a reader to
judge: a ratio or a difference the page computes from two figures of the file is expected
there; a time or a count is not. Tables that name no run with an output file are listed too,
apart from those whose header row says "output not kept" (history, labelled as such).

It reads files and prints; it changes nothing and exits 0 unless asked (``--strict``: exit 1 if
any figure is missing). Run by hand, from the checkout::

    python bench/check_docs.py                 # every table of docs/benchmarks.md
    python bench/check_docs.py --from "## Routing and simulation"
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RUN = re.compile(r"\b(run-\d{8}-[A-Za-z0-9-]*[A-Za-z0-9]|dispatch-scale-\d+|desk-pages-\d+)")
# a number as the page writes it: 1,234.5 or 0.87 or 12 (not part of a word, a commit or a date)
NUMBER = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w,]*\d)")
SKIP_CELL = re.compile(r"^[-: ]*$")


@dataclass
class Table:
    heading: str
    line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    history: bool = False  # its header row says "output not kept"


def tables(text: str, start: str | None) -> list[Table]:
    """The page's tables, each with the runs it names and those of the text around it: the text
    since the previous table, or failing that, since the heading (and its parent headings)."""
    lines = text.splitlines()
    found: list[Table] = []
    heading, current = "(top)", None
    levels: dict[int, list[str]] = {}  # runs named under each open heading level
    context: list[str] = []  # runs named since the last table or heading
    active = start is None
    for number, line in enumerate(lines, 1):
        if not active:
            active = line.startswith(start)
            if not active:
                continue
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            levels = {k: v for k, v in levels.items() if k < level}
            levels[level] = []
            heading, context, current = line.strip("# "), [], None
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if current is None:
                current = Table(heading, number)
                found.append(current)
                # the page's title (level 1) heads the page's own table of runs: not inherited
                above = [run for k in sorted(levels) if k > 1 for run in levels[k]]
                current.runs = RUN.findall(line) + (context or above)
                current.history = "output not kept" in line
                current.rows.append((number, cells))  # the header row names columns and runs
            elif not all(SKIP_CELL.match(c) for c in cells):
                current.rows.append((number, cells))
                current.runs += RUN.findall(line)
            continue
        if current is not None:
            current = None
            context = []
        named = RUN.findall(line)
        context += named
        if levels:
            levels[max(levels)] += named
    for table in found:
        table.runs = list(dict.fromkeys(table.runs))
    return found


def _value(token: str) -> float:
    return float(token.replace(",", ""))


def _decimals(token: str) -> int:
    return len(token.split(".")[1]) if "." in token else 0


def _matches(doc: str, values: list[float]) -> bool:
    """Whether a number of the file, rewritten as the page may write it, gives ``doc``."""
    target, places = _value(doc), _decimals(doc)
    digits = len(doc.replace(",", "").replace(".", "").lstrip("0")) or 1
    step = Decimal(1).scaleb(-places)
    for value in values:
        for scaled in (value, value * 1000, value / 1000, value * 100, value / 1e6):
            exact = Decimal(repr(scaled))
            if (
                float(exact.quantize(step, ROUND_HALF_UP)) == target
                or round(scaled, places) == target
            ):
                return True
            if scaled and target and places == 0 and target >= 100:
                # 21,395 shown as 21,400: the page's significant digits, trailing zeros dropped
                shown = len(doc.replace(",", "").rstrip("0")) or 1
                for keep in {shown, digits}:
                    magnitude = 10 ** (math.floor(math.log10(abs(scaled))) - keep + 1)
                    if round(scaled / magnitude) * magnitude == target:
                        return True
    return False


def check(table: Table) -> tuple[list[Path], list[tuple[int, str, str]]]:
    files = [RESULTS / f"{run}.md" for run in table.runs if (RESULTS / f"{run}.md").exists()]
    values = [
        _value(token)
        for path in files
        for token in NUMBER.findall(path.read_text(encoding="utf-8"))
    ]
    missing = []
    for number, cells in table.rows[1:]:
        for cell in cells:
            plain = re.sub(r"`[^`]*`", "", cell)  # code spans: commands, names
            plain = RUN.sub("", plain)
            for token in NUMBER.findall(plain):
                if not _matches(token, values):
                    missing.append((number, token, cell))
    return files, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--from", dest="start", help="start at the line that begins so")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a figure is missing")
    args = parser.parse_args(argv)
    page = Path(args.page)
    if not page.exists():
        print(f"no such page: {page}", file=sys.stderr)
        return 2
    any_missing = False
    for table in tables(page.read_text(encoding="utf-8"), args.start):
        where = f"line {table.line} ({table.heading})"
        if table.history:
            print(f"{where}: history, its output not kept (so labelled): not checked")
            continue
        files, missing = check(table)
        if not files:
            named = ", ".join(table.runs) or "none"
            print(f"{where}: no output file for the runs it names ({named})")
            any_missing = True
            continue
        status = "all figures found" if not missing else f"{len(missing)} not found"
        print(f"{where}: runs {', '.join(p.stem for p in files)}: {status}")
        for number, token, cell in missing:
            print(f"    line {number}: {token!r} in {cell[:90]!r}")
        any_missing = any_missing or bool(missing)
    return 1 if args.strict and any_missing else 0


if __name__ == "__main__":
    sys.exit(main())
