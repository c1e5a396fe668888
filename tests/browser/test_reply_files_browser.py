"""An email reply from the agent's workspace in Chromium: the people the customer copied are
ticked (reply all), a file is attached, the thread shows it; a program is refused in place
(the pane shows the error and keeps the text typed), nothing sent."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

INGEST = """
from roadie.connectors.email import intake
from roadie.desk.contacts.actions import store_raw
mail = ("From: Zoe Client <zoe@customers.example>\\r\\nTo: support@ondes.example\\r\\n"
        "Cc: Marc <marc@customers.example>\\r\\nSubject: Facture de novembre\\r\\n"
        "Message-ID: <%s@customers.example>\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n\\r\\n"
        "Bonjour, pouvez-vous m'envoyer ma facture ?\\r\\n").encode()
raw = store_raw(channel="email", source="smtp", payload=mail, meta={"rcpt_tos": ["support@ondes.example"]})
[contact] = intake.ingest(raw, intake.deliveries_for(["support@ondes.example"]))
print(contact.pk)
"""


def test_reply_with_cc_and_a_file_from_the_workspace(live_roadie, login_as, tmp_path):
    agent = login_as("camille")
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available")
    contact_id = live_roadie.python(INGEST % uuid.uuid4().hex).strip().splitlines()[-1]
    offer = agent.locator(f'[data-offer="{contact_id}"], [data-offer]').filter(has_text="Facture de novembre")
    expect(offer.first).to_be_visible(timeout=15_000)
    offer.first.get_by_role("button", name="Accept").click()
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{contact_id}/$"))

    copy = agent.get_by_role("group", name="Copy (Cc)")
    expect(copy.get_by_label("marc@customers.example")).to_be_checked()
    assert violations(agent) == []
    folder = os.environ.get("ROADIE_SCREENSHOTS")
    if folder:
        agent.screenshot(path=str(Path(folder) / "reply-cc-files-en.png"), full_page=True)

    program = tmp_path / "outil.exe"
    program.write_bytes(b"MZ" + b"\0" * 200)
    agent.get_by_label("Your reply").fill("Voici votre facture.")
    agent.get_by_label("Attach files").set_input_files(str(program))
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.get_by_text("Attachments: outil.exe: programs are not sent")).to_be_visible()
    expect(agent.get_by_label("Your reply")).to_have_value("Voici votre facture.")  # kept
    expect(agent.locator(".conversation li")).to_have_count(1)  # nothing sent

    invoice = tmp_path / "facture-novembre.pdf"
    invoice.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    agent.get_by_label("Attach files").set_input_files(str(invoice))
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.get_by_text("Reply sent.")).to_be_visible()
    thread = agent.locator(".conversation")
    expect(thread.get_by_role("link", name="facture-novembre.pdf")).to_be_visible()
    expect(thread).to_contain_text("Cc: marc@customers.example")

    agent.get_by_label("Wrap-up code").select_option("solved")
    agent.get_by_role("button", name="Resolve").click()
    expect(agent).to_have_url(re.compile(r"/desk/$"))
    agent.get_by_role("button", name="Set Offline").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "offline")
