"""A brand's saved replies with their placeholders filled for one contact.

Placeholders: ``{customer_name}``, ``{agent_name}``, ``{brand_name}``, ``{contact_id}``. An
unknown placeholder is left as typed (so that a typo shows instead of vanishing); a customer
name the brand hides from agents is never filled in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from roadie.desk.contacts.access import masked_fields_for, redact_for
from roadie.desk.contacts.models import Contact, Macro

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = ("customer_name", "agent_name", "brand_name", "contact_id")


@dataclass(frozen=True)
class FilledMacro:
    id: int
    title: str
    text: str


def unknown_placeholders(body: str) -> list[str]:
    """Placeholder names in ``body`` that are not filled in (a typo, most likely)."""
    return sorted({m.group(1) for m in PLACEHOLDER.finditer(body)} - set(PLACEHOLDERS))


def fill(body: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def placeholder_values(contact: Contact, *, user) -> dict[str, str]:
    hidden = masked_fields_for(user, contact.brand)
    return {
        "customer_name": "" if "name" in hidden else redact_for(user, contact.brand, contact.customer.name),
        "agent_name": user.first_name or user.get_full_name() or user.username,
        "brand_name": contact.brand.name,
        "contact_id": str(contact.pk),
    }


def macros_for(contact: Contact, *, user) -> list[FilledMacro]:
    """The contact's brand's macros in its language (or for every language), filled in."""
    values = placeholder_values(contact, user=user)
    query = Macro.objects.filter(Q(language="") | Q(language=contact.language), brand_id=contact.brand_id)
    return [FilledMacro(id=m.pk, title=m.title, text=fill(m.body, values)) for m in query]
