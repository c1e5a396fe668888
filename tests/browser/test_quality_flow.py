"""Quality in Chromium: a reviewer draws and reviews a contact, the roadie disputes the
review, another quality reviewer resolves it; a customer answers the satisfaction survey in
the chat widget."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from roadie.desk.accounts.models import User
from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Brand
from roadie.desk.contacts.models import Contact, ContactEvent, Customer, Direction, Message
from roadie.desk.quality.models import Scorecard, Workload, WorkloadReviewer
brand = Brand.objects.get(slug="maison-lune")
agent = Agent.objects.get(user__username="camille")
now = timezone.now() - timedelta(minutes=2)
customer = Customer.objects.create(brand=brand, name="Client Qualité", email="qualite@customers.example")
contact = Contact.objects.create(brand=brand, channel="chat", customer=customer, status="resolved",
    subject="Vase cassé", arrived_at=now - timedelta(minutes=10), deadline_at=now, agent=agent,
    answered_at=now - timedelta(minutes=9), resolved_at=now, wrap_up_code="solved")
Message.objects.create(contact=contact, direction=Direction.INBOUND, body="Mon vase est arrivé cassé.")
Message.objects.create(contact=contact, direction=Direction.OUTBOUND, author=agent.user,
                       body="Je vous envoie un nouveau vase aujourd'hui.")
ContactEvent.objects.create(contact=contact, kind="resolved", agent=agent, at=now)
workload = Workload.objects.create(name="Browser check", brand=brand, cycle="daily", quota_per_agent=2,
    scorecard=Scorecard.objects.get(brand=brand), seed=1)
WorkloadReviewer.objects.create(workload=workload, user=User.objects.get(username="qa"))
print(json.dumps({"contact": contact.pk}))
"""


def test_review_dispute_and_resolution(live_roadie, login_as, tmp_path):
    contact = json.loads(live_roadie.roadie("shell", "-c", SETUP).splitlines()[-1])["contact"]

    qa = login_as("qa")
    qa.goto(f"{live_roadie.url}/quality/")
    qa.get_by_role("button", name="Draw Browser check").click()
    expect(qa.get_by_role("status")).to_contain_text("contacts drawn for review")
    qa.get_by_role("link", name=f"Review contact #{contact}").click()
    expect(qa.locator(".conversation")).to_contain_text("Mon vase est arrivé cassé.")
    expect(qa.locator(".conversation")).to_contain_text("Je vous envoie un nouveau vase aujourd'hui.")
    qa.screenshot(path=str(tmp_path / "review-form.png"), full_page=True)
    choices = {"Greets the customer and introduces themself": "1", "Uses the customer's name": "na",
               "Understands the request": "4", "Gives the right answer": "3",
               "Follows the returns and refunds policy (critical)": "1", "Courteous and clear": "4",
               "Spelling and grammar": "8", "Anticipates the next question": "0"}
    for label, value in choices.items():
        qa.get_by_label(label, exact=True).select_option(value)
    qa.get_by_label("Comment · Gives the right answer").fill("Proposer aussi un avoir.")
    qa.get_by_role("button", name="Submit the review").click()
    expect(qa.get_by_role("status")).to_contain_text("Review submitted")
    score = qa.locator("[data-score]").inner_text()
    review_url = qa.url

    roadie = login_as("camille")
    roadie.goto(f"{live_roadie.url}/quality/me/")
    roadie.get_by_role("link", name=f"Contact #{contact}").click()
    expect(roadie.locator("[data-score]")).to_have_text(score)
    expect(roadie.get_by_text("Proposer aussi un avoir.")).to_be_visible()
    roadie.get_by_label("What do you dispute, and why?").fill("Le client avait déjà refusé l'avoir.")
    roadie.get_by_role("button", name="Dispute this review").click()
    expect(roadie.locator("[data-review-status]")).to_have_text("Disputed")
    roadie.screenshot(path=str(tmp_path / "review-disputed.png"), full_page=True)

    expert = login_as("qa-expert")
    expert.goto(f"{live_roadie.url}/quality/disputes/")
    expect(expert.locator("tbody")).to_contain_text("open")
    expert.goto(review_url)
    form = expert.locator("form", has_text="Resolve the dispute")
    form.get_by_label("Outcome").select_option("partly")
    for label, value in {**choices, "Gives the right answer": "5"}.items():
        form.get_by_label(label, exact=True).select_option(value)
    form.get_by_label("Answer to the roadie").fill("D'accord, la réponse était la bonne.")
    form.get_by_role("button", name="Resolve").click()
    expect(expert.locator("[data-review-status]")).to_have_text("Dispute resolved")
    expect(expert.locator("[data-outcome]")).to_contain_text("Partly accepted")
    assert expert.locator("[data-score]").inner_text() != score
    expert.screenshot(path=str(tmp_path / "review-resolved.png"), full_page=True)
    if (shots := __import__("os").environ.get("ROADIE_SCREENSHOTS")):
        for name in ("review-form", "review-disputed", "review-resolved"):
            (tmp_path / f"{name}.png").replace(f"{shots}/{name}.png")


def test_customer_answers_the_survey_in_the_chat_widget(live_roadie, browser, login_as):
    agent = login_as("lucas")
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    context = browser.new_context(locale="fr-FR")
    customer = context.new_page()
    try:
        customer.goto(f"{live_roadie.url}/demo-shop/neobank/")
        customer.get_by_role("button", name="Discuter avec nous").click()
        chat = customer.get_by_role("region", name="Discussion")
        chat.get_by_label("Votre message").fill("Mon virement n'est pas arrivé.")
        chat.get_by_role("button", name="Envoyer").click()
        offer = agent.locator("[data-offer]").filter(has_text="Mon virement n'est pas arrivé.")
        expect(offer).to_be_visible(timeout=20_000)
        offer.get_by_role("button", name="Accept").click()
        agent.get_by_label("Your reply").fill("Il arrivera demain matin.")
        agent.get_by_role("button", name="Send reply").click()
        expect(chat.get_by_role("log")).to_contain_text("Il arrivera demain matin.")
        agent.get_by_label("Wrap-up code").select_option("solved")
        agent.get_by_role("button", name="Resolve").click()

        question = chat.get_by_role("group", name=re.compile("Êtes-vous satisfait"))
        expect(question).to_be_visible(timeout=15_000)
        question.get_by_label("2").check()
        chat.get_by_label("Un commentaire (facultatif)").fill("Toujours pas reçu.")
        chat.get_by_role("button", name="Envoyer mon avis").click()
        chat.get_by_label("Qu'est-ce qui n'a pas été ?").select_option(label="La politique de la marque")
        chat.get_by_role("button", name="Envoyer", exact=True).click()
        expect(chat.get_by_role("status")).to_have_text("Merci pour votre avis !")
    finally:
        context.close()
    agent.get_by_role("button", name="Set Offline").click()
    answered = live_roadie.roadie("shell", "-c", (
        "from roadie.desk.quality.models import Survey\n"
        "s = Survey.objects.filter(contact__brand__slug='neobank', status='answered', contact__channel='chat')"
        ".latest('answered_at')\n"
        "print(s.rating, s.reason, s.controllable, s.comment, s.raw.source)"))
    assert answered.splitlines()[-1] == "2 policy False Toujours pas reçu. chat-ws"
