"""The crowd economy's settings pages in Chromium: quality staff set up a workload and see it
on the quality page, a supervisor records an escalation verdict, finance adds a rule version;
each settings page passes axe-core's WCAG 2.1 A/AA rules in English and French."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from axe_check import violations
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("ROADIE_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize(("username", "path", "name"), [
    ("qa", "/quality/setup/", "quality-setup"),
    ("supervisor", "/quality/escalations/?show=all", "quality-escalations"),
    ("finance", "/pay/finance/settings/", "pay-settings"),
    ("supervisor", "/schedule/settings/", "schedule-settings"),
])
def test_settings_pages_meet_wcag_aa(live_roadie, login_as, username, path, name, locale, tmp_path):
    page = login_as(username, locale=locale)
    page.goto(f"{live_roadie.url}{path}")
    assert page.locator("html").get_attribute("lang") == locale[:2]
    _shot(page, f"{name}-{locale[:2]}", tmp_path)
    assert violations(page) == []


def test_quality_staff_set_up_a_workload_in_the_browser(live_roadie, login_as):
    name = f"Browser workload {uuid.uuid4().hex[:6]}"
    page = login_as("qa")
    page.goto(f"{live_roadie.url}/quality/")
    page.get_by_role("link", name="New scorecard or workload").click()
    form = page.locator("form", has=page.get_by_role("button", name="Set up the workload"))
    form.get_by_label("Name").fill(name)
    form.get_by_label("Low satisfaction (1 to 3) only").check()
    form.get_by_label("Quentin Qualité", exact=True).check()  # the demo's qa
    form.get_by_role("button", name="Set up the workload").click()
    expect(page.get_by_text(f"Workload {name} set up")).to_be_visible()
    expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()


def test_a_supervisor_records_an_escalation_verdict(live_roadie, login_as):
    made = live_roadie.python(
        "from django.utils import timezone\n"
        "from roadie.desk.accounts.models import User\n"
        "from roadie.desk.contacts.models import Contact, Escalation\n"
        "c = Contact.objects.filter(agent__isnull=False).order_by('-pk').first()\n"
        "now = timezone.now()\n"
        "e = Escalation.objects.create(contact=c, raised_by=c.agent.user, reason='browser: refund over the limit', raised_at=now, due_at=now)\n"
        "print(e.pk)").strip().splitlines()[-1]
    page = login_as("supervisor", locale="fr-FR")
    page.goto(f"{live_roadie.url}/quality/escalations/")
    card = page.locator(f"section[aria-labelledby='esc-{made}']")
    expect(card).to_contain_text("browser: refund over the limit")
    card.get_by_label("Oui").check()
    card.get_by_label("Note (facultatif)").fill("au-delà de son plafond")
    card.get_by_role("button", name="Enregistrer le verdict").click()
    expect(page.get_by_text(f"Verdict enregistré pour l'escalade n° {made}")).to_be_visible()
    verdict = live_roadie.python(
        "from roadie.desk.quality.models import EscalationVerdict\n"
        f"v = EscalationVerdict.objects.get(escalation_id={made})\n"
        "print(v.justified, v.note)").strip().splitlines()[-1]
    assert verdict == "True au-delà de son plafond"


def test_finance_adds_a_rule_version_in_the_browser(live_roadie, login_as):
    code = f"browser-{uuid.uuid4().hex[:6]}"
    page = login_as("finance")
    page.goto(f"{live_roadie.url}/pay/finance/")
    page.get_by_role("link", name="Pay rules and brand contracts").click()
    page.get_by_label("Rule code").fill(code)
    page.get_by_label("In effect from").first.fill("2099-01-01")
    page.get_by_role("button", name="Save the rule version").click()
    expect(page.get_by_text(f"Rule {code} version 1 saved.")).to_be_visible()
    expect(page.get_by_role("cell", name=f"{code} v1")).to_be_visible()
    # a bad term: the field named, nothing written
    page.get_by_label("Rule code").fill(code)
    page.get_by_label("In effect from").first.fill("2099-02-01")
    page.locator("#rule-data").fill('{"tips": "1"}')
    page.get_by_role("button", name="Save the rule version").click()
    expect(page.get_by_role("alert")).to_contain_text("tips")
    expect(page.get_by_role("cell", name=f"{code} v2")).to_have_count(0)
