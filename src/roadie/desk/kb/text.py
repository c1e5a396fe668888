"""Text for search, in plain Python: folding, tokens, French and English stems, snippets.

The same functions index an article and read a query, so both sides always agree:
"Meublé", "meubles" and "meuble" all become the stem ``meubl``. Nothing here touches
Django or a database.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_EN = snowballstemmer.stemmer("english")
_FR = snowballstemmer.stemmer("french")

WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Words too common to say anything about an article (folded, accents removed).
_STOPWORDS = """
a about after again all am an and any are as at be been before being but by can could did do
does doing don dont for from had has have having he her here hers him his how i if im in into is
it its ive just me more most my myself no nor not now of off on once only or other our ours out
over own please same she should so some such than that the their theirs them then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself hi hello thanks thank can cant get got still
au aux avec ce ces cette dans de des du elle elles en est et etre eu il ils je la le les leur
leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses
son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y ete etais etait suis sont
ai as avons avez ont fait faire bonjour merci cordialement svp plait peux peut pouvez voudrais
"""
STOPWORDS = frozenset(_STOPWORDS.split())


def fold(text: str) -> str:
    """Lower case, accents removed: ``Meublé`` -> ``meuble``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded words of a text, in order (stop words kept)."""
    return WORD.findall(fold(text))


@lru_cache(maxsize=200_000)
def stems_of(word: str) -> tuple[str, ...]:
    """The English and French stems of one folded word (one if they agree)."""
    if word.isdigit() or len(word) < 3:
        return (word,)
    en = _EN.stemWord(word)
    fr = fold(_FR.stemWord(word))
    return (en,) if en == fr else (en, fr)


def index_terms(text: str) -> str:
    """The space-separated stems of a text, for the index (stop words dropped)."""
    out: list[str] = []
    for w in words(text):
        if w not in STOPWORDS:
            out.extend(stems_of(w))
    return " ".join(out)


def query_words(text: str, *, limit: int = 24) -> list[str]:
    """The distinct meaningful words of a query, in order, at most ``limit``."""
    seen: dict[str, None] = {}
    for w in words(text):
        if w not in STOPWORDS and (len(w) > 1 or w.isdigit()):
            seen.setdefault(w, None)
    return list(seen)[:limit]


def edit_distance(a: str, b: str, *, cap: int = 3) -> int:
    """Edit distance where a swap of two neighbours counts as one typo (optimal string
    alignment), stopping early once it is sure to exceed ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if before is not None and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > cap:
            return cap + 1
        before, previous = previous, current
    return previous[-1]


def allowed_typos(word: str) -> int:
    return 0 if len(word) < 4 else (1 if len(word) < 8 else 2)


@lru_cache(maxsize=200_000)
def _head(token: str) -> str:
    """The first two letters of a raw word, folded; a folded word of one letter is its own."""
    return fold(token)[:2]


@lru_cache(maxsize=200_000)
def _token_stems(token: str) -> frozenset[str]:
    """Stems of one raw word as written (empty for a stop word)."""
    w = fold(token)
    return frozenset() if w in STOPWORDS else frozenset(stems_of(w))


def snippet(text: str, query_stems: set[str], *, width: int = 24, scan: int = 600) -> str:
    """An HTML-escaped fragment of ``text`` around the densest run of query words (among the
    first ``scan`` words), each matching word wrapped in ``<mark>``. Safe to render as HTML."""
    spans = [m.span() for m in itertools.islice(WORD.finditer(text), scan + 1)]
    after = spans.pop()[0] if len(spans) > scan else len(text)  # where the scan's tail ends
    if not spans:
        return html.escape(text[:200])
    # Each stem of a word begins with the word's own first two letters (or is one letter the
    # word begins with: a test holds Snowball to it), so a word that begins otherwise than
    # every query stem is not stemmed at all.
    heads = {s[:2] for s in query_stems}
    tokens = [text[s:e] for s, e in spans]
    hits = [n for n, token in enumerate(tokens)
            if ((head := _head(token)) in heads or head[:1] in heads) and _token_stems(token) & query_stems]
    start = 0
    if hits:
        # The first hit that starts the window of ``width`` words holding the most hits.
        best, most, j = hits[0], 0, 0
        for i, h in enumerate(hits):
            while j < len(hits) and hits[j] < h + width:
                j += 1
            if j - i > most:
                best, most = h, j - i
        start = max(0, best - 4)
    end = min(len(spans), start + width)
    marked = set(hits)
    out, at = [], spans[start][0]
    for n in range(start, end):
        s, e = spans[n]
        word = html.escape(tokens[n])
        out += [html.escape(text[at:s]), f"<mark>{word}</mark>" if n in marked else word]
        at = e
    if end == len(spans):  # the last word scanned: what follows it, up to the next word
        out.append(html.escape(text[at:after]))
    more = end < len(spans) or after < len(text)
    return ("… " if start > 0 else "") + "".join(out).strip() + (" …" if more else "")


_CODE = re.compile(r"```.*?```", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"^[#>\-*+\s]+|[*_`|]+", re.M)
_NUMBERED = re.compile(r"^\s*\d+\.\s+", re.M)
_SPACE = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """Markdown with its markup characters removed, for snippets and embeddings."""
    text = _CODE.sub(" ", markdown)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _MARKUP.sub(" ", text)
    text = _NUMBERED.sub(" ", text)
    return _SPACE.sub(" ", text).strip()
