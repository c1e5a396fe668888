"""Articles most likely to help with a contact, computed from the contact's own text."""

from __future__ import annotations

from roadie.desk.contacts.models import Direction
from roadie.desk.kb import actions
from roadie.desk.kb.access import readable_brands
from roadie.desk.kb.search import Hit, search

SUGGESTIONS = 5


def contact_query(contact) -> str:
    """The customer's words: the subject and the inbound messages, latest last (bounded)."""
    inbound = [m.body for m in contact.messages.all() if m.direction == Direction.INBOUND]
    text = " ".join([contact.subject, *inbound[-3:]])
    return text[-1500:]


def suggestions_for_contact(user, contact, *, limit: int = SUGGESTIONS, record: bool = True) -> list[Hit]:
    """Search the contact's brand (if the user may read it) with the contact's text; what was
    suggested is recorded once per article and contact."""
    if not readable_brands(user).filter(pk=contact.brand_id).exists():
        return []
    query = contact_query(contact)
    hits = search([contact.brand_id], query, limit=limit)
    if record and hits:
        actions.record_suggestions(user, contact, [h.article for h in hits], query=query)
    return hits
