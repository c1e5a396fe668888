"""Fill a gettext catalogue's empty msgstr from scripts/translations_fr.py; list what is missing."""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from translations_fr import FR  # noqa: E402


def unquote(s: str) -> str:
    return s.encode("raw_unicode_escape").decode("unicode_escape").encode("latin-1").decode("utf-8")


def quote(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


path = Path(sys.argv[1])
text = path.read_text()
text = text.replace("#, fuzzy\n", "", 1)
# msgmerge guesses a translation for a new string from a similar old one ("fuzzy"): never keep
# a guess, the translation comes from translations_fr.py or stays empty.
text = re.sub(r'^#, fuzzy((?:, [\w-]+)*)\n(?:#\|.*\n)*((?:msgid|msgid_plural) .*\n(?:".*"\n)*)'
              r'msgstr ".*"\n(?:".*"\n)*',
              lambda m: (f"#{m.group(1)}\n" if m.group(1) else "") + m.group(2) + 'msgstr ""\n',
              text, flags=re.M)
# A translation written on the msgstr line never continues on the next lines (msgmerge starts
# a wrapped msgstr with ""): continuation lines there are left from an earlier fill; drop them.
text = re.sub(r'^(msgstr ".+"\n)(?:".*"\n)+', r'\1', text, flags=re.M)
missing = []


def parts(block: str) -> str:
    return "".join(re.findall(r'"(.*)"', block)).replace('\\"', '"').replace("\\n", "\n")


def fill(match: re.Match) -> str:
    """Every entry, its msgid on one line or wrapped: the translation of translations_fr.py
    wins (so a wrong or duplicated msgstr is repaired); an empty one without it is listed."""
    msgid, msgstr = match.group(1), match.group(2)
    key = parts(msgid)
    if not key:
        return match.group(0)
    if key in FR:
        return f'msgid {msgid}msgstr "{quote(FR[key])}"'
    if not parts(msgstr):
        missing.append(key)
    return match.group(0)


text = re.sub(r'^msgid (".*"\n(?:".*"\n)*)msgstr (".*"(?:\n".*")*)$', fill, text, flags=re.M)
text = re.sub(r'"Content-Type: text/plain; charset=CHARSET\\n"', '"Content-Type: text/plain; charset=UTF-8\\n"', text)
path.write_text(text)
if missing:
    print(f"{len(missing)} strings without a French translation:", *missing, sep="\n  ")
