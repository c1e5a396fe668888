"""The contact page and its write paths as agents and supervisors use them: notes, tags,
waiting on the customer, take over, reassign, transfer, decline reasons, macros."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.contacts import actions as contacts
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.macros import macros_for
from roadie.desk.contacts.models import Contact, ContactEvent, Direction, Macro
from roadie.desk.routing import actions as routing
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled(handled_chat):
    """One brand, two available agents, one chat contact accepted by one of them."""
    return handled_chat(body="Ma box ne marche plus.\nDepuis hier.")


def test_supervisor_opens_any_contact_and_leaves_a_note_the_agent_sees(handled, client, make_user):
    contact, supervisor = handled["contact"], handled["supervisor"]
    client.force_login(supervisor)
    page = client.get(f"/desk/contacts/{contact.pk}/")
    assert page.status_code == 200 and "Ma box ne marche plus" in page.content.decode()
    client.post(f"/desk/contacts/{contact.pk}/note", {"body": "Propose-lui le remboursement."})
    client.force_login(handled["handler"].user)
    seen = client.get(f"/desk/contacts/{contact.pk}/messages").content.decode()
    assert "Propose-lui le remboursement." in seen and "Internal note" in seen
    # Finance staff never open a conversation; an agent it was never offered to gets a 404.
    client.force_login(make_user(role="finance"))
    assert client.get(f"/desk/contacts/{contact.pk}/").status_code == 403
    client.force_login(handled["other"].user)
    assert client.get(f"/desk/contacts/{contact.pk}/").status_code == 404


def test_a_note_never_goes_to_the_customer(handled):
    note = contacts.add_note(handled["handler"].user, handled["contact"], body="vérifier la facture")
    assert note.direction == Direction.NOTE and note.delivered_at is None
    with pytest.raises(ActionError, match="empty"):
        contacts.add_note(handled["handler"].user, handled["contact"], body="  ")
    with pytest.raises(ActionError):
        contacts.add_note(handled["other"].user, handled["contact"], body="pas à moi")


def test_take_over_frees_the_agent_and_lets_the_supervisor_answer(handled):
    contact, supervisor, agent = handled["contact"], handled["supervisor"], handled["handler"]
    assert routing.agent_load(agent.pk) == 2
    routing.take_over(supervisor, contact.pk, note="Je prends.")
    contact.refresh_from_db()
    assert contact.status == "active" and contact.agent is None
    assert routing.agent_load(agent.pk) == 0
    contacts.reply(supervisor, contact, body="Bonjour, je suis superviseur.")
    contacts.resolve(supervisor, contact, wrap_up_code="solved")
    assert ContactEvent.objects.filter(contact=contact, kind="taken_over", user=supervisor).exists()
    with pytest.raises(ActionError, match="supervisors"):
        routing.take_over(agent.user, contact.pk)


def test_reassign_moves_the_contact_and_its_capacity(handled):
    contact, agent, other = handled["contact"], handled["handler"], handled["other"]
    routing.reassign(handled["supervisor"], contact.pk, agent_id=other.pk, note="Pour toi")
    contact.refresh_from_db()
    assert contact.agent == other and contact.status == "active"
    assert routing.agent_load(agent.pk) == 0 and routing.agent_load(other.pk) == 2
    assert Offer.objects.filter(contact=contact, status__in=["pending", "accepted"]).count() == 1
    assert contact.messages.filter(direction="note", body="Pour toi").exists()


def test_reassign_refuses_an_agent_without_capacity_or_certification(handled, make_agent, make_brand):
    contact, other = handled["contact"], handled["other"]
    other.capacity = 1
    other.save()
    with pytest.raises(ActionError, match="capacity"):
        routing.reassign(handled["supervisor"], contact.pk, agent_id=other.pk)
    stranger = make_agent(brands=[make_brand()], presence="available")
    with pytest.raises(ActionError, match="skills"):
        routing.reassign(handled["supervisor"], contact.pk, agent_id=stranger.pk)
    contact.refresh_from_db()
    assert contact.agent == handled["handler"]  # nothing changed
    # Only the handling agent or a supervisor hands a contact over.
    with pytest.raises(ActionError, match="hand"):
        routing.reassign(other.user, contact.pk, agent_id=other.pk)


def test_transfer_to_a_pool_requeues_with_the_skill(handled):
    contact = handled["contact"]
    routing.transfer_to_pool(handled["handler"].user, contact.pk, skill="area:billing")
    contact.refresh_from_db()
    assert contact.status == "queued" and contact.agent is None
    assert "area:billing" in contact.extra_skills
    assert routing.agent_load(handled["handler"].pk) == 0
    with pytest.raises(ActionError, match="area:"):
        routing.transfer_to_pool(handled["supervisor"], contact.pk, skill="billing")


def test_waiting_on_the_customer_frees_capacity_and_their_reply_reopens(handled):
    contact, agent = handled["contact"], handled["handler"]
    old_deadline = contact.deadline_at
    contacts.wait_on_customer(agent.user, contact)
    contact.refresh_from_db()
    assert contact.status == "waiting" and contact.agent == agent
    assert routing.agent_load(agent.pk) == 0
    # The agent may still write while waiting; the customer's answer puts it back in line.
    contacts.reply(agent.user, contact, body="Avez-vous redémarré la box ?")
    later = timezone.now() + timedelta(hours=2)
    contacts.receive(contacts.Inbound(brand=contact.brand, channel=contact.channel, body="Oui",
                                      contact_id=contact.pk, received_at=later))
    contact.refresh_from_db()
    assert contact.status == "queued" and contact.agent is None and contact.waiting_since is None
    assert contact.deadline_at > old_deadline and contact.deadline_at > later


def test_snooze_and_resolve_from_waiting(handled):
    contact, agent = handled["contact"], handled["handler"]
    with pytest.raises(ActionError, match="future"):
        contacts.wait_on_customer(agent.user, contact, until=timezone.now() - timedelta(minutes=1))
    until = timezone.now() + timedelta(hours=1)
    contacts.wait_on_customer(agent.user, contact, until=until)
    contact.refresh_from_db()
    assert contact.snoozed_until == until
    contacts.resolve(agent.user, contact, wrap_up_code="solved")
    contact.refresh_from_db()
    assert contact.status == "resolved" and contact.snoozed_until is None


def test_tags_are_cleaned_and_recorded(handled):
    assert contacts.clean_tags("Billing, urgent  billing") == ["billing", "urgent"]
    with pytest.raises(ActionError, match="at most"):
        contacts.clean_tags(" ".join(f"t{i}" for i in range(20)))
    contact = contacts.set_tags(handled["handler"].user, handled["contact"], tags=["billing"])
    assert contact.tags == ["billing"]
    assert ContactEvent.objects.get(contact=contact, kind="tagged").detail["after"] == ["billing"]


def test_decline_reason_is_recorded(make_brand, make_agent, make_contact):
    brand = make_brand()
    make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand)
    tick()
    offer = contact.offers.get()
    routing.decline_offer(offer.agent.user, offer.pk, reason="skills")
    assert ContactEvent.objects.get(contact=contact, kind="declined").detail["reason"] == "skills"


def test_macros_fill_placeholders_and_keep_unknown_ones(handled):
    brand, contact, agent = handled["brand"], handled["contact"], handled["handler"]
    agent.user.first_name = "Camille"
    agent.user.save()
    Macro.objects.create(brand=brand, title="Accueil",
                         body="Bonjour {customer_name}, ici {agent_name} de {brand_name} ({contact_id}) {oops}")
    Macro.objects.create(brand=brand, title="English", body="Hello", language="en")
    [filled] = macros_for(contact, user=agent.user)
    assert filled.text == f"Bonjour Marie Client, ici Camille de {brand.name} ({contact.pk}) {{oops}}"


def test_offer_banner_shows_customer_first_line_and_deadline(make_brand, make_agent, make_contact, client):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    make_contact(brand=brand, body="Ma box ne marche plus.\nDepuis hier.")
    tick()
    client.force_login(agent.user)
    banner = client.get("/desk/offers/banner").content.decode()
    assert "Marie Client" in banner and "Ma box ne marche plus." in banner and "Depuis hier" not in banner
    assert "data-countdown" in banner and "data-elapsed" in banner
    # Every page of the agent carries it, not only the desk.
    assert "Ma box ne marche plus." in client.get("/kb/").content.decode()


def test_the_pane_is_a_fragment_and_the_full_page_has_my_contacts(handled, client):
    client.force_login(handled["handler"].user)
    url = f"/desk/contacts/{handled['contact'].pk}/"
    pane = client.get(url, HTTP_X_PANE="1").content.decode()
    full = client.get(url).content.decode()
    assert "<html" not in pane and "data-contact-pane" in pane
    assert "My contacts" in full and 'aria-current="true"' in full


def test_supervisor_answers_an_escalation_in_the_thread(handled, client):
    contact = handled["contact"]
    escalation = contacts.escalate(handled["handler"].user, contact, reason="Remboursement possible ?")
    client.force_login(handled["supervisor"])
    page = client.get(f"/desk/contacts/{contact.pk}/").content.decode()
    assert "Remboursement possible ?" in page
    client.post(f"/desk/contacts/{contact.pk}/escalations/{escalation.pk}/answer", {"answer": "Oui, 20 €"})
    escalation.refresh_from_db()
    assert escalation.answer == "Oui, 20 €"
    assert contact.messages.filter(direction="note", body="Oui, 20 €").exists()


def test_offer_banner_and_my_list_redact_what_the_brand_masks(make_brand, make_agent, make_contact, client):
    brand = make_brand(masked=("phone", "email"))
    agent = make_agent(brands=[brand], presence="available")
    contact = make_contact(brand=brand, body="Rappelez-moi au 06 12 34 56 78 svp")
    tick()
    client.force_login(agent.user)
    banner = client.get("/desk/offers/banner").content.decode()
    assert "Rappelez-moi au" in banner and "06 12 34 56 78" not in banner
    routing.accept_offer(agent.user, contact.offers.get().pk)
    listing = client.get("/desk/list").content.decode()
    assert "Rappelez-moi au" in listing and "06 12 34 56 78" not in listing


@pytest.mark.parametrize("language, said", [
    ("fr", "une note ne peut pas être vide"),
    ("en", "a note cannot be empty"),
])
def test_a_refused_action_is_explained_in_the_pages_language(handled, client, language, said):
    contact = handled["contact"]
    client.force_login(handled["handler"].user)
    page = client.post(f"/desk/contacts/{contact.pk}/note", {"body": "  "}, follow=True,
                       HTTP_ACCEPT_LANGUAGE=language)
    assert said in page.content.decode()
    assert not contact.messages.filter(direction=Direction.NOTE).exists()


def test_a_refusal_names_the_status_in_the_readers_language(handled):
    from django.utils import translation

    contacts.resolve(handled["handler"].user, handled["contact"], wrap_up_code="solved")
    resolved = Contact.objects.get(pk=handled["contact"].pk)
    with translation.override("fr"), pytest.raises(ActionError, match="« résolu », pas en cours"):
        contacts.reply(handled["handler"].user, resolved, body="trop tard")
    with translation.override("en"), pytest.raises(ActionError, match="is resolved, not in progress"):
        contacts.reply(handled["handler"].user, resolved, body="too late")
