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
text = re.sub(r'^#, fuzzy(, python-format)?\n(?:#\|.*\n)*(msgid ".*")\nmsgstr ".*"$',
              lambda m: ("#, python-format\n" if m.group(1) else "") + m.group(2) + '\nmsgstr ""',
              text, flags=re.M)
missing = []


def fill(match: re.Match) -> str:
    msgid = match.group(1)
    key = msgid.replace('\\"', '"').replace("\\n", "\n")
    if not key:
        return match.group(0)
    if key in FR:
        return f'msgid "{msgid}"\nmsgstr "{quote(FR[key])}"'
    missing.append(key)
    return match.group(0)


text = re.sub(r'^msgid "(.*)"\nmsgstr ""$', fill, text, flags=re.M)


def fill_wrapped(match: re.Match) -> str:
    """A long msgid that makemessages wrapped over several lines (msgid "" then the parts)."""
    key = "".join(re.findall(r'^"(.*)"$', match.group(1), flags=re.M))
    key = key.replace('\\"', '"').replace("\\n", "\n")
    if key in FR:
        return f'msgid ""\n{match.group(1)}msgstr "{quote(FR[key])}"'
    missing.append(key)
    return match.group(0)


text = re.sub(r'^msgid ""\n((?:".+"\n)+)msgstr ""$(?!\n")', fill_wrapped, text, flags=re.M)
text = re.sub(r'"Content-Type: text/plain; charset=CHARSET\\n"', '"Content-Type: text/plain; charset=UTF-8\\n"', text)
path.write_text(text)
if missing:
    print(f"{len(missing)} strings without a French translation:", *missing, sep="\n  ")
