"""scripts/fill_po.py fills a catalogue from translations_fr.py: plain msgids, msgids with a
context (French gender differs: la marque est active, l'agent est actif), plural entries,
msgmerge's fuzzy guesses dropped, what is missing listed; and the committed catalogue gives
the brand state its feminine form."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("fill_po", ROOT / "scripts" / "fill_po.py")
fill_po = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fill_po)

CATALOGUE = r'''# SOME DESCRIPTIVE TITLE.
#, fuzzy
msgid ""
msgstr ""
"Content-Type: text/plain; charset=CHARSET\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

msgid "active"
msgstr ""

msgctxt "brand state"
msgid "active"
msgstr ""

#, fuzzy, python-format
#| msgid "%(n)s s"
msgid "%(n)s seat"
msgid_plural "%(n)s seats"
msgstr[0] "%(n)s s"
msgstr[1] "%(n)s s"

#, fuzzy
#| msgid "Save"
msgid "Save settings"
msgstr "Enregistrer"

msgid "Untranslated \"quoted\""
msgstr ""

msgid ""
"Two\n"
"lines"
msgstr ""

#~ msgid "Gone"
#~ msgstr "Parti"
'''

FR = {
    "active": "actif",
    ("brand state", "active"): "active",
    "%(n)s seat": ("%(n)s place", "%(n)s places"),
    "Two\nlines": "Deux\nlignes",
}


def _compiled(tmp_path: Path, text: str) -> Path:
    po = tmp_path / "django.po"
    po.write_text(text)
    mo = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
    return mo


def test_contexts_plurals_and_fuzzy_guesses(tmp_path):
    import gettext

    text, missing = fill_po.fill(CATALOGUE, FR)
    assert missing == ["Save settings", 'Untranslated "quoted"']
    assert "fuzzy" not in text and "#|" not in text and "%(n)s s\"" not in text
    assert 'charset=UTF-8' in text and '#~ msgstr "Parti"' in text
    assert '#, python-format\nmsgid "%(n)s seat"' in text
    catalogue = gettext.GNUTranslations(_compiled(tmp_path, text).open("rb"))
    assert catalogue.gettext("active") == "actif"
    assert catalogue.pgettext("brand state", "active") == "active"
    assert catalogue.ngettext("%(n)s seat", "%(n)s seats", 1) == "%(n)s place"
    assert catalogue.ngettext("%(n)s seat", "%(n)s seats", 2) == "%(n)s places"
    assert catalogue.gettext("Two\nlines") == "Deux\nlignes"
    assert catalogue.gettext("Save settings") == "Save settings"   # the guess was not kept
    # Filling again changes nothing.
    assert fill_po.fill(text, FR) == (text, missing)


def test_a_translation_of_the_wrong_shape_is_refused():
    with pytest.raises(SystemExit, match="plural entry"):
        fill_po.fill(CATALOGUE, {**FR, "%(n)s seat": "%(n)s place"})
    with pytest.raises(SystemExit, match="not a plural entry"):
        fill_po.fill(CATALOGUE, {**FR, "active": ("actif", "actifs")})


def test_the_brand_state_is_feminine_and_a_person_state_masculine_in_french():
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    with translation.override("fr"):
        assert (pgettext("brand state", "active"), pgettext("brand state", "inactive")) == ("active", "inactive")
        assert (gettext("active"), gettext("inactive")) == ("actif", "inactif")
    with translation.override("en"):
        assert pgettext("brand state", "active") == "active"
