"""What the demo shows of the console on first start: the demo brands' wrap-up codes get their
English labels through the console's write path, as an administrator would set them, so the
desk shows them on English pages and the audit log opens with their entries. Idempotent."""

from __future__ import annotations

from roadie.desk.accounts.models import Role, User
from roadie.desk.brands import actions as brands
from roadie.desk.brands.models import WrapUpCode


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
    return done
