"""Web chat in Chromium: a customer on a brand's page (the widget, one script tag, over a
websocket) and an agent on the desk converse live both ways; a dropped connection and a
reloaded page resume the same conversation."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_customer_and_agent_converse_over_the_chat_widget(live_roadie, browser, login_as):
    agent = login_as("camille")
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")

    context = browser.new_context(locale="fr-FR")
    customer = context.new_page()
    try:
        customer.goto(f"{live_roadie.url}/demo-shop/ondes/")
        customer.get_by_role("button", name="Discuter avec nous").click()
        chat = customer.get_by_role("region", name="Discussion")
        expect(chat.get_by_role("status")).to_have_text("Un conseiller va vous répondre.")
        chat.get_by_label("Votre message").fill("Ma carte SIM ne fonctionne plus depuis hier.")
        chat.get_by_role("button", name="Envoyer").click()
        log = chat.get_by_role("log")
        expect(log.locator("li[data-id]:not([aria-busy])")).to_have_count(1)

        offer = agent.locator("[data-offer]").filter(has_text="Ma carte SIM ne fonctionne plus")
        expect(offer).to_be_visible(timeout=15_000)
        offer.get_by_role("button", name="Accept").click()
        expect(agent.locator(".conversation")).to_contain_text("Ma carte SIM ne fonctionne plus")
        expect(chat.get_by_role("status")).to_have_text("Un conseiller vous répond.")

        agent.get_by_label("Your reply").fill("Bonjour, je vérifie votre ligne.")
        agent.get_by_role("button", name="Send reply").click()
        expect(log).to_contain_text("Bonjour, je vérifie votre ligne.")

        chat.get_by_label("Votre message").fill("Merci beaucoup !")
        chat.get_by_role("button", name="Envoyer").click()
        expect(agent.locator(".conversation")).to_contain_text("Merci beaucoup !", timeout=10_000)

        # The connection drops; the agent answers meanwhile; the widget reconnects and catches up.
        customer.evaluate("window.RoadieChat._socket.close()")
        agent.get_by_label("Your reply").fill("Votre ligne est rétablie.")
        agent.get_by_role("button", name="Send reply").click()
        expect(log).to_contain_text("Votre ligne est rétablie.", timeout=15_000)
        expect(log.locator("li")).to_have_count(4)

        # A reloaded page reopens the same conversation, each message once.
        customer.reload()
        chat = customer.get_by_role("region", name="Discussion")
        expect(chat.get_by_role("log").locator("li")).to_have_count(4, timeout=10_000)
        expect(chat.get_by_role("log")).to_contain_text("Ma carte SIM ne fonctionne plus")
    finally:
        context.close()
    agent.get_by_label("Wrap-up code").select_option("solved")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    agent.get_by_role("button", name="Set Offline").click()  # leave the shared demo as found
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])  # the shop page's language is the widget's
def test_the_widget_asks_who_the_visitor_is_as_the_brand_chooses(live_roadie, browser, locale):
    """Maison Lune asks before the first message, Ondes during the chat; axe on both forms."""
    fr = locale.startswith("fr")
    lang = "?lang=fr" if fr else "?lang=en"
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(f"{live_roadie.url}/demo-shop/maison-lune/{lang}")
        page.get_by_role("button", name="Discuter avec nous" if fr else "Chat with us").click()
        chat = page.get_by_role("region", name="Discussion" if fr else "Chat")
        who = chat.get_by_role("form", name="Qui êtes-vous ?" if fr else "Who are you?")
        expect(who).to_be_visible()
        expect(chat.get_by_label("Votre message" if fr else "Your message")).to_be_hidden()
        assert violations(page) == []
        email = f"visiteur-{uuid.uuid4().hex[:6]}@example.org"
        who.get_by_label("Votre nom" if fr else "Your name").fill("Nina Visiteuse")
        who.get_by_label("Votre e-mail" if fr else "Your email").fill(email)
        who.get_by_role("button", name="Commencer la discussion" if fr else "Start the chat").click()
        expect(who).to_have_count(0)
        chat.get_by_label("Votre message" if fr else "Your message").fill("Bonjour, une question sur un canapé.")
        chat.get_by_role("button", name="Envoyer" if fr else "Send", exact=True).click()
        expect(chat.get_by_role("log").locator("li[data-id]:not([aria-busy])")).to_have_count(1)
        assert violations(page) == []

        page.goto(f"{live_roadie.url}/demo-shop/ondes/{lang}")
        page.get_by_role("button", name="Discuter avec nous" if fr else "Chat with us").click()
        chat = page.get_by_role("region", name="Discussion" if fr else "Chat")
        chat.get_by_label("Votre message" if fr else "Your message").fill("Ma box clignote.")
        chat.get_by_role("button", name="Envoyer" if fr else "Send", exact=True).click()
        later = chat.get_by_role("form", name="Qui êtes-vous ?" if fr else "Who are you?")
        expect(later).to_be_visible()  # asked after the first message, and may be skipped
        assert violations(page) == []
        later.get_by_role("button", name="Plus tard" if fr else "Not now").click()
        expect(later).to_have_count(0)
    finally:
        context.close()
    stored = live_roadie.roadie("shell", "-c", (
        "from roadie.desk.contacts.models import Customer; "
        f"print(list(Customer.objects.filter(email='{email}').values_list('name', 'verified')))"))
    assert stored.splitlines()[-1] == "[('Nina Visiteuse', False)]"


def test_an_english_conversation_over_the_widget(live_roadie, browser, login_as):
    """The widget in English end to end: the shop page is English (served by roadie itself),
    the visitor chats with an agent live both ways, then the agent resolves it."""
    agent = login_as("camille")
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")
    context = browser.new_context(locale="en-GB")
    customer = context.new_page()
    try:
        customer.goto(f"{live_roadie.url}/demo-shop/ondes/?lang=en")
        assert customer.locator("html").get_attribute("lang") == "en"
        customer.get_by_role("button", name="Chat with us").click()
        chat = customer.get_by_role("region", name="Chat")
        expect(chat.get_by_role("status")).to_have_text("An adviser will answer you shortly.")
        chat.get_by_label("Your message").fill("My SIM card stopped working yesterday.")
        chat.get_by_role("button", name="Send", exact=True).click()
        log = chat.get_by_role("log")
        expect(log.locator("li[data-id]:not([aria-busy])")).to_have_count(1)
        expect(log).to_contain_text("You")
        who = chat.get_by_role("form", name="Who are you?")
        expect(who).to_be_visible()
        who.get_by_role("button", name="Not now").click()

        offer = agent.locator("[data-offer]").filter(has_text="My SIM card stopped working")
        expect(offer).to_be_visible(timeout=15_000)
        offer.get_by_role("button", name="Accept").click()
        expect(chat.get_by_role("status")).to_have_text("An adviser is answering you.")
        agent.get_by_label("Your reply").fill("Hello, I am checking your line.")
        agent.get_by_role("button", name="Send reply").click()
        expect(log).to_contain_text("Hello, I am checking your line.")
        expect(log).to_contain_text("Camille")  # the adviser signs with their first name
        chat.get_by_label("Your message").fill("Thank you!")
        chat.get_by_role("button", name="Send", exact=True).click()
        expect(agent.locator(".conversation")).to_contain_text("Thank you!", timeout=10_000)

        agent.get_by_label("Wrap-up code").select_option("solved")
        agent.get_by_role("button", name="Resolve").click()
        expect(agent).to_have_url(re.compile(r"/desk/$"))
        expect(chat.get_by_role("status")).to_have_text("Conversation closed. Write again if you need to.",
                                                        timeout=10_000)
    finally:
        context.close()
    agent.get_by_role("button", name="Set Offline").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")


CLOSE_CHAT = """
import json
from roadie.desk.brands.models import Channel
chat = Channel.objects.get(brand__slug="ondes", kind="chat")
print(json.dumps(chat.config))
chat.config = {**chat.config, "hours": {}}
chat.save(update_fields=["config"])
"""
REOPEN_CHAT = """
import json
from roadie.desk.brands.models import Channel
Channel.objects.filter(brand__slug="ondes", kind="chat").update(config=json.loads({saved!r}))
"""


@pytest.mark.parametrize(("query", "lang", "texts"), [
    # The shop page follows the brand's language (Ondes Mobile: French), the widget the page.
    ("", "fr", ("Nous sommes fermés pour le moment.", "Votre nom", "Votre e-mail", "Votre message",
                "Envoyer le message", "Merci, nous vous répondrons par e-mail.")),
    ("?lang=en", "en", ("We are closed right now.", "Your name", "Your email", "Your message",
                        "Send message", "Thank you, we will answer by email.")),
])
def test_the_offline_form_speaks_the_brands_language_or_the_pages(live_roadie, browser, query, lang, texts):
    closed, name, email, message, send, thanks = texts
    saved = live_roadie.python(CLOSE_CHAT).strip()
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{live_roadie.url}/demo-shop/ondes/{query}")
        assert page.locator("html").get_attribute("lang") == lang
        page.locator(".rc-launch").click()
        widget = page.locator("#rc-panel")
        expect(widget.get_by_role("status")).to_contain_text(closed)
        email_address = f"offline-{uuid.uuid4().hex[:8]}@example.org"
        widget.get_by_label(name).fill("Jeanne Hors-Ligne")
        widget.get_by_label(email).fill(email_address)
        widget.get_by_label(message).fill("Rappelez-moi demain.")
        assert violations(page) == []
        page.screenshot(path=f"/tmp/desk-chat-offline-{lang}.png")
        widget.get_by_role("button", name=send).click()
        expect(widget.get_by_role("status")).to_have_text(thanks)
    finally:
        context.close()
        live_roadie.python(REOPEN_CHAT.format(saved=saved))
    stored = live_roadie.python(
        "from roadie.desk.contacts.models import Contact\n"
        f"print(Contact.objects.filter(customer__email={email_address!r}, channel='email').count())")
    assert stored.strip() == "1"
