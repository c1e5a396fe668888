"""Demo knowledge bases: French articles for the demo brands, BANKING77 articles for neobank."""

from __future__ import annotations

from roadie.desk.brands.models import Brand
from roadie.desk.kb import actions
from roadie.desk.kb.demo import banking77
from roadie.desk.kb.demo.articles_fr import DEMO_FR

BANK = "neobank"
# Written for customers as much as for agents: each brand lets its customers read these at
# /help/<brand>/<slug>/, and agents insert their link. The rest stays staff only.
PUBLIC = {
    "maison-lune": {"garantie", "entretien-bois-massif", "echantillons-tissu"},
    "ondes": {"code-puk", "hors-forfait-etranger", "lsf-accessibilite"},
    "eclat": {"date-peremption", "programme-fidelite", "echantillons-offerts"},
}


def french_articles(slug: str) -> list[actions.ArticleData]:
    return [actions.ArticleData(slug=s, title=t, category=c, tags=tags, summary=summary, body=body,
                                status="published", language="fr", public=s in PUBLIC.get(slug, ()))
            for s, t, c, tags, summary, body in DEMO_FR.get(slug, [])]


def seed_kb(*, with_bank: bool = True) -> dict[str, int]:
    """Idempotent: load (or update) the demo articles of the demo brands that exist."""
    counts: dict[str, int] = {}
    for brand in Brand.objects.filter(slug__in=[*DEMO_FR, BANK]):
        if brand.slug == BANK:
            items = banking77.build_articles(banking77.load("train")) if with_bank else []
        else:
            items = french_articles(brand.slug)
        if items:
            result = actions.upsert_articles(None, brand, items, note="demo data")
            counts[brand.slug] = sum(result.values())
    return counts
