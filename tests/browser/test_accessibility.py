"""Every main page passes axe-core's WCAG 2.1 A/AA rules, in English and in French, and the
language switch works with the keyboard."""

from __future__ import annotations

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize(("username", "path"), [
    ("camille", "/desk/"), ("supervisor", "/board/"), ("brand-ondes", "/brand/"),
])
def test_pages_meet_wcag_aa(live_roadie, login_as, username, path, locale):
    page = login_as(username, locale=locale)
    page.goto(f"{live_roadie.url}{path}")
    assert page.locator("html").get_attribute("lang") == locale[:2]
    assert violations(page) == []


def test_login_page_meets_wcag_aa(live_roadie, browser):
    page = browser.new_page(locale="fr-FR")
    page.goto(f"{live_roadie.url}/login/")
    assert violations(page) == []
    page.close()


def test_language_switch_with_the_keyboard(live_roadie, login_as):
    page = login_as("camille", locale="en-US")
    expect(page.get_by_role("heading", name="My desk")).to_be_visible()
    page.get_by_label("Language").focus()
    page.keyboard.press("ArrowDown")  # English -> Français
    page.get_by_role("button", name="Change").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mon poste")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
