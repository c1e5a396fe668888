"""The whole call from the agent's page: the provider's webhook rings the call, the agent takes
it and sees the caller and the time on the line counting, puts the caller on hold and back,
ends the call, picks the wrap-up code and resolves; a second call is transferred to a
colleague. The telephony provider is a mock of a third-party cloud: its documented webhook
payloads (docs/channels.md) come in, and its control endpoint is a local HTTP server that
records the signed commands roadie sends."""

from __future__ import annotations

import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from axe_check import violations
from demo_phone import SECRET, call_event
from playwright.sync_api import expect

from roadie.connectors.hooks import hmac_sha256_hex

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("voice_line_open")]


@pytest.fixture
def provider(live_roadie):
    """The telephony cloud's control endpoint, set on the demo line for this test only."""
    commands: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            assert self.headers["X-Roadie-Signature"] == "sha256=" + hmac_sha256_hex(SECRET, body)
            commands.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    set_url = """
from roadie.desk.brands.models import Channel
ch = Channel.objects.get(brand__slug="ondes", kind="voice")
ch.config = {**ch.config, "control_url": %r}
if not ch.config["control_url"]:
    del ch.config["control_url"]
ch.save()
"""
    live_roadie.python(set_url % f"http://127.0.0.1:{server.server_address[1]}/control")
    try:
        yield commands
    finally:
        live_roadie.python(set_url % "")
        server.shutdown()


def available(page):
    if page.locator("#presence").get_attribute("data-presence") != "available":
        page.get_by_role("button", name=re.compile("Set Available|Disponible")).click()
    expect(page.locator("#presence")).to_have_attribute("data-presence", "available")


def take(live_roadie, agent, call_id: str) -> dict:
    call = call_event(live_roadie, {"event": "offered", "call_id": call_id, "from": "+33611223344"})
    ring = agent.locator('[data-ring="voice"]')
    expect(ring).to_be_visible(timeout=15_000)
    agent.locator("[data-offer]").filter(has=ring).get_by_role("button", name="Accept").click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{call['contact']}/$"))
    return call


def test_the_whole_call_from_the_agents_page(live_roadie, login_as, provider):
    agent = login_as("camille")
    available(agent)
    take(live_roadie, agent, "panel-1")
    panel = agent.locator(".call-panel")
    expect(panel).to_have_attribute("data-call-state", "on-line")
    expect(panel.locator("[data-caller]")).to_have_text("+33611223344")
    expect(agent.locator("#reply-body")).to_have_count(0)  # no text reply box on a call
    line_clock = panel.locator("[data-on-line]")
    expect(line_clock).to_have_text(re.compile(r"\d+ s"))
    first = line_clock.text_content()
    expect(line_clock).not_to_have_text(first, timeout=5_000)  # it counts, live
    assert violations(agent) == []

    panel.get_by_role("button", name="Hold").click()
    expect(panel).to_have_attribute("data-call-state", "held")
    expect(panel).to_contain_text("On hold")
    folder = os.environ.get("ROADIE_SCREENSHOTS")
    if folder:
        agent.screenshot(path=str(Path(folder) / "call-panel-held-en.png"), full_page=True)
    panel.get_by_role("button", name="Resume").click()
    expect(panel).to_have_attribute("data-call-state", "on-line")
    panel.get_by_role("button", name="End call").click()
    expect(panel.locator("[data-wrap-up]")).to_be_visible()
    expect(panel.locator("[data-talk]")).to_have_text(re.compile(r"^\d+ s$"))
    assert [c["command"] for c in provider] == ["hold", "resume", "end"]
    assert {c["call_id"] for c in provider} == {"panel-1"}

    agent.get_by_label("Wrap-up code").select_option("solved")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    agent.get_by_role("button", name="Set Offline").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")


def test_a_call_transferred_to_a_colleague_in_french(live_roadie, login_as, provider):
    agent = login_as("camille", locale="fr-FR")
    available(agent)
    call = call_event(live_roadie, {"event": "offered", "call_id": "panel-2", "from": "+33611223355"})
    ring = agent.locator('[data-ring="voice"]')
    expect(ring).to_be_visible(timeout=15_000)
    agent.locator("[data-offer]").filter(has=ring).get_by_role("button", name="Accepter").click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{call['contact']}/$"))
    colleague = login_as("lucas")  # comes on shift once camille has the call
    available(colleague)
    agent.reload()
    panel = agent.locator(".call-panel")
    expect(panel.get_by_role("heading", name="Appel")).to_be_visible()
    expect(panel).to_contain_text("En ligne")
    folder = os.environ.get("ROADIE_SCREENSHOTS")
    if folder:
        agent.screenshot(path=str(Path(folder) / "call-panel-fr.png"), full_page=True)
    assert violations(agent) == []
    options = panel.locator("#call-transfer-to option").all_text_contents()
    lucas = next(o for o in options if "Lucas" in o or "lucas" in o)
    panel.get_by_label("Transférer l'appel à").select_option(label=lucas)
    panel.get_by_role("button", name="Transférer").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    assert provider[-1]["command"] == "transfer" and provider[-1]["to"] == {"agent": "lucas"}
    # The colleague has it now, on the line, from their own desk.
    colleague.goto(f"{live_roadie.url}/desk/contacts/{call['contact']}/")
    expect(colleague.locator(".call-panel")).to_have_attribute("data-call-state", "on-line")
    expect(colleague.locator(".call-panel").get_by_role("button", name="End call")).to_be_visible()
