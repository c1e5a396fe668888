"""The quality pages pass axe-core's WCAG 2.1 A/AA rules, in English and in French."""

from __future__ import annotations

import pytest
from axe_check import violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize(("username", "path"), [
    ("qa", "/quality/"), ("camille", "/quality/me/"), ("supervisor", "/quality/team/"),
    ("brand-ondes", "/quality/team/"), ("qa", "/quality/disputes/"),
])
def test_quality_pages_meet_wcag_aa(live_roadie, login_as, username, path, locale, tmp_path):
    page = login_as(username, locale=locale)
    page.goto(f"{live_roadie.url}{path}")
    assert page.locator("html").get_attribute("lang") == locale[:2]
    assert violations(page) == []


def test_review_scorecard_transparency_and_survey_pages(live_roadie, login_as, browser):
    page = login_as("camille")
    page.goto(f"{live_roadie.url}/quality/me/")
    page.locator("[data-review] a").first.click()
    assert "/quality/reviews/" in page.url and violations(page) == []
    qa = login_as("qa", locale="fr-FR")
    qa.goto(f"{live_roadie.url}/quality/")
    qa.locator("a[href*='/quality/scorecards/']").first.click()
    assert violations(qa) == []
    token = live_roadie.roadie("shell", "-c", (
        "from roadie.desk.quality.models import Survey\n"
        "from roadie.desk.quality.surveys import token_for\n"
        "from django.utils import timezone\n"
        "print(token_for(Survey.objects.filter(status='pending', expires_at__gt=timezone.now()).first()))"
    )).splitlines()[-1]
    anonymous = browser.new_page(locale="fr-FR")
    try:
        for path in ("/quality/transparency/", f"/survey/{token}"):
            anonymous.goto(f"{live_roadie.url}{path}")
            assert violations(anonymous) == [], path
    finally:
        anonymous.close()
