"""WhatsApp survey: after a resolution the customer's "1".."5" reply answers the survey (once,
even when Meta delivers it twice) instead of reopening the conversation."""

from __future__ import annotations

import json

from roadie.desk.contacts import actions
from roadie.desk.contacts.models import Contact, RawInbound, Status
from roadie.desk.quality.models import Survey, SurveyStatus
from roadie.desk.quality.surveys import SURVEY_SENDERS, open_survey


def _reply(sample, *, body: str, wamid: str) -> bytes:
    data = json.loads(sample("text"))
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"], message["id"] = body, wamid
    return json.dumps(data).encode()


def test_a_digit_reply_answers_the_survey_once(sample, post_signed, whatsapp, make_agent):
    assert "whatsapp" in SURVEY_SENDERS  # the connector plugged its invitation into the desk
    post_signed(sample("text"))
    contact = Contact.objects.get(brand=whatsapp.brand, channel="whatsapp")
    agent = make_agent(brands=[whatsapp.brand])
    Contact.objects.filter(pk=contact.pk).update(agent=agent, status=Status.ACTIVE)
    contact = actions.resolve(agent.user, Contact.objects.get(pk=contact.pk), wrap_up_code="solved")
    survey = open_survey(contact)
    Survey.objects.filter(pk=survey.pk).update(sent_at=contact.resolved_at)  # invitation delivered

    first = post_signed(_reply(sample, body="4", wamid="wamid.answer-1"))
    again = post_signed(_reply(sample, body="4", wamid="wamid.answer-1"))
    assert first.status_code == again.status_code == 200 and first.json()["new"] == 0
    survey.refresh_from_db()
    contact.refresh_from_db()
    assert survey.status == SurveyStatus.ANSWERED and survey.rating == 4
    assert contact.status == Status.RESOLVED  # not reopened
    assert list(RawInbound.objects.filter(channel="whatsapp").values_list("status", flat=True)
                .order_by("pk"))[-2:] == ["parsed", "duplicate"]

    # any other message is the customer writing again: it reopens the conversation
    post_signed(_reply(sample, body="Finalement j'ai une autre question", wamid="wamid.other"))
    contact.refresh_from_db()
    assert contact.status == Status.QUEUED
