"""Fixtures for quality: a brand with a scorecard, a roadie, contacts that roadie resolved."""

from __future__ import annotations

import pytest
from qa_sample import CARD


@pytest.fixture
def resolved_contact(make_contact):
    from roadie.desk.contacts import actions
    from roadie.desk.contacts.models import Contact, Status

    def make(*, agent, brand, channel: str = "chat", body: str = "Bonjour", email: str = ""):
        contact = make_contact(brand=brand, channel=channel, body=body, email=email)
        Contact.objects.filter(pk=contact.pk).update(agent=agent, status=Status.ACTIVE)
        contact.refresh_from_db()
        actions.reply(agent.user, contact, body="Voici la réponse.")
        return actions.resolve(agent.user, contact, wrap_up_code="solved")

    return make


@pytest.fixture
def quality_world(make_brand, make_agent, make_user):
    from roadie.desk.quality import actions

    brand = make_brand(slug="shop", masked=("email", "phone"))
    agent = make_agent(brands=[brand])
    qa = make_user(role="qa")
    card = actions.create_scorecard(qa, brand=brand, name="Chat", definition=CARD)
    return {"brand": brand, "agent": agent, "qa": qa, "card": card, "version": card.current()}
