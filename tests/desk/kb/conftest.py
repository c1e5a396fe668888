"""Fixtures for the knowledge base: a small shipped corpus in French and English."""

from __future__ import annotations

import pytest

from roadie.desk.kb import actions
from roadie.desk.kb.actions import ArticleData


@pytest.fixture
def make_article(db):
    def make(*, brand, title: str, body: str, slug: str = "", status: str = "published",
             category: str = "", tags: tuple[str, ...] = (), summary: str = "", user=None):
        return actions.create_article(user, brand, ArticleData(
            title=title, body=body, slug=slug, status=status, category=category, tags=tags,
            summary=summary))

    return make


@pytest.fixture
def furniture(make_brand, make_article):
    """A furniture brand with a few French articles."""
    brand = make_brand(slug="meubles-co")
    make_article(brand=brand, slug="livraison", title="Livraison des meubles",
                 body="Les meubles volumineux sont livrés en 2 à 4 semaines. Un créneau est proposé.",
                 category="Livraison", tags=("livraison", "délai"))
    make_article(brand=brand, slug="retour", title="Retourner un article",
                 body="Vous avez 30 jours pour renvoyer un article non monté dans son emballage.",
                 category="Retours")
    make_article(brand=brand, slug="garantie", title="Garantie",
                 body="Un canapé meublé de coussins est garanti cinq ans. La garantie couvre les défauts.",
                 category="SAV")
    make_article(brand=brand, slug="brouillon", title="Brouillon secret sur la livraison",
                 body="Livraison gratuite le mois prochain (pas encore publié).", status="draft")
    return brand


@pytest.fixture
def bank(make_brand, make_article):
    """A bank brand with a few English articles."""
    brand = make_brand(slug="bank-co")
    make_article(brand=brand, slug="card_arrival", title="Card arrival",
                 body="How long until my new card arrives? Cards are delivered within 5 working days.")
    make_article(brand=brand, slug="lost_or_stolen_card", title="Lost or stolen card",
                 body="Freeze the card in the app right away, then order a replacement.")
    make_article(brand=brand, slug="exchange_rate", title="Exchange rate",
                 body="We use the interbank exchange rate when you pay abroad in foreign currencies.")
    return brand
