"""More of issue 13's checklist (docs/desk-checklist.md) in Chromium: an agent holds two chats
at once in the one workspace and moves between them with J and K (the pane changes, the page
never reloads), with axe on the workspace holding both; the supervisor changes the history's
period (one day, per hour) and downloads its CSV."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PARIS = ZoneInfo("Europe/Paris")


def new_chat(live_roadie, subject: str) -> dict:
    return live_roadie.api("POST", "/contacts", token=live_roadie.token("admin"), payload={
        "brand": "ondes", "channel": "chat", "subject": subject, "body": "Bonjour", "language": "fr"})


def test_two_chats_at_once_and_j_k_between_them(live_roadie, login_as):
    agent = login_as("camille")
    if agent.locator("#presence").get_attribute("data-presence") != "available":
        agent.get_by_role("button", name="Set Available").click()
    expect(agent.locator("#presence")).to_have_attribute("data-presence", "available", timeout=15_000)
    tag = uuid.uuid4().hex[:6]
    ids = []
    for n in (1, 2):
        subject = f"Deux chats {n} {tag}"
        created = new_chat(live_roadie, subject)
        expect(agent.locator("[data-offer]").filter(has_text=subject)).to_be_visible(timeout=30_000)
        agent.keyboard.press("Alt+a")
        expect(agent).to_have_url(re.compile(rf"/desk/contacts/{created['id']}/$"))
        ids.append(created["id"])
    agent.evaluate("window.__noReload = true")
    inbox = agent.locator("[data-inbox]")
    for contact_id in ids:
        expect(inbox.locator(f'[data-contact="{contact_id}"]')).to_be_visible(timeout=25_000)
    for contact_id in ids:  # both in hand at once
        contact = live_roadie.api("GET", f"/contacts/{contact_id}", token=live_roadie.token("admin"))
        assert contact["status"] == "active"
    assert violations(agent) == []

    links = inbox.locator("[data-pane-link]")
    order = [int(links.nth(i).get_attribute("data-contact")) for i in range(links.count())]
    at = order.index(ids[1])
    step = "k" if at > 0 else "j"  # towards the neighbour in the list
    neighbour = order[at - 1] if step == "k" else order[at + 1]
    blur = "document.activeElement && document.activeElement.blur()"  # outside any text field
    agent.evaluate(blur)
    agent.keyboard.press(step)
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{neighbour}/$"))
    expect(inbox.locator(f'li[aria-current="true"] [data-contact="{neighbour}"]')).to_be_visible()
    agent.evaluate(blur)  # the pane it loaded may focus its reply box
    agent.keyboard.press("j" if step == "k" else "k")
    expect(agent).to_have_url(re.compile(rf"/desk/contacts/{ids[1]}/$"))
    expect(inbox.locator(f'li[aria-current="true"] [data-contact="{ids[1]}"]')).to_be_visible()
    assert agent.evaluate("window.__noReload") is True


def test_history_period_changed_and_csv_downloaded(live_roadie, login_as):
    created = new_chat(live_roadie, f"Historique {uuid.uuid4().hex[:6]}")
    arrived = datetime.fromisoformat(created["arrived_at"]).astimezone(PARIS)
    day = arrived.date().isoformat()
    page = login_as("supervisor")
    page.goto(f"{live_roadie.url}/board/history/")
    page.get_by_label("From").fill(day)
    page.get_by_label("To").fill(day)
    page.get_by_label("Per", exact=True).select_option("hour")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"start={day}.*end={day}.*by=hour"))
    expect(page.get_by_label("From")).to_have_value(day)
    expect(page.get_by_label("Per", exact=True)).to_have_value("hour")

    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename == f"roadie-history-{day}-{day}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    hour = arrived.strftime("%H")
    ours = [r for r in body if r[1] == "Ondes Mobile" and r[2] == "chat" and day in r[0] and f" {hour}:" in r[0]]
    assert header[:4] == ["interval", "brand", "channel", "arrived"] and len(ours) == 1, (header, body[:5])
    assert int(ours[0][3]) >= 1
    assert all(r[0].startswith(day) for r in body)  # one day, per hour
