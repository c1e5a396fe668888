"""Customer satisfaction surveys: one per resolved contact, on the contact's own channel.

The desk owns the survey and its write path; connectors plug in through ``SURVEY_SENDERS``
(channel -> callable(survey) that invites the customer, e.g. the email connector mails the
link, the WhatsApp connector asks for a 1-5 reply) and hand answers back through
``answer_from_channel`` (WhatsApp reply, voice provider post). The email link and the video
page use a signed, single-use, expiring token (``token_for`` / ``survey_for_token``); the
chat widget asks ``open_survey_for_contact``.

Every answer is stored raw first (``contacts.actions.store_raw``); a replayed answer finds
the survey answered and counts once (its raw row is marked duplicate).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from roadie.desk.contacts.actions import store_raw
from roadie.desk.contacts.models import (
    Contact,
    ContactEvent,
    Direction,
    EventKind,
    Message,
    RawInbound,
    RawStatus,
    Status,
)
from roadie.desk.live.actions import agent_topic, brand_topic, publish
from roadie.desk.quality.models import (
    UNCONTROLLABLE_REASONS,
    LowRatingReason,
    Survey,
    SurveyStatus,
)

log = logging.getLogger("roadie.quality")

# Channel -> callable(survey) that invites the customer to answer; connectors register here.
SURVEY_SENDERS: dict[str, Callable[[Survey], None]] = {}

SURVEY_DAYS = 7
LOW_RATING = 3  # 1 to 3 asks for a reason
TOKEN_SALT = "roadie.quality.survey"


class SurveyError(Exception):
    """A survey answer is refused (HTTP 409 for state, 422 for input, 404 for a bad token)."""

    def __init__(self, message: str, *, status: int = 422):
        super().__init__(message)
        self.status = status


def public_url(path: str) -> str:
    base = getattr(settings, "ROADIE_PUBLIC_URL", "") or os.environ.get(
        "ROADIE_PUBLIC_URL", "http://127.0.0.1:8000")
    return base.rstrip("/") + path


# --- creating and sending ---------------------------------------------------------------

def open_survey(contact: Contact) -> Survey | None:
    """The contact's survey, created once at its first resolution (None when the contact was
    not handled by a roadie)."""
    event = (ContactEvent.objects.filter(contact=contact, kind=EventKind.RESOLVED, agent__isnull=False)
             .order_by("-at", "-pk").first())
    if event is None:
        return None
    now = timezone.now()
    survey, created = Survey.objects.get_or_create(contact=contact, defaults={
        "agent_id": event.agent_id, "channel": contact.channel, "nonce": secrets.token_hex(16),
        "created_at": now, "expires_at": now + timedelta(days=SURVEY_DAYS),
    })
    if created:
        sender = SURVEY_SENDERS.get(contact.channel)
        if sender is not None:
            transaction.on_commit(lambda: _send(survey.pk))
    return survey


def _send(survey_id: int) -> None:
    survey = Survey.objects.select_related("contact__brand", "contact__customer").get(pk=survey_id)
    sender = SURVEY_SENDERS.get(survey.channel)
    if sender is None or survey.sent_at is not None:
        return
    try:
        sender(survey)
    except Exception:  # a survey never breaks a resolution; the invitation is just not sent
        log.exception("survey %s could not be sent", survey_id)
        return
    Survey.objects.filter(pk=survey_id).update(sent_at=timezone.now())


def post_survey_message(survey: Survey, *, body: str) -> Message:
    """An outbound message on the contact's channel (for connectors whose invitation is a
    message: email, WhatsApp); delivered by the worker like any reply, it does not reopen
    the contact."""
    from roadie.desk.contacts.tasks import deliver_message

    with transaction.atomic():
        message = Message.objects.create(contact=survey.contact, direction=Direction.OUTBOUND,
                                         body=body, external_id=f"survey:{survey.pk}")
        transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message


def token_for(survey: Survey) -> str:
    return signing.dumps({"s": survey.pk, "n": survey.nonce}, salt=TOKEN_SALT, compress=True)


def survey_url(survey: Survey) -> str:
    return public_url(f"/survey/{token_for(survey)}")


def survey_for_token(token: str) -> Survey:
    """The survey a link's token names; a forged or expired token answers SurveyError(404)."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=timedelta(days=SURVEY_DAYS))
    except signing.SignatureExpired:
        raise SurveyError("this survey link has expired", status=410) from None
    except signing.BadSignature:
        raise SurveyError("this survey link is not valid", status=404) from None
    survey = (Survey.objects.select_related("contact__brand")
              .filter(pk=data.get("s"), nonce=data.get("n")).first())
    if survey is None:
        raise SurveyError("this survey link is not valid", status=404)
    return survey


def open_survey_for_contact(contact_id: int) -> Survey | None:
    """A pending survey of a contact (the chat widget and the video page ask this)."""
    return (Survey.objects.filter(contact_id=contact_id, status=SurveyStatus.PENDING,
                                  expires_at__gt=timezone.now()).first())


# --- answering --------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    rating: int
    comment: str = ""
    reason: str = ""


def parse_answer(*, rating, comment: str = "", reason: str = "") -> Answer:
    try:
        value = int(str(rating).strip())
    except (TypeError, ValueError):
        raise SurveyError("rating: a whole number from 1 to 5") from None
    if not 1 <= value <= 5:
        raise SurveyError("rating: a whole number from 1 to 5")
    reason = (reason or "").strip()
    if reason and reason not in LowRatingReason.values:
        raise SurveyError(f"reason: one of {LowRatingReason.values}")
    if reason and value > LOW_RATING:
        reason = ""  # a reason is asked only for low ratings
    return Answer(rating=value, comment=(comment or "").strip()[:2000], reason=reason)


def record_answer(survey: Survey, answer: Answer, *, raw: RawInbound,
                  answer_ref: str = "") -> tuple[Survey, bool]:
    """Apply an answer whose raw payload is already stored. Returns (survey, counted): a
    survey already answered keeps its first answer and the raw row is marked duplicate; an
    expired one is marked expired and refused (SurveyError 410)."""
    survey, counted = _record(survey, answer, raw=raw, answer_ref=answer_ref)
    if not counted and survey.status != SurveyStatus.ANSWERED:
        raise SurveyError("this survey has expired", status=410)
    return survey, counted


def _record(survey: Survey, answer: Answer, *, raw: RawInbound, answer_ref: str) -> tuple[Survey, bool]:
    now = timezone.now()
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("contact").get(pk=survey.pk)
        if survey.status == SurveyStatus.ANSWERED:
            RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.DUPLICATE, contact=survey.contact)
            return survey, False
        expired = survey.expires_at <= now
        if expired:
            Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.EXPIRED)
            RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.REJECTED, error="survey expired")
            return survey, False
        survey.status, survey.answered_at = SurveyStatus.ANSWERED, now
        survey.rating, survey.comment, survey.reason = answer.rating, answer.comment, answer.reason
        survey.controllable = not (answer.rating <= LOW_RATING and answer.reason in UNCONTROLLABLE_REASONS)
        survey.raw, survey.answer_ref = raw, answer_ref[:250]
        survey.save(update_fields=["status", "answered_at", "rating", "comment", "reason",
                                   "controllable", "raw", "answer_ref"])
        RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.PARSED, contact=survey.contact)
        topics = [brand_topic(survey.contact.brand_id)]
        if survey.agent_id:
            topics.append(agent_topic(survey.agent_id))
        publish("quality.survey_answered", topics=topics, payload={"survey": survey.pk})
    return survey, True


def add_reason(survey: Survey, *, reason: str, comment: str = "", payload: bytes = b"",
               source: str = "", raw: RawInbound | None = None) -> Survey:
    """The customer's reason for a low rating, asked after the rating (chat, the link page);
    stored raw first like the rating (unless the connector already did)."""
    if raw is None:
        raw = store_raw(channel=survey.channel, source=source or "survey", payload=payload,
                        meta={"survey": survey.pk, "step": "reason"}, brand=survey.contact.brand)
    if reason not in LowRatingReason.values:
        RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.REJECTED, error="unknown reason")
        raise SurveyError(f"reason: one of {LowRatingReason.values}")
    RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.PARSED, contact=survey.contact)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status != SurveyStatus.ANSWERED or survey.rating is None or survey.rating > LOW_RATING:
            raise SurveyError("a reason is asked only after a rating of 1 to 3", status=409)
        if survey.reason:
            return survey
        survey.reason = reason
        survey.controllable = reason not in UNCONTROLLABLE_REASONS
        if comment.strip() and not survey.comment:
            survey.comment = comment.strip()[:2000]
        survey.save(update_fields=["reason", "controllable", "comment"])
    return survey


def answer_survey(survey: Survey, *, rating, comment: str = "", reason: str = "",
                  payload: bytes = b"", source: str = "", content_type: str = "",
                  raw: RawInbound | None = None, answer_ref: str = "") -> tuple[Survey, bool]:
    """The whole inbound path for one answer: store raw (unless the connector already did),
    parse, record (counted once)."""
    if raw is None:
        raw = store_raw(channel=survey.channel, source=source, payload=payload,
                        content_type=content_type, meta={"survey": survey.pk}, brand=survey.contact.brand)
    try:
        answer = parse_answer(rating=rating, comment=comment, reason=reason)
    except SurveyError as exc:
        RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.REJECTED, error=str(exc))
        raise
    return record_answer(survey, answer, raw=raw, answer_ref=answer_ref)


def reply_answers_survey(*, contact: Contact, text: str, raw: RawInbound,
                         message_ref: str) -> Survey | None:
    """A connector's hook for a customer's reply that may answer the survey (a WhatsApp "4"
    after the invitation). Returns the survey when the reply was the answer (or a replay of
    it), None when it is an ordinary message for the desk."""
    if message_ref:
        replay = Survey.objects.filter(contact=contact, answer_ref=message_ref).first()
        if replay is not None:
            RawInbound.objects.filter(pk=raw.pk).update(status=RawStatus.DUPLICATE, contact=contact)
            return replay
    if text.strip() not in {"1", "2", "3", "4", "5"} or contact.status != Status.RESOLVED:
        return None
    survey = (Survey.objects.filter(contact=contact, status=SurveyStatus.PENDING,
                                    sent_at__isnull=False, expires_at__gt=timezone.now()).first())
    if survey is None:
        return None
    survey, _ = answer_survey(survey, rating=text.strip(), raw=raw, answer_ref=message_ref)
    return survey


