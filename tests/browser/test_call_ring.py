"""A call from the telephony webhook rings on the agent's open desk page, with the premium
line's 60-second clock; once taken, the contact page shows the measured time to answer."""

from __future__ import annotations

import re

import pytest
from demo_phone import call_event
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("voice_line_open")]


def test_offered_call_rings_with_its_60_second_clock(live_roadie, login_as):
    agent = login_as("camille")
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")

    call = call_event(live_roadie, {"event": "offered", "call_id": "ring-1", "from": "+33611223344"})
    ring = agent.locator('[data-ring="voice"]')
    expect(ring).to_be_visible(timeout=15_000)
    expect(ring).to_have_attribute("role", "alert")
    expect(ring).to_contain_text("premium line")
    expect(ring.locator("[data-target-clock]")).to_have_text(re.compile(r"^\d+ s / 60 s$"))

    agent.locator("[data-offer]").filter(has=ring).get_by_role("button", name="Accept").click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{call['contact']}/$"))
    expect(agent.locator(".call-panel")).to_contain_text(re.compile(r"Time to answer\s*\d+ s / 60 s"))

    call_event(live_roadie, {"event": "ended", "call_id": "ring-1"})
    agent.get_by_label("Wrap-up code").select_option("solved")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    agent.get_by_role("button", name="Set Offline").click()  # leave the shared demo as found
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")
