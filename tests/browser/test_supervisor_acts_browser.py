"""A supervisor acts on an agent's contact from the board, in Chromium, in English and in
French: the agent asks for help from the contact page, the escalation shows on the board with
a link to the contact, the supervisor answers in the thread (the agent sees it live), tags it
and takes it over. The agent declines an offer with a reason, and hands a contact over to a
colleague. Axe checks cover the board with an escalation and the contact page with its
escalation to answer."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TEXT = {
    "en-US": {"available": "Set Available", "accept": "Accept", "ask": "Ask a supervisor for help",
              "ask_btn": "Ask for help", "answer": "Answer in the thread", "send": "Send",
              "tags": "Tags", "save_tags": "Save tags", "take_over": "Take over (answer it myself)",
              "escalations": "Escalations", "reply": "Your reply", "send_reply": "Send reply",
              "wrap": "Wrap-up code", "resolve": "Resolve"},
    "fr-FR": {"available": "Passer en « Disponible »", "accept": "Accepter",
              "ask": "Demander de l'aide à un superviseur", "ask_btn": "Demander de l'aide",
              "answer": "Répondre dans le fil", "send": "Envoyer", "tags": "Étiquettes",
              "save_tags": "Enregistrer les étiquettes", "take_over": "Reprendre (répondre moi-même)",
              "escalations": "Demandes d'aide", "reply": "Votre réponse", "send_reply": "Envoyer la réponse",
              "wrap": "Code de clôture", "resolve": "Clôturer"},
}


def new_contact(live_roadie, subject: str, body: str) -> dict:
    return live_roadie.api("POST", "/contacts", token=live_roadie.token("admin"), payload={
        "brand": "ondes", "channel": "chat", "subject": subject, "body": body, "language": "fr",
        "customer": {"name": "Jeanne Test", "email": f"{uuid.uuid4().hex[:8]}@example.org"}})


def available(page, label: str) -> None:
    if page.locator("#presence").get_attribute("data-presence") != "available":
        page.get_by_role("button", name=label).click()
    expect(page.locator("#presence")).to_have_attribute("data-presence", "available")


def accepted(live_roadie, agent, t: dict, subject: str) -> dict:
    created = new_contact(live_roadie, subject, "Je voudrais un geste commercial.")
    card = agent.locator("[data-offer]").filter(has_text=subject)
    expect(card).to_be_visible(timeout=30_000)
    card.get_by_role("button", name=t["accept"]).click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))
    return created


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_an_escalation_answered_in_the_thread_then_taken_over(live_roadie, login_as, locale):
    t = TEXT[locale]
    agent = login_as("camille", locale=locale)
    available(agent, t["available"])
    subject = f"Geste {uuid.uuid4().hex[:6]}"
    created = accepted(live_roadie, agent, t, subject)
    question = f"Puis-je offrir 10 euros ? {uuid.uuid4().hex[:4]}"
    agent.get_by_label(t["ask"]).fill(question)
    agent.get_by_role("button", name=t["ask_btn"]).click()
    # The question stays in the thread, in the contact's language (French here).
    expect(agent.locator(".conversation")).to_contain_text(f"Question posée à un superviseur : {question}")

    supervisor = login_as("supervisor", locale=locale)
    escalations = supervisor.get_by_role("region", name=t["escalations"], exact=True)
    item = escalations.locator("article.escalation").filter(has_text=question)
    expect(item).to_be_visible(timeout=15_000)
    assert violations(supervisor) == []
    item.get_by_role("link", name=re.compile(rf"#{created['id']}\b")).click()
    expect(supervisor).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))
    expect(supervisor.locator(".conversation")).to_contain_text("Je voudrais un geste commercial.")
    assert violations(supervisor) == []
    answer = "Oui, 10 euros, pas plus."
    box = supervisor.locator("section.escalations")
    box.get_by_label(t["answer"]).fill(answer)
    box.get_by_role("button", name=t["send"]).click()
    # The pane comes back with the escalation answered (off the list); the conversation may show
    # the answer earlier, from its live refresh, while the pane is still on its way.
    expect(supervisor.locator("section.escalations")).to_have_count(0)
    expect(supervisor.locator(".conversation")).to_contain_text(answer)
    # The agent reads the answer in the thread, without reloading.
    expect(agent.locator(".conversation")).to_contain_text(answer, timeout=15_000)

    supervisor.get_by_label(t["tags"]).fill("Geste VIP")
    supervisor.get_by_role("button", name=t["save_tags"]).click()
    expect(supervisor.get_by_label(t["tags"])).to_have_value("geste vip")
    supervisor.get_by_role("button", name=t["take_over"]).click()
    expect(supervisor.get_by_role("button", name=t["take_over"])).to_have_count(0)
    contact = live_roadie.api("GET", f"/contacts/{created['id']}", token=live_roadie.token("admin"))
    assert (contact["status"], contact["agent"], contact["tags"]) == ("active", None, ["geste", "vip"])
    escalation, = live_roadie.api("GET", f"/contacts/{created['id']}/escalations", token=live_roadie.token("admin"))
    assert (escalation["reason"], escalation["answer"]) == (question, answer)
    # The supervisor answers the customer and resolves it themselves.
    supervisor.get_by_label(t["reply"]).fill("Bonjour, nous vous offrons 10 euros.")
    supervisor.get_by_role("button", name=t["send_reply"]).click()
    expect(supervisor.locator(".conversation")).to_contain_text("nous vous offrons 10 euros")
    supervisor.get_by_label(t["wrap"]).select_option(index=0)
    supervisor.get_by_role("button", name=t["resolve"]).click()
    expect(supervisor.locator("#contact-status")).to_have_attribute("data-status", "resolved")


def test_an_offer_declined_with_a_reason_and_a_contact_handed_to_a_colleague(live_roadie, login_as):
    t = TEXT["en-US"]
    agent = login_as("camille")
    available(agent, t["available"])
    subject = f"Decline {uuid.uuid4().hex[:6]}"
    declined = new_contact(live_roadie, subject, "Une question de facture.")
    card = agent.locator("[data-offer]").filter(has_text=subject)
    expect(card).to_be_visible(timeout=30_000)
    first_offer = card.get_attribute("data-offer")
    card.get_by_label("Reason for declining").select_option(label="Not my area")
    card.get_by_role("button", name="Decline").click()
    expect(agent.get_by_text("Offer declined: it goes to someone else.")).to_be_visible()
    reason = live_roadie.python(
        "from roadie.desk.contacts.models import ContactEvent\n"
        f"print(ContactEvent.objects.filter(contact_id={declined['id']}, kind='declined').get().detail['reason'])")
    assert reason.strip() == "skills"
    # Nobody else qualified is there: it comes back to camille, who takes it this time and
    # hands it over to a colleague who has come on shift.
    again = agent.locator(f'[data-offer]:not([data-offer="{first_offer}"])').filter(has_text=subject)
    expect(again).to_be_visible(timeout=30_000)
    again.get_by_role("button", name=t["accept"]).click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{declined['id']}/$"))
    colleague = login_as("lucas")  # comes on shift once camille has the contact
    available(colleague, t["available"])
    agent.reload()
    agent.get_by_text("Transfer or reassign").click()
    options = agent.locator("#transfer-to option").all_text_contents()
    lucas = next(o for o in options if "Lucas" in o or "lucas" in o)
    agent.get_by_label("To", exact=True).select_option(label=lucas)
    agent.get_by_label("Note for the next person (optional)").fill("Il attend un avoir.")
    agent.get_by_role("button", name="Hand over").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    # The colleague has it in their list, with the note in the thread.
    colleague.goto(f"{live_roadie.url}/desk/contacts/{declined['id']}/")
    expect(colleague.locator(".conversation")).to_contain_text("Il attend un avoir.")
    lucas_id = live_roadie.python(
        "from roadie.desk.agents.models import Agent\nprint(Agent.objects.get(user__username='lucas').pk)")
    contact = live_roadie.api("GET", f"/contacts/{declined['id']}", token=live_roadie.token("admin"))
    assert contact["agent"] == int(lucas_id)


def test_a_supervisor_answers_from_the_board_and_hands_the_contact_back_to_the_queue(live_roadie, login_as):
    t = TEXT["en-US"]
    agent = login_as("camille")
    available(agent, t["available"])
    created = accepted(live_roadie, agent, t, f"Board {uuid.uuid4().hex[:6]}")
    question = f"Which plan? {uuid.uuid4().hex[:4]}"
    agent.get_by_label(t["ask"]).fill(question)
    agent.get_by_role("button", name=t["ask_btn"]).click()

    supervisor = login_as("supervisor")
    item = supervisor.locator("article.escalation").filter(has_text=question)
    expect(item).to_be_visible(timeout=15_000)
    item.get_by_label("Answer").fill("The 20 GB plan.")
    item.get_by_role("button", name="Send").click()
    # The board was at /board/ already: the answer reaching the agent shows the POST is done.
    expect(agent.locator(".conversation")).to_contain_text("The 20 GB plan.", timeout=15_000)
    expect(supervisor).to_have_url(re.compile(r"/board/$"))
    expect(supervisor.locator("article.escalation").filter(has_text=question)).to_have_count(0, timeout=15_000)

    # From the contact page the supervisor hands it back to the brand's queue.
    supervisor.goto(f"{live_roadie.url}/desk/contacts/{created['id']}/")
    supervisor.get_by_label("To", exact=True).select_option(value="queue")
    supervisor.get_by_label("Note for the next person (optional)").fill("Back to the queue.")
    supervisor.get_by_role("button", name="Hand over").click()
    expect(supervisor.locator(".conversation")).to_contain_text("Back to the queue.")
    moved = live_roadie.python(
        "from roadie.desk.contacts.models import ContactEvent\n"
        f"e = ContactEvent.objects.get(contact_id={created['id']}, kind='transferred')\n"
        "print(e.user.username, e.detail['skill'] == '')")
    assert moved.split() == ["supervisor", "True"]
