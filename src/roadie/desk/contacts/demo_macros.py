"""The demo brands' saved replies (macros), in French and English, with placeholders."""

from __future__ import annotations

from roadie.desk.brands.models import Brand
from roadie.desk.contacts.models import Macro

COMMON = [
    ("Accueil", "fr", "Bonjour {customer_name},\n\nJe suis {agent_name}, du service client {brand_name}. "
                      "Je regarde votre demande tout de suite."),
    ("Demande de numéro de commande", "fr", "Pour retrouver votre dossier, pouvez-vous m'indiquer votre "
                                             "numéro de commande ou de client ?"),
    ("Clôture", "fr", "Je reste à votre disposition si besoin. Bonne journée !\n\n{agent_name}, {brand_name}"),
    ("Welcome", "en", "Hello {customer_name},\n\nThis is {agent_name} from {brand_name} customer service. "
                      "I am looking into your request now."),
    ("Closing", "en", "Let me know if there is anything else. Have a good day!\n\n{agent_name}, {brand_name}"),
]

BY_BRAND = {
    "maison-lune": [("Livraison : délai", "fr", "Les meubles volumineux sont fabriqués à la commande : comptez "
                     "2 à 4 semaines. La date exacte figure dans votre suivi de commande.")],
    "ondes": [("Redémarrage de la box", "fr", "Pouvez-vous débrancher votre box 30 secondes puis la "
               "rebrancher ? Dites-moi ensuite si les voyants redeviennent blancs.")],
    "eclat": [("Réaction cutanée", "fr", "Je suis désolée pour cette réaction. Arrêtez d'utiliser le produit "
               "et, si elle persiste, consultez un médecin. Je vous propose le remboursement.")],
}


def seed_macros() -> int:
    """Idempotent: the demo brands get their saved replies (an existing title is kept as is)."""
    made = 0
    for brand in Brand.objects.filter(slug__in=[*BY_BRAND, "neobank"]):
        for title, language, body in [*COMMON, *BY_BRAND.get(brand.slug, [])]:
            _, created = Macro.objects.get_or_create(brand=brand, title=title,
                                                     defaults={"body": body, "language": language})
            made += created
    return made
