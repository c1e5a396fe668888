"""An agent receives a pushed offer, replies and resolves, while a supervisor's board shows
the queue change: in a real browser against a real server, with no page reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_agent_handles_a_pushed_contact_while_the_board_follows(live_roadie, login_as):
    agent = login_as("camille")
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")

    board = login_as("supervisor")
    expect(board).to_have_url(re.compile(r"/board/$"))
    expect(board.get_by_role("heading", name="Queues")).to_be_visible()

    admin = live_roadie.token("admin")
    created = live_roadie.api("POST", "/contacts", token=admin, payload={
        "brand": "ondes", "channel": "chat", "subject": "Forfait bloqué",
        "body": "Mon forfait est bloqué depuis ce matin.", "language": "fr",
        "customer": {"name": "Marie Durand", "email": "marie@example.org"},
    })

    # The offer is pushed to the open desk page (server-sent events), no reload.
    offer = agent.locator("[data-offer]").filter(has_text="Forfait bloqué")
    expect(offer).to_be_visible(timeout=15_000)
    # Meanwhile the supervisor's board counts it as waiting (offered, not yet answered).
    row = board.locator('tr[data-queue="ondes/chat"]')
    expect(row).to_have_attribute("data-waiting", "1", timeout=15_000)

    offer.get_by_role("button", name="Accept").click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))
    expect(agent.locator(".conversation")).to_contain_text("Mon forfait est bloqué")
    agent.get_by_label("Your reply").fill("Je débloque votre forfait tout de suite.")
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.locator(".conversation")).to_contain_text("Je débloque votre forfait")

    expect(row).to_have_attribute("data-waiting", "0", timeout=15_000)

    agent.get_by_label("Wrap-up code").select_option("solved")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    expect(agent.get_by_text("No contact in progress.")).to_be_visible()

    contact = live_roadie.api("GET", f"/contacts/{created['id']}", token=admin)
    assert contact["status"] == "resolved"
    assert contact["wrap_up_code"] == "solved"
    assert [m["direction"] for m in contact["messages"]] == ["in", "out"]
