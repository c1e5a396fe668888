"""A pane loaded by a form (the agent's reply) is rendered when the server answers; if the
customer writes while that answer is on its way, the event refreshes the panels the pane is
about to replace. The new pane must then refresh itself, or the customer's message stays
hidden until the next event (seen on a loaded server: "Thank you!" never appeared)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CUSTOMER_WRITES = """
from roadie.desk.brands.models import Brand
from roadie.desk.contacts.actions import Inbound, receive
receive(Inbound(brand=Brand.objects.get(slug="ondes"), channel="chat", body={body!r},
                contact_id={contact}))
"""


def test_a_message_that_arrives_while_the_reply_is_answered_is_shown(live_roadie, login_as):
    agent = login_as("camille")
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")
    subject = f"Réponse en route {uuid.uuid4().hex[:6]}"
    created = live_roadie.api("POST", "/contacts", token=live_roadie.token("admin"), payload={
        "brand": "ondes", "channel": "chat", "subject": subject, "body": "Bonjour", "language": "fr"})
    expect(agent.locator("[data-offer]").filter(has_text=subject)).to_be_visible(timeout=30_000)
    agent.keyboard.press("Alt+a")
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))

    held = []

    def hold(route):  # the server answers the reply now; the page gets that answer later
        held.append((route, route.fetch()))

    agent.route(re.compile(rf"/desk/contacts/{created['id']}/reply$"), hold)
    agent.get_by_label("Your reply").fill("Je regarde votre ligne.")
    agent.get_by_role("button", name="Send reply").click()
    for _ in range(300):
        if held:
            break
        agent.wait_for_timeout(100)
    assert held, "the reply never reached the server"

    live_roadie.python(CUSTOMER_WRITES.format(body="Merci, j'attends.", contact=created["id"]))
    conversation = agent.locator(".conversation")
    expect(conversation).to_contain_text("Merci, j'attends.", timeout=15_000)  # the event's refresh

    route, response = held[0]
    route.fulfill(response=response)  # the pane rendered before the customer's message
    expect(agent.get_by_label("Your reply")).to_have_value("", timeout=15_000)  # pane replaced
    expect(conversation).to_contain_text("Je regarde votre ligne.")
    expect(conversation).to_contain_text("Merci, j'attends.", timeout=10_000)
