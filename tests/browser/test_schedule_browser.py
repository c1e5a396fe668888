"""My schedule and coverage in Chromium, on the demo: camille releases and books a slot in one
click each, lea joins a waiting list, on a phone-sized screen; a supervisor reads coverage;
both pages meet WCAG 2.1 AA in English and French."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("ROADIE_SCREENSHOTS", "/tmp/roadie-screenshots"))


def test_book_and_release_from_my_schedule_on_a_phone(live_roadie, login_as):
    page = login_as("camille")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My schedule").click()
    expect(page.get_by_role("heading", name="My schedule")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "my-schedule-phone.png"), full_page=False)
    next_week = page.get_by_role("link", name="Next week")
    next_week.click()
    mine = page.locator('li[data-status="booked"]').first
    slot_id = mine.get_attribute("data-slot")
    mine.get_by_role("button", name="Release").click()
    expect(page.get_by_text("Released.", exact=True)).to_be_visible()
    again = page.locator(f'li[data-slot="{slot_id}"]')
    expect(again).to_have_attribute("data-status", "open")
    again.get_by_role("button", name="Book").click()
    expect(page.get_by_text("Booked.", exact=True)).to_be_visible()
    expect(page.locator(f'li[data-slot="{slot_id}"]')).to_have_attribute("data-status", "booked")
    # a phone: no horizontal scrolling
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_lea_joins_the_waiting_list_of_a_full_slot(live_roadie, login_as):
    page = login_as("lea")
    page.goto(f"{live_roadie.url}/schedule/")
    full = page.locator('li[data-status="full"]').first
    if full.count() == 0:
        page.get_by_role("link", name="Next week").click()
        full = page.locator('li[data-status="full"]').first
    full.get_by_role("button", name="Join the waiting list").click()
    expect(page.get_by_text("You are on the waiting list.")).to_be_visible()
    expect(page.get_by_role("button", name="Leave the waiting list").first).to_be_visible()


def test_supervisor_reads_coverage(live_roadie, login_as):
    page = login_as("supervisor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Coverage").click()
    expect(page.get_by_role("heading", name="Per half hour")).to_be_visible()
    assert page.locator("tr[data-interval]").count() == 36
    page.screenshot(path=str(SHOTS / "coverage.png"), full_page=True)
    page.goto(f"{live_roadie.url}/board/")
    expect(page.get_by_role("heading", name="Uncovered slots, next 48 hours")).to_be_visible()


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize(("username", "path"), [
    ("camille", "/schedule/"), ("supervisor", "/schedule/coverage/"), ("camille", "/desk/"),
])
def test_schedule_pages_meet_wcag_aa(live_roadie, login_as, username, path, locale):
    page = login_as(username, locale=locale)
    page.goto(f"{live_roadie.url}{path}")
    assert violations(page) == []
    if path == "/schedule/" and locale == "fr-FR":
        expect(page.get_by_role("heading", name="Mon planning")).to_be_visible()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SHOTS / "my-schedule-fr.png"), full_page=True)
