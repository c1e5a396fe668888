"""Text for search: folding, stems in both languages, snippets."""

from hypothesis import given, settings
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


def _snippet_before(text, query_stems, *, width=24, scan=600):
    """The snippet as it was written first (every piece of the text tokenised, the densest
    window found by counting for every hit), kept here as the reference of the faster one."""
    import html
    import re

    from roadie.desk.kb.text import _token_stems

    pieces = re.findall(r"[^\W_]+|[\W_]+", text)
    word_at = [i for i, p in enumerate(pieces) if p[0].isalnum()][:scan]
    if not word_at:
        return html.escape(text[:200])
    hits = [n for n, i in enumerate(word_at) if _token_stems(pieces[i]) & query_stems]
    start = 0
    if hits:
        best = max(hits, key=lambda h: sum(1 for o in hits if h <= o < h + width))
        start = max(0, best - 4)
    end = min(len(word_at), start + width)
    first = word_at[start]
    last = word_at[end - 1] + (2 if end == len(word_at) else 1)
    marked = {word_at[n] for n in hits}
    out = "".join(f"<mark>{html.escape(pieces[i])}</mark>" if i in marked else html.escape(pieces[i])
                  for i in range(first, min(last, len(pieces))))
    more = end < len(word_at) or word_at[-1] + 2 < len(pieces)
    return ("… " if start > 0 else "") + out.strip() + (" …" if more else "")


SNIPPET_WORDS = ["meubles", "livraison", "carte", "Livrés", "the", "de", "_x_", "<b>", "2", "é"]


@settings(max_examples=300)
@given(st.lists(st.one_of(st.sampled_from(SNIPPET_WORDS), st.sampled_from(SNIPPET_WORDS[:4] + ["a"] * 6),
                          st.text(" .,;_&<>\"'é1aB\n", max_size=3)),
                max_size=60).map(" ".join),
       st.sets(st.sampled_from(["meubl", "livraison", "livr", "cart", "2", "e"])),
       st.integers(1, 8), st.integers(1, 30))
def test_snippet_is_the_same_as_the_first_version(text, stems, width, scan):
    assert snippet(text, stems, width=width, scan=scan) == _snippet_before(text, stems, width=width,
                                                                           scan=scan)
    assert snippet(text, stems) == _snippet_before(text, stems)


@settings(max_examples=2000)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzaeiouyéèàçœøß0123456789", min_size=1, max_size=14))
def test_a_words_stems_begin_with_its_first_two_letters(raw):
    """What the snippet relies on to stem only the words that may match: each stem of a folded
    word begins with the word's first two letters, or is a single letter the word begins with."""
    word = fold(raw)
    for stem in stems_of(word):
        assert word.startswith(stem[:2]), (word, stem)
