"""Surveys: one per contact, raw first, signed single-use expiring token, replay counted once,
low-rating reasons out of the roadie's hands kept out of their score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.contacts.models import Direction, RawInbound, RawStatus
from roadie.desk.quality import surveys
from roadie.desk.quality.lib import quality_inputs, survey_stats
from roadie.desk.quality.models import Survey, SurveyStatus


@pytest.fixture
def survey(quality_world, resolved_contact, django_capture_on_commit_callbacks):
    w = quality_world
    with django_capture_on_commit_callbacks(execute=True):
        contact = resolved_contact(agent=w["agent"], brand=w["brand"], channel="email")
    return Survey.objects.get(contact=contact)


def test_resolution_opens_one_survey_and_mails_the_link(survey, quality_world):
    assert survey.agent == quality_world["agent"] and survey.channel == "email"
    assert survey.sent_at is not None
    invitation = survey.contact.messages.get(direction=Direction.OUTBOUND, external_id=f"survey:{survey.pk}")
    assert surveys.survey_url(survey) in invitation.body
    assert surveys.open_survey(survey.contact) == survey  # never a second one


def test_link_page_answers_once_without_login(client, survey):
    url = f"/survey/{surveys.token_for(survey)}"
    page = client.get(url)
    assert page.status_code == 200 and b'name="rating"' in page.content
    answered = client.post(url, {"rating": "2", "comment": "Colis jamais arrivé"})
    assert b'name="reason"' in answered.content  # a low rating asks why
    client.post(url, {"reason": "delivery"})
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.ANSWERED and survey.rating == 2
    assert survey.reason == "delivery" and not survey.controllable
    assert RawInbound.objects.get(pk=survey.raw_id).status == RawStatus.PARSED
    again = client.post(url, {"rating": "5"})
    survey.refresh_from_db()
    assert survey.rating == 2 and b"data-already" in again.content
    assert RawInbound.objects.filter(source="survey-page").count() == 3  # every delivery kept


def test_forged_and_expired_tokens(client, survey):
    assert client.get("/survey/not-a-token").status_code == 404
    token = surveys.token_for(survey)
    assert client.get(f"/survey/{token[:-2]}xx").status_code == 404
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.post(f"/survey/{token}", {"rating": "5"}).status_code == 410
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.EXPIRED and survey.rating is None


def test_api_answer_replay_counts_once_and_bad_input_writes_nothing(client, survey):
    token = surveys.token_for(survey)
    bad = client.post("/api/surveys/answer", {"token": token, "rating": 9}, content_type="application/json")
    assert bad.status_code == 422 and "rating" in bad.json()["detail"]
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.PENDING
    first = client.post("/api/surveys/answer", {"token": token, "rating": 5, "comment": "Top"},
                        content_type="application/json")
    replay = client.post("/api/surveys/answer", {"token": token, "rating": 5, "comment": "Top"},
                         content_type="application/json")
    assert first.json()["counted"] is True and replay.json()["counted"] is False
    survey.refresh_from_db()
    assert RawInbound.objects.get(pk=survey.raw_id).status == RawStatus.PARSED
    assert RawInbound.objects.filter(source="api", status=RawStatus.DUPLICATE).count() == 1


def test_non_controllable_reason_is_kept_but_out_of_the_score(quality_world, resolved_contact,
                                                             django_capture_on_commit_callbacks):
    w = quality_world
    for rating, reason in ((5, ""), (4, ""), (1, "product"), (2, "attitude")):
        with django_capture_on_commit_callbacks(execute=True):
            contact = resolved_contact(agent=w["agent"], brand=w["brand"])
        survey = Survey.objects.get(contact=contact)
        surveys.answer_survey(survey, rating=rating, reason=reason, payload=b"{}", source="test")
    now = timezone.now()
    inputs = quality_inputs(agent_id=w["agent"].pk, start=now - timedelta(days=1), end=now + timedelta(seconds=1))
    assert (inputs.csat_positive, inputs.csat_answers) == (2, 3)
    stats = survey_stats(agent_id=w["agent"].pk, start=now - timedelta(days=1), end=now + timedelta(seconds=1))
    assert stats["answered"] == 4 and stats["csat"] == 0.5 and stats["controllable_csat"] == 2 / 3
    assert stats["response_rate"] == 1.0
