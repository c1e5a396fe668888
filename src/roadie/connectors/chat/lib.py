"""Chat sessions: open or resume, the visitor writes, what the visitor may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from roadie.connectors.calendar import team_on_duty
from roadie.connectors.chat.models import ChatSession
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.identity import vouched_email
from roadie.desk.contacts.models import Contact, Direction, Message, RawInbound, RawStatus

MAX_BODY = 5000


@dataclass(frozen=True)
class Line:
    """A message as the visitor sees it (never an internal note)."""

    id: int
    author: str  # "customer" or "agent"
    name: str
    body: str
    at: str

    def as_dict(self) -> dict:
        return {"type": "message", "id": self.id, "from": self.author, "name": self.name,
                "body": self.body, "at": self.at}


def chat_channel(brand_slug: str) -> Channel | None:
    return (Channel.objects.select_related("brand")
            .filter(kind=ChannelKind.CHAT, brand__slug=brand_slug, enabled=True, brand__is_active=True)
            .first())


def is_open(channel: Channel) -> bool:
    return team_on_duty(channel)


# When the widget asks who the visitor is (the chat channel's ``config["identity_prompt"]``):
# "before" the first message (name and email required), "during" the conversation (after the
# first message, optional), or "never".
IDENTITY_PROMPTS = ("before", "during", "never")
DEFAULT_PROMPT = "during"


def identity_prompt(channel: Channel) -> str:
    value = (channel.config or {}).get("identity_prompt") or DEFAULT_PROMPT
    return value if value in IDENTITY_PROMPTS else DEFAULT_PROMPT


def known(session: ChatSession) -> bool:
    """The visitor has said who they are (or the brand vouched for them)."""
    return session.verified or bool(session.name and session.email)


def identify(session: ChatSession, *, name, email) -> ChatSession:
    """The visitor typed their name and email in the widget: kept on the session (and on the
    conversation's own unverified customer), never trusted as the brand's customer."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from roadie.desk.contacts.actions import visitor_identifies

    if not isinstance(name, str) or not isinstance(email, str):
        raise ValueError("name and email must be strings")
    name, email = name.strip(), email.strip()
    if not name or len(name) > 120:
        raise ValueError("name: between 1 and 120 characters")
    if len(email) > 254:
        raise ValueError("email: at most 254 characters")
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError("email: not an email address") from None
    fields = {"name": name} if session.verified else {"name": name, "email": email}
    ChatSession.objects.filter(pk=session.pk).update(**fields)
    for key, value in fields.items():
        setattr(session, key, value)
    if session.contact_id is not None:
        contact = Contact.objects.get(pk=session.contact_id)
        visitor_identifies(contact, name=name, email=session.email)
    return session


def open_session(channel: Channel, *, token: str = "", name: str = "", email: str = "",
                 identity=None) -> tuple[ChatSession, bool]:
    """Resume the session with this token for this brand, or start a new one. The email
    typed is kept as the visitor's claim; only the brand's signed ``identity`` token makes
    the visitor the brand's customer with that address."""
    session = ChatSession.objects.filter(token=token, brand=channel.brand).first() if token else None
    resumed = session is not None
    if session is None:
        vouched = vouched_email(channel.config, identity)
        session = ChatSession.objects.create(brand=channel.brand, name=name[:120],
                                             email=vouched or email[:254], verified=bool(vouched))
    ChatSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now(), left_at=None,
                                                     connections=session.connections + 1)
    return session, resumed


def visitor_writes(session: ChatSession, *, body: str, client_id: str, raw: RawInbound) -> Message:
    """Add the message of a frame already stored raw (idempotent on the client's message id)."""
    body = body.strip()
    if not body or len(body) > MAX_BODY:
        reason = "empty message" if not body else f"message longer than {MAX_BODY} characters"
        type(raw).objects.filter(pk=raw.pk).update(status=RawStatus.REJECTED, error=reason)
        raise ValueError(reason)
    contact, message, _ = receive(Inbound(
        brand=session.brand, channel=ChannelKind.CHAT, body=body,
        customer=CustomerData(name=session.name or "Visiteur", email=session.email,
                              external_ref=f"chat:{session.token}", verified=session.verified),
        subject=body.splitlines()[0][:80], external_id=session.token,
        message_id=f"chat:{client_id[:100]}" if client_id else "",
    ), raw=raw)
    if session.contact_id != contact.pk:
        ChatSession.objects.filter(pk=session.pk).update(contact=contact)
        session.contact_id = contact.pk
    return message


def lines_after(session: ChatSession, after: int) -> tuple[list[Line], str | None]:
    """Visible messages after id ``after`` and the conversation's status."""
    if session.contact_id is None:
        session.contact_id = (ChatSession.objects.filter(pk=session.pk)
                              .values_list("contact_id", flat=True).first())
        if session.contact_id is None:
            return [], None
    messages = (Message.objects.filter(contact_id=session.contact_id, pk__gt=after,
                                       direction__in=[Direction.INBOUND, Direction.OUTBOUND])
                .select_related("author").order_by("pk"))
    lines = [Line(id=m.pk, author="customer" if m.direction == Direction.INBOUND else "agent",
                  name=(m.author.first_name or "") if m.author else "", body=m.body,
                  at=m.created_at.isoformat()) for m in messages]
    status = Contact.objects.filter(pk=session.contact_id).values_list("status", flat=True).first()
    return lines, status


def survey_offer(session: ChatSession) -> dict | None:
    """The satisfaction question for a resolved conversation, once the desk opened it."""
    from roadie.desk.quality.models import LowRatingReason
    from roadie.desk.quality.surveys import open_survey_for_contact

    if session.contact_id is None:
        return None
    from django.utils import translation

    survey = open_survey_for_contact(session.contact_id)
    if survey is None:
        return None
    language = Contact.objects.filter(pk=session.contact_id).values_list("language", flat=True).first()
    with translation.override("en" if (language or "").startswith("en") else "fr"):
        reasons = [{"value": v, "label": str(label)} for v, label in LowRatingReason.choices]
    return {"type": "survey", "survey": survey.pk, "scale": [1, 2, 3, 4, 5], "reasons": reasons}


def answer_survey(session: ChatSession, *, frame: dict, raw: RawInbound) -> dict:
    """The visitor's answer from the widget (its frame stored raw), counted once (desk's
    write path)."""
    from roadie.desk.quality import surveys
    from roadie.desk.quality.models import Survey

    survey = Survey.objects.filter(contact_id=session.contact_id).select_related("contact__brand").first()
    if survey is None:
        raise ValueError("no survey for this conversation")
    try:
        if frame.get("reason") and frame.get("rating") is None:
            surveys.add_reason(survey, reason=str(frame["reason"]), comment=str(frame.get("comment") or ""),
                               raw=raw)
            return {"type": "survey_thanks", "ask_reason": False}
        survey, counted = surveys.answer_survey(
            survey, rating=frame.get("rating"), comment=str(frame.get("comment") or ""),
            reason=str(frame.get("reason") or ""), raw=raw)
    except surveys.SurveyError as exc:
        raise ValueError(str(exc)) from None
    ask = counted and survey.rating <= surveys.LOW_RATING and not survey.reason
    return {"type": "survey_thanks", "ask_reason": ask, "counted": counted}
