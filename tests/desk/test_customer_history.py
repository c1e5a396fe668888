"""The customer's earlier contacts with the brand on the contact page, as the brand allows:
the agent serving the customer sees and opens them where the brand shows history, and sees
none (and opens none) where it does not; supervisors always see them."""

from __future__ import annotations

import pytest

from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact
from roadie.desk.routing.actions import accept_offer, make_offer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("show_history", [True, False])
def test_the_agent_sees_earlier_contacts_only_where_the_brand_shows_them(
        make_brand, make_agent, make_contact, make_user, client, show_history):
    brand = make_brand(show_history=show_history)
    earlier = make_contact(brand=brand, email="fidele@example.org", body="Ma première question")
    Contact.objects.filter(pk=earlier.pk).update(status="resolved", subject="Première commande")
    current, _, _ = receive(Inbound(brand=brand, channel="chat", body="Nouvelle question",
                                    customer=CustomerData(email="fidele@example.org")))
    agent = make_agent(brands=[brand], presence="available")
    accept_offer(agent.user, make_offer(contact_id=current.pk, agent_id=agent.pk).pk)

    client.force_login(agent.user)
    page = client.get(f"/desk/contacts/{current.pk}/").content.decode()
    opened = client.get(f"/desk/contacts/{earlier.pk}/")
    if show_history:
        assert f'href="/desk/contacts/{earlier.pk}/"' in page and "Première commande" in page
        assert opened.status_code == 200 and "Ma première question" in opened.content.decode()
    else:
        assert f'href="/desk/contacts/{earlier.pk}/"' not in page and "None visible." in page
        assert opened.status_code == 404
    client.force_login(make_user(role="supervisor"))
    assert f'href="/desk/contacts/{earlier.pk}/"' in client.get(f"/desk/contacts/{current.pk}/").content.decode()
