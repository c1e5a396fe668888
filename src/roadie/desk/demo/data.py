"""The demo operation: brands, channels, service levels, masked fields, agents, staff.

`load_demo()` is idempotent: running it twice leaves one copy of everything.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from roadie.desk.accounts.models import Role, User
from roadie.desk.agents.models import Agent, Certification, Skill
from roadie.desk.brands.models import Brand, Channel, Pool, ServiceLevelPolicy, WrapUpCode

DEMO_PASSWORD = "roadie"


@dataclass(frozen=True)
class DemoBrand:
    slug: str
    name: str
    masked: tuple[str, ...]
    # channel -> (target, answer seconds, sunday open, premium)
    channels: dict
    address: str


BRANDS = [
    DemoBrand("maison-lune", "Maison Lune", ("payment",), {
        "email": (Decimal("0.90"), 4 * 3600, False, False),
        "chat": (Decimal("0.80"), 60, False, False),
        "whatsapp": (Decimal("0.80"), 300, False, False),
    }, "support@maison-lune.example"),
    DemoBrand("ondes", "Ondes Mobile", ("payment", "address"), {
        "voice": (Decimal("0.80"), 60, True, True),  # the premium "answered within 60 s" line
        "email": (Decimal("0.85"), 8 * 3600, False, False),
        "chat": (Decimal("0.80"), 60, True, False),
        "video": (Decimal("0.80"), 120, False, False),  # sign-language video (LSF)
    }, "support@ondes.example"),
    DemoBrand("eclat", "Éclat Beauté", ("phone", "payment"), {
        "email": (Decimal("0.80"), 24 * 3600, False, False),
        "chat": (Decimal("0.80"), 45, False, False),
        "social": (Decimal("0.80"), 3600, False, False),
    }, "support@eclat.example"),
    DemoBrand("neobank", "Neobank", ("payment", "address"), {
        "email": (Decimal("0.90"), 4 * 3600, False, False),
        "chat": (Decimal("0.80"), 60, False, False),
    }, "support@neobank.example"),
]

# Demo secrets and settings of the webhook channels (docs/channels.md explains each key).
CHANNEL_CONFIG = {
    ("maison-lune", "whatsapp"): {
        "app_secret": "demo-whatsapp-app-secret", "verify_token": "demo-verify-token",
        "phone_number_id": "100000000000001", "access_token": "demo-access-token",
        "graph_url": "sandbox",  # replies are logged, not sent to Meta
    },
    ("eclat", "social"): {"secret": "demo-social-secret"},
    # The chat widget asks name and email before the first message (others: during the chat).
    ("maison-lune", "chat"): {"identity_prompt": "before"},
    ("ondes", "voice"): {
        "secret": "demo-voice-secret", "twilio_auth_token": "demo-twilio-auth-token",
        "price_per_minute": "0.60", "public_holidays": "FR",
        # The brand's own team: outside these hours calls go to the weekend/backup relay.
        "hours": {d: "08:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": "09:00-18:00"},
    },
}

WRAP_UP = [("solved", "Solved", "Résolu"), ("info", "Information given", "Information donnée"),
           ("order", "Order follow-up", "Suivi de commande"), ("complaint", "Complaint", "Réclamation"),
           ("refund", "Refund", "Remboursement")]

FIRST_NAMES = [
    "Camille", "Lucas", "Léa", "Hugo", "Chloé", "Nathan", "Manon", "Louis", "Inès", "Jules",
    "Sarah", "Adam", "Emma", "Théo", "Jade", "Noah", "Lina", "Arthur", "Zoé", "Ethan",
    "Alice", "Paul", "Nora", "Gabriel", "Elsa", "Malik", "Rose", "Yanis",
]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel"]

# Logins a person uses to try the demo; other agents are driven by the traffic generator.
HUMAN_AGENTS = ("camille", "lucas", "lea")
# The next agents (in creation order) are driven by the demo's traffic generator. They are
# nobody's regulars, so that the brands' regular roadies (the people above) are offered first.
DEMO_BOTS = 10


@functools.cache
def _demo_password_hash() -> str:
    # Hashed once: the same password for every demo login, and hashing is slow on purpose.
    return make_password(DEMO_PASSWORD)


def _user(username: str, *, role: str, first: str = "", last: str = "", brand=None,
          superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "first_name": first, "last_name": last, "brand": brand,
                  "is_staff": superuser, "is_superuser": superuser},
    )
    if created:
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def load_demo(*, agents: int = 28, seed: int = 7) -> dict:
    rng = random.Random(seed)
    brands = {}
    for spec in BRANDS:
        brand, _ = Brand.objects.update_or_create(
            slug=spec.slug, defaults={"name": spec.name, "masked_fields": list(spec.masked)}
        )
        brands[spec.slug] = brand
        for kind, (target, seconds, sunday, premium) in spec.channels.items():
            address = spec.address if kind == "email" else f"{spec.slug}-{kind}"
            Channel.objects.update_or_create(
                kind=kind, address=address,
                defaults={"brand": brand, "sunday_open": sunday, "premium": premium,
                          "config": CHANNEL_CONFIG.get((spec.slug, kind), {})},
            )
            ServiceLevelPolicy.objects.update_or_create(
                brand=brand, channel=kind, defaults={"target": target, "answer_seconds": seconds}
            )
        # A brand names its own codes, in its own language (the demo brands are French).
        for code, _label_en, label_fr in WRAP_UP:
            WrapUpCode.objects.get_or_create(brand=brand, code=code, defaults={"label": label_fr})
        # Brand administrators: they keep their brand's knowledge base and settings.
        _user(f"brand-{spec.slug}", role=Role.BRAND_ADMIN, first=spec.name, brand=brand)

    pooled, _ = Pool.objects.get_or_create(slug="pooled", defaults={"name": "Pooled portfolio"})
    pooled.brands.set(brands.values())
    relay, _ = Pool.objects.get_or_create(slug="weekend-relay", defaults={"name": "Weekend relay"})
    pooled.overflow_to = relay
    pooled.save(update_fields=["overflow_to"])

    _user("admin", role=Role.ADMIN, first="Ada", last="Admin", superuser=True)
    _user("supervisor", role=Role.SUPERVISOR, first="Sophie", last="Superviseure")

    slugs = list(brands)
    for i in range(agents):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        username = first.lower().replace("é", "e").replace("è", "e").replace("ï", "i") \
            .replace("ë", "e").replace("ô", "o")
        if i >= len(FIRST_NAMES):
            username += str(i)
        user = _user(username, role=Role.AGENT, first=first, last=rng.choice(LAST_NAMES))
        languages = ["fr"]
        if i % 3 != 2 or username in HUMAN_AGENTS:
            languages.append("en")
        if i % 7 == 3:
            languages.append("es")
        if i % 9 == 4:
            languages.append("de")
        agent, _ = Agent.objects.get_or_create(
            user=user,
            defaults={"languages": languages, "sign_language": i in (5, 17),
                      "is_backup": i % 6 == 0},
        )
        # Humans are certified everywhere so they see traffic from every brand.
        bot = len(HUMAN_AGENTS) <= i < len(HUMAN_AGENTS) + DEMO_BOTS
        certified = slugs if username in HUMAN_AGENTS else rng.sample(slugs, k=rng.choice([2, 3, 3, 4]))
        for n, slug in enumerate(certified):
            Certification.objects.get_or_create(
                agent=agent, brand=brands[slug],
                defaults={"regular": username in HUMAN_AGENTS or (n < 2 and not bot),
                          "proficiency": rng.randint(2, 5)},
            )
        if i % 4 == 0:
            Skill.objects.get_or_create(agent=agent, name="billing", defaults={"level": rng.randint(2, 5)})
    from roadie.desk.kb.demo.seed import seed_kb

    seed_kb()
    from roadie.desk.contacts.demo_macros import seed_macros

    seed_macros()
    return {"brands": len(brands), "agents": Agent.objects.count()}


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, username, password) of every login the README lists."""
    rows = [("operator administrator", "admin", DEMO_PASSWORD), ("supervisor", "supervisor", DEMO_PASSWORD)]
    rows.append(("finance (pay, invoices, ledger)", "finance", DEMO_PASSWORD))
    rows += [("agent", name, DEMO_PASSWORD) for name in HUMAN_AGENTS]
    rows += [(f"brand user ({b.name})", f"brand-{b.slug}", DEMO_PASSWORD) for b in BRANDS]
    rows += [("quality reviewer", "qa", DEMO_PASSWORD), ("quality expert", "qa-expert", DEMO_PASSWORD)]
    return rows
