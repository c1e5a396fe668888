"""The knowledge base keeps no customer data in its usage figures (the searched text is
redacted before it is stored) and a search for a contact is audited like a conversation
read."""

from __future__ import annotations

import pytest

from roadie.desk.audit.models import AuditEntry
from roadie.desk.kb import actions
from roadie.desk.kb.models import UsageEvent
from roadie.desk.kb.suggest import suggestions_for_contact

pytestmark = pytest.mark.django_db

SECRETS = ("4970 1012 3456 7890", "06 12 34 56 78", "FR76 3000 6000 0112 3456 7890 189", "lea.martin@example.org")


def test_stored_queries_hold_no_card_phone_iban_or_email(furniture, make_agent, make_contact, client):
    agent = make_agent(brands=[furniture], presence="available")
    text = "livraison de mon canapé, ma carte " + ", ".join(SECRETS)
    contact = make_contact(brand=furniture, body=text)
    assert suggestions_for_contact(agent.user, contact)  # recorded as suggested, with the query
    article = furniture.articles.get(slug="livraison")
    client.force_login(agent.user)
    client.get(f"/kb/{furniture.slug}/{article.slug}/", {"from": "search", "q": text, "rank": 1})
    queries = list(UsageEvent.objects.values_list("query", flat=True))
    assert queries and all("livraison" in q for q in queries)
    for q in queries:
        for secret in SECRETS:
            assert secret not in q and secret.replace(" ", "") not in q.replace(" ", ""), (secret, q)
    assert any("7890" in q for q in queries)  # a card keeps its last four, as everywhere
    assert actions.stored_query("x" * 3000) == "x" * 500


def test_a_contact_search_is_audited(furniture, make_user, make_contact, client):
    supervisor = make_user(role="supervisor")
    contact = make_contact(brand=furniture)
    client.force_login(supervisor)
    response = client.get(f"/kb/contact/{contact.pk}/search", {"q": "livraison"})
    assert response.status_code == 200
    entry = AuditEntry.objects.get(via="kb-search")
    assert (entry.user_id, entry.action, entry.object_id, entry.brand_id) == (
        supervisor.pk, "conversation.read", str(contact.pk), furniture.pk)


def test_redaction_leaves_ordinary_french_queries_and_numbers_alone():
    """Only cards, IBANs, phones and emails are replaced: none of the French evaluation set's
    queries, nor order numbers, amounts, postcodes or dates a customer types."""
    from roadie.desk.kb.evaluation import french_set_path, read_cases

    queries = [q for _, q, _ in read_cases(french_set_path())]
    assert len(queries) > 100
    assert [q for q in queries if actions.stored_query(q) != q] == []
    for text in ("commande 12345678 du 12/03/2026", "remboursement de 49,90 €",
                 "code postal 75011 Paris", "facture 2026-000123 de 3 articles"):
        assert actions.stored_query(text) == text
    assert "45 67" not in actions.stored_query("rappelez-moi au 01 23 45 67 89")
