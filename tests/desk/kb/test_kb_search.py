"""Full-text search in the database (the same tests run on SQLite and PostgreSQL)."""

import pytest

from roadie.desk.kb import actions
from roadie.desk.kb.search import fuse, search


def slugs(brand, q, **kw):
    return [h.article.slug for h in search([brand.pk], q, mode="fulltext", **kw)]


@pytest.mark.parametrize("q", ["meuble", "meubles", "Meublé", "MEUBLES"])
def test_french_stems_and_accents_find_each_other(furniture, q):
    found = slugs(furniture, q)
    assert "livraison" in found and "garantie" in found


def test_english_stemming(bank):
    assert slugs(bank, "my cards arriving")[0] == "card_arrival"
    assert slugs(bank, "exchange rates abroad")[0] == "exchange_rate"


@pytest.mark.parametrize("q", ["livriason", "garanite", "renvoyr"])
def test_typos_are_tolerated(furniture, q):
    assert slugs(furniture, q), q


def test_ranking_prefers_the_article_about_it(furniture):
    assert slugs(furniture, "délai de livraison")[0] == "livraison"
    assert slugs(furniture, "renvoyer un article non monté")[0] == "retour"


def test_snippets_highlight_the_match(furniture):
    hit = search([furniture.pk], "semaines", mode="fulltext")[0]
    assert "<mark>semaines</mark>" in hit.snippet


def test_only_published_articles_of_the_given_brands(furniture, bank):
    assert "brouillon" not in slugs(furniture, "livraison gratuite")
    assert slugs(bank, "livraison") == []
    both = {h.article.slug for h in search([furniture.pk, bank.pk], "card livraison", mode="fulltext")}
    assert {"livraison", "card_arrival"} <= both


def test_index_follows_edits_and_status(furniture):
    from roadie.desk.kb.models import Article

    article = Article.objects.get(brand=furniture, slug="retour")
    actions.update_article(None, article, body="Échange possible sous quinze jours.")
    assert slugs(furniture, "échange") == ["retour"]
    actions.set_status(None, article, "archived")
    assert slugs(furniture, "échange") == []
    draft = Article.objects.get(brand=furniture, slug="brouillon")
    actions.set_status(None, draft, "published")
    assert "brouillon" in slugs(furniture, "gratuite")


def test_empty_and_stopword_queries_find_nothing(furniture):
    assert slugs(furniture, "") == []
    assert slugs(furniture, "le la les de") == []
    assert slugs(furniture, '"*) OR NEAR(') == []


def test_hybrid_without_the_model_is_full_text(furniture, settings):
    settings.ROADIE_KB_SEMANTIC = False
    a = [h.article.slug for h in search([furniture.pk], "livraison", mode="hybrid")]
    assert a == slugs(furniture, "livraison")


def test_reciprocal_rank_fusion():
    fused = [i for i, _ in fuse([[1, 2, 3], [3, 1, 4]])]
    assert fused[:2] == [1, 3] and set(fused) == {1, 2, 3, 4}


def test_deleted_articles_leave_the_index(furniture, make_article):
    from roadie.desk.kb.models import Article
    from roadie.desk.kb.search import ranked_ids

    Article.objects.filter(brand=furniture).delete()
    assert ranked_ids([furniture.pk], "meubles livraison retour", mode="fulltext")[0] == []
    furniture.delete()


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_index_too(make_brand, make_article):
    from django.core.management import call_command
    from django.db import connection

    make_article(brand=make_brand(), title="Livraison", body="Livrée vite.")
    call_command("flush", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM " + ("kb_fts" if connection.vendor == "sqlite" else "kb_search"))
        assert cursor.fetchone()[0] == 0
