"""Fill a gettext catalogue's msgstr from scripts/translations_fr.py; list what is missing.

The keys of ``FR``:

- ``"English"``: the msgid (``gettext``, ``{% translate %}``);
- ``("context", "English")``: a msgid with a ``msgctxt`` (``pgettext("brand state", "active")``,
  ``{% translate "active" context "brand state" %}``), where French needs another word or
  gender than the same English elsewhere;
- for a plural entry (``ngettext``, ``{% blocktranslate count %}``) the value is a pair, the
  French singular and plural (``Plural-Forms: nplurals=2; plural=(n > 1)``), under the key of
  its singular msgid (with its context, if any).

The translation of ``FR`` wins over what the catalogue holds (a wrong msgstr is repaired);
msgmerge's guesses ("fuzzy") are never kept.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

PLURALS = 2  # French: nplurals=2; plural=(n > 1)
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


def quote(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def unquote(raw: list[str]) -> str:
    """The text of a keyword's quoted lines."""
    text = "".join(line[1:-1] for line in raw)
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


class Entry:
    """One catalogue entry: its comment lines and, per keyword, its quoted lines as written."""

    def __init__(self, lines: list[str]) -> None:
        self.comments: list[str] = []
        self.fields: dict[str, list[str]] = {}
        current = None
        for line in lines:
            match = _KEYWORD.match(line)
            if match:
                current = match.group(1)
                self.fields[current] = [match.group(2)]
            elif line.startswith('"') and current:
                self.fields[current].append(line)
            else:
                self.comments.append(line)

    def text(self, keyword: str) -> str | None:
        return unquote(self.fields[keyword]) if keyword in self.fields else None

    @property
    def key(self):
        msgid, context = self.text("msgid"), self.text("msgctxt")
        return msgid if context is None else (context, msgid)

    @property
    def plural(self) -> bool:
        return "msgid_plural" in self.fields

    def msgstrs(self) -> list[str]:
        return [k for k in self.fields if k.startswith("msgstr")]

    def unfuzz(self) -> bool:
        """Drop msgmerge's guess: the fuzzy flag, the previous msgid (``#|``) and the msgstr."""
        flags = [c for c in self.comments if c.startswith("#,")]
        if not any("fuzzy" in f for f in flags):
            return False
        kept = []
        for c in self.comments:
            if c.startswith("#|"):
                continue
            if c.startswith("#,"):
                rest = [f.strip() for f in c[2:].split(",") if f.strip() != "fuzzy"]
                if rest:
                    kept.append("#, " + ", ".join(rest))
                continue
            kept.append(c)
        self.comments = kept
        self.set_translation(None)
        return True

    def set_translation(self, value) -> None:
        """``value``: a string, a pair for a plural entry, or None (untranslated)."""
        for k in self.msgstrs():
            del self.fields[k]
        if self.plural:
            forms = value if value is not None else ("",) * PLURALS
            for i, form in enumerate(forms):
                self.fields[f"msgstr[{i}]"] = [f'"{quote(form)}"']
        else:
            self.fields["msgstr"] = [f'"{quote(value or "")}"']

    def translated(self) -> bool:
        return all(unquote(self.fields[k]) for k in self.msgstrs())

    def render(self) -> str:
        lines = list(self.comments)
        for keyword, raw in self.fields.items():
            lines.append(f"{keyword} {raw[0]}")
            lines.extend(raw[1:])
        return "\n".join(lines)


def check(key, value, *, plural: bool) -> None:
    if plural and not (isinstance(value, tuple | list) and len(value) == PLURALS):
        raise SystemExit(f"{key!r} is a plural entry: translate it with a pair (singular, plural)")
    if not plural and not isinstance(value, str):
        raise SystemExit(f"{key!r} is not a plural entry: translate it with one string")


def fill(text: str, translations: dict) -> tuple[str, list[str]]:
    """The catalogue filled, and the keys left without a translation."""
    missing: list[str] = []
    blocks = text.rstrip("\n").split("\n\n")
    out = []
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        if not block.strip() or all(line.startswith("#~") or not line for line in lines):
            out.append(block)
            continue
        entry = Entry(lines)
        if "msgid" not in entry.fields or entry.text("msgid") == "":
            if i == 0 or entry.text("msgid") == "":  # the header
                entry.comments = [c for c in entry.comments if c != "#, fuzzy"]
            out.append(entry.render())
            continue
        entry.unfuzz()
        # A translation is written on the msgstr line; continuation lines under a non-empty
        # first line are left from an earlier fill: drop them.
        for k in entry.msgstrs():
            raw = entry.fields[k]
            if raw[0] != '""' and len(raw) > 1:
                entry.fields[k] = raw[:1]
        key = entry.key
        if key in translations:
            check(key, translations[key], plural=entry.plural)
            entry.set_translation(translations[key])
        elif not entry.translated():
            missing.append(key if isinstance(key, str) else f"{key[0]} | {key[1]}")
        out.append(entry.render())
    filled = "\n\n".join(out) + "\n"
    filled = filled.replace('"Content-Type: text/plain; charset=CHARSET\\n"', '"Content-Type: text/plain; charset=UTF-8\\n"')
    return filled, missing


def main(path: Path) -> int:
    from translations_fr import FR

    text, missing = fill(path.read_text(), FR)
    path.write_text(text)
    if missing:
        print(f"{len(missing)} strings without a French translation:", *missing, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
