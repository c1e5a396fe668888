"""Telephony webhooks (roadie's generic JSON shape, Twilio's status callback) and the calls
page with the premium lines' 60-second target."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from roadie.connectors import hooks
from roadie.connectors.voice import actions, twilio
from roadie.connectors.voice.actions import CallEvent
from roadie.desk.accounts.access import brand_scope, can_supervise
from roadie.desk.brands.models import Brand, ChannelKind
from roadie.desk.throttle.lib import throttled

SIGNATURE = "X-Roadie-Signature"


def parse_generic(data: dict) -> CallEvent:
    event, call_id = data.get("event"), data.get("call_id")
    if event not in actions.EVENTS:
        raise ValueError(f"event must be one of {actions.EVENTS}, not {event!r}")
    if not isinstance(call_id, str) or not call_id.strip() or len(call_id) > 200:
        raise ValueError("call_id must be a non-empty string of at most 200 characters")
    at = timezone.now()
    if data.get("at"):
        try:
            at = datetime.fromisoformat(str(data["at"])[:40].replace("Z", "+00:00"))
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"at is not an ISO 8601 time: {data['at']!r}") from exc
        if at.tzinfo is None:
            raise ValueError("at must carry a time zone")
        # The provider's clock times the call only when it is plausible (year 9999 is not).
        at = hooks.provider_time(at)
    fields = {k: data.get(k) or "" for k in ("from", "to", "agent", "language")}
    if any(not isinstance(v, str) or len(v) > 60 for v in fields.values()):
        raise ValueError("from, to, agent and language must be short strings")
    return CallEvent(event=event, call_id=call_id.strip(), at=at, caller=fields["from"], line=fields["to"],
                     agent=fields["agent"], language=fields["language"][:8])


def _answer(call) -> JsonResponse:
    return JsonResponse({"call": call.pk, "contact": call.contact_id, "state": call.state,
                         "contact_status": call.contact.status, "relay": call.relay})


def _twilio_signed(request, channel) -> tuple[int, str] | None:
    config = channel.config or {}
    urls = [u for u in (config.get("twilio_webhook_url"), request.build_absolute_uri()) if u]
    params = [(k, v) for k in request.POST for v in request.POST.getlist(k)]
    if not twilio.signature_ok(config.get("twilio_auth_token", ""), urls, params,
                               request.headers.get("X-Twilio-Signature")):
        return 401, "missing or wrong X-Twilio-Signature"
    return None


@csrf_exempt
@throttled("webhook", channel_kwarg="address")
@require_POST
@hooks.files_or_fails
def webhook(request, address: str):
    channel = hooks.find_channel(ChannelKind.VOICE, address)
    raw, refused = hooks.store_delivery(request, channel, kind=ChannelKind.VOICE, address=address,
                                        source="voice", check=hooks.signed_body(request, header=SIGNATURE))
    if refused:
        return refused
    try:
        event = parse_generic(hooks.parse_json(raw))
        call = actions.handle_event(channel=channel, event=event, raw=raw)
    except ValueError as exc:
        return hooks.failed(raw, reason=str(exc))
    return _answer(call)


@csrf_exempt
@throttled("webhook", channel_kwarg="address")
@require_POST
@hooks.files_or_fails
def survey_webhook(request, address: str):
    """The provider's post-call survey result, signed like the call events:
    ``{"call_id": "...", "rating": 1-5, "comment": "", "reason": ""}``."""
    from roadie.desk.contacts.models import Contact
    from roadie.desk.quality import surveys
    from roadie.desk.quality.models import Survey

    channel = hooks.find_channel(ChannelKind.VOICE, address)
    raw, refused = hooks.store_delivery(request, channel, kind=ChannelKind.VOICE, address=address,
                                        source="voice-survey", check=hooks.signed_body(request, header=SIGNATURE))
    if refused:
        return refused
    try:
        data = hooks.parse_json(raw)
    except ValueError as exc:
        return hooks.failed(raw, reason=str(exc))
    contact = Contact.objects.filter(brand=channel.brand, channel=ChannelKind.VOICE,
                                     external_id=str(data.get("call_id") or "")).first()
    survey = Survey.objects.filter(contact=contact).first() if contact else None
    if survey is None:
        return hooks.reject(raw, status=404, reason=f"no survey for call_id {data.get('call_id')!r}")
    try:
        survey, counted = surveys.answer_survey(
            survey, rating=data.get("rating"), comment=str(data.get("comment") or ""),
            reason=str(data.get("reason") or ""), raw=raw, answer_ref=f"voice:{raw.pk}")
    except surveys.SurveyError as exc:
        hooks.mark(raw, "rejected", error=str(exc))
        return JsonResponse({"detail": str(exc)}, status=exc.status)
    return JsonResponse({"survey": survey.pk, "counted": counted, "rating": survey.rating})


@csrf_exempt
@throttled("webhook", channel_kwarg="address")
@require_POST
@hooks.files_or_fails
def twilio_webhook(request, address: str):
    channel = hooks.find_channel(ChannelKind.VOICE, address)
    raw, refused = hooks.store_delivery(request, channel, kind=ChannelKind.VOICE, address=address,
                                        source="twilio", check=lambda ch: _twilio_signed(request, ch))
    if refused:
        return refused
    try:
        call = actions.handle_event(channel=channel, event=twilio.to_event(request.POST), raw=raw)
    except ValueError as exc:
        return hooks.failed(raw, reason=str(exc))
    return _answer(call)


def _visible_brands(user):
    if can_supervise(user):
        return Brand.objects.filter(is_active=True)
    if brand_scope(user) is not None:
        return Brand.objects.filter(pk=brand_scope(user))
    raise PermissionDenied("supervisors and brand users only")


def _calls_context(request) -> dict:
    brands = _visible_brands(request.user)
    calls = list(actions.calls_today(brands)[:200])
    premium = [c for c in calls if c.premium]
    return {
        "calls": calls, "waiting": actions.waiting_calls(brands), "now": timezone.now(),
        "premium": actions.calls_summary(premium), "all": actions.calls_summary(calls),
    }


@login_required
def calls(request):
    return render(request, "voice/calls.html", _calls_context(request))


@login_required
def calls_panel(request):
    return render(request, "voice/_calls_panel.html", _calls_context(request))
