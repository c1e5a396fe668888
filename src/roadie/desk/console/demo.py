"""What the demo shows of the console on first start: the demo brands' wrap-up codes get their
English labels through the console's write path, as an administrator would set them, so the
desk shows them on English pages and the audit log opens with their entries; and one agent
onboarded but not activated yet (``INVITED``: certified for Ondes Mobile, no password, so the
agents page shows "invited" and their page the invitation link). Made after every other demo
seeder, so that none of them counts, books or pays this agent; never a traffic bot (no
usable password). Idempotent."""

from __future__ import annotations

from roadie.desk.accounts.models import Role, User
from roadie.desk.agents import actions as agents
from roadie.desk.brands import actions as brands
from roadie.desk.brands.models import Brand, WrapUpCode

INVITED = "ines"


def seed_console() -> int:
    from roadie.desk.demo.data import WRAP_UP

    labels = {code: label_en for code, label_en, _fr in WRAP_UP}
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return 0
    done = 0
    for code in WrapUpCode.objects.filter(label_en="", code__in=list(labels)).select_related("brand"):
        brands.set_wrap_up_code(admin, code.brand, code=code.code, label=code.label,
                                label_en=labels[code.code], via="demo")
        done += 1
    seed_invited_agent(admin)
    return done


def seed_invited_agent(admin) -> None:
    """An agent the administrator onboarded who has not set a password from the invitation."""
    if User.objects.filter(username=INVITED).exists() or not Brand.objects.filter(slug="ondes").exists():
        return
    agents.create_agent(admin, username=INVITED, email="ines@example.org", first_name="Inès", last_name="Garnier",
                        languages=("fr", "en"), certifications=[agents.Cert(brand="ondes")], via="demo")
