"""Text for search: folding, stems in both languages, snippets."""

from hypothesis import given
from hypothesis import strategies as st

from roadie.desk.kb.text import edit_distance, fold, index_terms, query_words, snippet, stems_of


def test_accents_and_case_fold():
    assert fold("Meublé ÉCLAT") == "meuble eclat"


def test_french_inflections_share_a_stem():
    stems = [set(stems_of(fold(w))) for w in ("meuble", "meubles", "Meublé")]
    assert stems[0] & stems[1] & stems[2]


def test_english_inflections_share_a_stem():
    assert set(stems_of("cards")) & set(stems_of("card"))
    assert set(stems_of("arriving")) & set(stems_of("arrived"))


def test_stop_words_are_not_indexed_nor_queried():
    assert "the" not in index_terms("the card").split()
    assert query_words("Bonjour, où est mon colis ?") == ["colis"]


def test_edit_distance():
    assert edit_distance("meubels", "meubles") == 1  # a swap is one typo
    assert edit_distance("livraison", "livriason") == 1
    assert edit_distance("garantie", "garanti") == 1
    assert edit_distance("abc", "abcdefgh", cap=2) == 3


def test_snippet_marks_matches_and_escapes_html():
    text = "Intro. Les <b>meubles</b> sont livrés vite."
    out = snippet(text, set(stems_of("meuble")))
    assert "&lt;b&gt;<mark>meubles</mark>&lt;/b&gt;" in out
    assert "<b>" not in out


@given(st.text(alphabet="abcdeé", max_size=9), st.text(alphabet="abcdeé", max_size=9))
def test_search_s_typo_distance_is_rapidfuzz_osa(a, b):
    """The SQLite search takes its typo candidates with rapidfuzz's OSA distance: the same
    distance as edit_distance (a swap of neighbours counts as one), up to the cap."""
    from rapidfuzz.distance import OSA

    for cap in (1, 2):
        assert min(edit_distance(a, b, cap=cap), cap + 1) == min(OSA.distance(a, b), cap + 1)
