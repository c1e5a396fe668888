"""Money pages in Chromium, on the demo (seed-demo closed its past months): a roadie reads
and contests a statement line; finance closes a period and proves the books; a brand user
opens an invoice and the usage behind it. Each page meets WCAG 2.1 AA, in English and French."""

from __future__ import annotations

import os

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("ROADIE_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_roadie_reads_and_contests_a_statement_line(live_roadie, login_as):
    page = login_as("camille")
    page.get_by_role("link", name="My pay").click()
    expect(page.get_by_role("heading", name="My pay")).to_be_visible()
    expect(page.get_by_text("Total:")).to_be_visible()
    table = page.get_by_role("table", name="Statement lines")
    expect(table.get_by_text("default v1").first).to_be_visible()
    shot(page, "pay-mine")
    assert violations(page) == []
    first = page.get_by_label("What is wrong with this line?").first
    first.fill("This call lasted twenty minutes")
    page.get_by_role("button", name="Contest").first.click()
    expect(page.get_by_text("Your contest is open")).to_be_visible()
    expect(page.get_by_text("This call lasted").or_(page.get_by_role("heading", name="My contests"))).to_be_visible()


def test_finance_closes_a_period_and_proves_the_books(live_roadie, login_as):
    page = login_as("finance")
    page.get_by_role("link", name="Money").click()
    expect(page.get_by_role("heading", name="Periods")).to_be_visible()
    shot(page, "pay-finance")
    assert violations(page) == []
    # The month before the books' first closed month has not been closed yet.
    closed = sorted(page.locator("table tbody th[scope=row]").all_inner_texts())
    year, month = (int(p) for p in closed[0].split("-"))
    earlier = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    page.get_by_label("Month to close (YYYY-MM)").fill(earlier)
    page.get_by_role("button", name="Close the period").click()
    expect(page.get_by_text(f"Period {earlier} closed")).to_be_visible()
    page.get_by_label("Month to close (YYYY-MM)").fill(earlier)
    page.get_by_role("button", name="Close the period").click()
    expect(page.get_by_text(f"{earlier} is already closed")).to_be_visible()
    page.get_by_role("link", name="Prove the books (ledger check)").click()
    expect(page.get_by_text("Books balanced")).to_be_visible()


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_a_brand_user_opens_an_invoice(live_roadie, login_as, locale):
    page = login_as("brand-ondes", locale=locale)
    english = locale.startswith("en")
    page.goto(f"{live_roadie.url}/pay/invoices/")
    assert violations(page) == []
    page.locator("table tbody a").first.click()
    expect(page.get_by_role("heading", name="Usage behind this invoice" if english
                            else "Activité facturée")).to_be_visible()
    expect(page.get_by_text("VAT 20 %" if english else "TVA 20 %")).to_be_visible()
    shot(page, f"pay-invoice-{locale[:2]}")
    assert violations(page) == []
    assert page.get_by_role("link", name="PDF").get_attribute("href").endswith(".pdf")
