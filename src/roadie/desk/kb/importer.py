"""Reading articles from files: a folder of Markdown files with front matter, or a CSV export.

Formats are documented in docs/kb.md. Parsing is separate from writing: these functions
return ``ArticleData`` and ``actions.upsert_articles`` stores them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils.text import slugify

from roadie.desk.kb.actions import ArticleData
from roadie.desk.kb.models import ArticleStatus

CSV_COLUMNS = ("slug", "title", "category", "tags", "status", "summary", "body", "language", "public")
_YES, _NO = {"yes", "true", "1", "oui"}, {"no", "false", "0", "non"}


class ImportFormatError(ValueError):
    pass


def _list(value: str) -> tuple[str, ...]:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    parts = value.replace(";", ",").split(",")
    return tuple(p.strip().strip("'\"") for p in parts if p.strip().strip("'\""))


def _public(value: str | None, where: str) -> bool | None:
    """``public: yes|no`` (absent: leave the article's choice as it is)."""
    if value is None or not value.strip():
        return None
    word = value.strip().lower()
    if word not in _YES | _NO:
        raise ImportFormatError(f"{where}public must be yes or no, not {value!r}")
    return word in _YES


def parse_markdown(text: str, *, default_slug: str = "") -> ArticleData:
    """``---``-delimited front matter (``key: value`` lines) then the Markdown body. Without a
    ``title``, the first ``# heading`` is the title (and is removed from the body)."""
    meta: dict[str, str] = {}
    body = text.lstrip("\ufeff")
    if body.startswith("---"):
        head, sep, rest = body[3:].partition("\n---")
        if not sep:
            raise ImportFormatError("front matter is not closed by a '---' line")
        for n, line in enumerate(head.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, colon, value = line.partition(":")
            if not colon:
                raise ImportFormatError(f"front matter line {n}: expected 'key: value'")
            meta[key.strip().lower()] = value.strip().strip("'\"") if key.strip() != "tags" else value.strip()
        body = rest.partition("\n")[2]
    body = body.strip("\n")
    title = meta.get("title", "")
    if not title:
        first, _, remainder = body.partition("\n")
        if first.startswith("# "):
            title, body = first[2:].strip(), remainder.strip("\n")
    status = meta.get("status", ArticleStatus.PUBLISHED)
    if status not in ArticleStatus.values:
        raise ImportFormatError(f"unknown status {status!r}")
    return ArticleData(
        title=title, body=body, slug=meta.get("slug") or default_slug or slugify(title),
        category=meta.get("category", ""), tags=_list(meta.get("tags", "")), status=status,
        summary=meta.get("summary", ""), language=meta.get("language", ""),
        public=_public(meta.get("public"), ""))


def read_folder(folder: Path) -> list[ArticleData]:
    """Every ``*.md`` file under the folder (recursively); the file name is the default slug."""
    items = []
    for path in sorted(Path(folder).rglob("*.md")):
        try:
            items.append(parse_markdown(path.read_text(encoding="utf-8"), default_slug=path.stem))
        except ImportFormatError as exc:
            raise ImportFormatError(f"{path}: {exc}") from None
    return items


def read_csv(source: Path | str) -> list[ArticleData]:
    """A CSV file (UTF-8, comma-separated, header row) with at least ``title`` and ``body``."""
    text = Path(source).read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip().lower() for h in reader.fieldnames or []}
    missing = {"title", "body"} - header
    if missing:
        raise ImportFormatError(f"CSV is missing column(s): {', '.join(sorted(missing))}")
    items = []
    for n, row in enumerate(reader, 2):
        row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
        status = row.get("status", "").strip() or ArticleStatus.PUBLISHED
        if status not in ArticleStatus.values:
            raise ImportFormatError(f"line {n}: unknown status {status!r}")
        items.append(ArticleData(
            title=row["title"].strip(), body=row["body"], slug=row.get("slug", "").strip(),
            category=row.get("category", "").strip(), tags=_list(row.get("tags", "")),
            status=status, summary=row.get("summary", "").strip(),
            language=row.get("language", "").strip(), public=_public(row.get("public"), f"line {n}: ")))
    return items


def read_path(path: Path) -> list[ArticleData]:
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    if path.suffix.lower() == ".md":
        return [parse_markdown(path.read_text(encoding="utf-8"), default_slug=path.stem)]
    raise ImportFormatError(f"{path}: expected a folder, a .csv or a .md file")
