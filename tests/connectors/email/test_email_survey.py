"""End to end: a resolved email contact sends its satisfaction survey (by the real worker,
over SMTP, into the customer's real Dovecot mailbox); the customer opens the link from that
mail in Chromium, without logging in, and answers once."""

from __future__ import annotations

import email
import re
import shutil
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Brand
from roadie.desk.contacts.actions import CustomerData, Inbound, receive, reply, resolve
from roadie.desk.demo.data import load_demo
from roadie.desk.quality.models import Survey, SurveyStatus
from roadie.desk.routing.actions import accept_offer, set_presence
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.models import Offer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class AppendToDovecot:
    def __init__(self, dovecot) -> None:
        self.dovecot = dovecot

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            client = self.dovecot.client(rcpt)
            client.append("INBOX", envelope.original_content)
            client.logout()
        return "250 OK delivered to IMAP"


@pytest.fixture
def relay(dovecot, settings, closed_port):
    controller = Controller(AppendToDovecot(dovecot), hostname="127.0.0.1", port=closed_port)
    controller.start()
    settings.ROADIE_SMTP_HOST, settings.ROADIE_SMTP_PORT = "127.0.0.1", controller.port
    yield
    controller.stop()


def test_customer_answers_the_survey_from_the_mail(dovecot, relay, live_server, settings):
    settings.ROADIE_PUBLIC_URL = live_server.url
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(agents=3)
    customer, password = dovecot.add_user()
    brand = Brand.objects.get(slug="maison-lune")
    contact, _, _ = receive(Inbound(brand=brand, channel="email", body="Mon colis est abîmé.",
                                    subject="Colis abîmé", customer=CustomerData(email=customer)))
    agent = Agent.objects.select_related("user").get(user__username="camille")
    set_presence(agent, "available")
    assert tick() == 1
    accept_offer(agent.user, Offer.objects.get(contact=contact).pk)
    reply(agent.user, contact, body="Un nouveau colis part aujourd'hui.")
    resolve(agent.user, contact, wrap_up_code="solved")
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)  # the real worker

    client = dovecot.client(customer, password)
    client.select_folder("INBOX")
    mails = [email.message_from_bytes(m[b"BODY[]"], policy=policy.default)
             for m in client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"]).values()]
    client.logout()
    [invitation] = [m for m in mails if "/survey/" in m.get_content()]
    assert f"[#{contact.pk}]" in invitation["Subject"]  # in the conversation's own thread
    link = re.search(r"(http://\S+/survey/\S+)", invitation.get_content()).group(1)

    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(locale="fr-FR").new_page()
        page.goto(link)
        question = page.get_by_role("group")
        question.get_by_label("4").check()
        page.get_by_label(re.compile("comment", re.I)).fill("Réponse rapide, merci.")
        page.locator("main button.primary").click()
        expect(page.locator("[data-survey-done]")).to_be_visible()
        page.goto(link)  # the link works once
        expect(page.locator("[data-survey-done]")).to_be_visible()
        browser.close()
    survey = Survey.objects.get(contact=contact)
    assert survey.status == SurveyStatus.ANSWERED and survey.rating == 4
    assert survey.comment == "Réponse rapide, merci." and survey.raw.source == "survey-page"
