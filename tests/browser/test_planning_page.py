"""The planning page in Chromium: a supervisor changes a series' parameters, proposes next
week's slots for a pool (the background worker makes them while the page shows its progress),
sees the chart and the slots by day, in English and French, publishes them; the page meets
WCAG 2.1 AA."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


# Three weeks of resolved calls for the demo's pooled brands, up to yesterday.
HISTORY = """
import datetime as dt, random
from django.utils import timezone
from roadie.desk.brands.models import Pool
from roadie.desk.contacts.models import Contact, Customer
rng = random.Random(3)
zone = timezone.get_current_timezone()
today = timezone.localdate()
rows = []
for brand in Pool.objects.get(slug="pooled").brands.all():
    customer = Customer.objects.create(brand=brand, name="Historique")
    for d in range(1, 22):
        day = today - dt.timedelta(days=d)
        if day.weekday() == 6:
            continue
        for hour in range(9, 19):
            for _ in range(rng.randint(2, 6)):
                at = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), zone)
                rows.append(Contact(brand=brand, channel="voice", customer=customer,
                                    arrived_at=at, deadline_at=at, status="resolved",
                                    answered_at=at, resolved_at=at))
Contact.objects.bulk_create(rows)
"""

# The demo has published plans of its own for this pool (self-scheduling): the test starts from
# none, and afterwards puts the demo's plans back (the schedule tests book their slots).
SET_ASIDE = """
from roadie.desk.planning.models import SlotPlan
demo = list(SlotPlan.objects.filter(pool__slug="pooled", status="published").values_list("pk", flat=True))
SlotPlan.objects.filter(pk__in=demo).update(status="superseded")
print(max(SlotPlan.objects.values_list("pk", flat=True), default=0), demo)
"""
PUT_BACK = """
from roadie.desk.planning.models import SlotPlan
SlotPlan.objects.filter(pool__slug="pooled", pk__gt={last}).update(status="superseded")
SlotPlan.objects.filter(pk__in={demo}).update(status="published")
"""


# "Propose slots", or "Propose again..." where the demo has already published a plan for the pool.
PROPOSE = re.compile(r"^Propose")


@pytest.fixture
def pooled_without_plans(live_roadie):
    last, demo = live_roadie.python(SET_ASIDE).split(" ", 1)
    yield
    live_roadie.python(PUT_BACK.format(last=last, demo=demo))


def test_supervisor_proposes_and_publishes_slots(live_roadie, login_as, pooled_without_plans):
    live_roadie.python(HISTORY)
    page = login_as("supervisor")
    page.get_by_role("link", name="Planning").first.click()
    expect(page.get_by_role("heading", name="Planning")).to_be_visible()
    assert violations(page) == []
    page.get_by_role("link", name="Pooled portfolio").click()
    params = page.locator("table.series-params")
    expect(params.get_by_role("cell", name="Phone").first).to_be_visible()
    assert params.locator("tbody tr").count() >= 2  # one row per brand and channel
    shrinkage = params.locator("tbody tr").first.locator("input[name$=-shrinkage]")
    shrinkage.fill("lots")
    page.get_by_role("button", name=PROPOSE).click()
    expect(page.get_by_role("alert")).to_contain_text("shrinkage must be a number")
    assert violations(page) == []
    page.locator("table.series-params tbody tr").first.locator(
        "input[name$=-shrinkage]").fill("35")
    page.get_by_role("button", name=PROPOSE).click()
    # queued: the page shows its progress until a worker makes the proposal
    expect(page.get_by_role("heading", name="Proposal in progress")).to_be_visible()
    expect(page.locator("progress#run-progress")).to_be_visible()
    assert violations(page) == []
    worker = live_roadie.start("worker")
    try:
        expect(page.locator("#sum-h")).to_be_visible(timeout=120_000)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        live_roadie.processes.remove(worker)
    expect(page.locator("figure.chart svg")).to_be_visible()
    expect(page.locator("figure.chart svg")).to_contain_text("coverage (slots)")
    # the form now holds the parameters this proposal was made with
    expect(page.locator("table.series-params caption")).to_contain_text(
        "The parameters of the current proposal")
    expect(page.locator("table.series-params tbody tr").first.locator(
        "input[name$=-shrinkage]")).to_have_value("35.0")
    days = page.locator("table.slots-day")
    assert days.count() >= 5 and days.first.locator("tbody tr").count() > 0
    assert violations(page) == []
    shots = Path(os.environ.get("ROADIE_SCREENSHOTS", live_roadie.env["ROADIE_DATA_DIR"]))
    page.screenshot(path=str(shots / "planning-en.png"), full_page=True)
    page.get_by_role("button", name="Publish these slots").click()
    expect(page.locator("[data-plan-status]")).to_have_text("Published")
    # the same page in French, chart included
    page.locator("form.lang select").select_option("fr")
    page.locator("form.lang button").click()
    expect(page.get_by_role("heading", name="Séries et paramètres")).to_be_visible()
    expect(page.locator("figure.chart svg")).to_contain_text("couverture (créneaux)")
    page.screenshot(path=str(shots / "planning-fr.png"), full_page=True)
    assert violations(page) == []
    page.locator("form.lang select").select_option("en")
    page.locator("form.lang button").click()
