"""The Cloud API webhook: GET is Meta's verification handshake, POST carries messages and
delivery statuses, signed with the app secret (X-Hub-Signature-256)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from roadie.connectors import hooks
from roadie.connectors.whatsapp.models import DeliveryStatus
from roadie.connectors.whatsapp.parse import WaStatus, parse
from roadie.desk.brands.models import ChannelKind
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.contacts.models import Contact, Direction, Message, RawStatus
from roadie.desk.quality.surveys import reply_answers_survey
from roadie.desk.throttle.lib import throttled

log = logging.getLogger("roadie.connectors.whatsapp")


def verify(request, channel) -> HttpResponse:
    mode = request.GET.get("hub.mode")
    token = request.GET.get("hub.verify_token")
    challenge = request.GET.get("hub.challenge", "")
    expected = (channel.config or {}).get("verify_token") if channel else None
    if mode == "subscribe" and expected and token == expected:
        return HttpResponse(challenge, content_type="text/plain")
    reason = "unknown channel" if channel is None else "wrong hub.mode or hub.verify_token"
    log.warning("WhatsApp verification refused for %s: %s", request.path, reason)
    return JsonResponse({"detail": f"verification refused: {reason}"}, status=403)


def _record_status(status: WaStatus) -> None:
    message = Message.objects.filter(external_id=status.message_id, direction=Direction.OUTBOUND).first()
    try:
        with transaction.atomic():
            DeliveryStatus.objects.create(
                wamid=status.message_id, message=message, state=status.state, at=status.at,
                recipient=status.recipient, error=status.error,
            )
    except IntegrityError:
        return  # the same status delivered twice
    if status.state == "failed":
        log.warning("WhatsApp could not deliver %s to %s: %s", status.message_id, status.recipient,
                    status.error)


@csrf_exempt
@throttled("webhook", channel_kwarg="address")
@hooks.files_or_fails
def webhook(request, address: str):
    channel = hooks.find_channel(ChannelKind.WHATSAPP, address)
    if request.method == "GET":
        return verify(request, channel)
    if request.method != "POST":
        return JsonResponse({"detail": "GET (verification) or POST (events) only"}, status=405)
    raw, refused = hooks.store_delivery(request, channel, kind=ChannelKind.WHATSAPP, address=address,
                                        source="whatsapp", check=hooks.signed_body(request, header="X-Hub-Signature-256",
                                                                  secret_key="app_secret", secret_required=True))
    if refused:
        return refused
    config = channel.config or {}
    try:
        messages, statuses = parse(hooks.parse_json(raw))
    except ValueError as exc:
        return hooks.failed(raw, reason=str(exc))
    expected_id = str(config.get("phone_number_id", ""))
    strangers = {m.phone_number_id for m in [*messages, *statuses]} - {expected_id}
    if expected_id and strangers:
        return hooks.reject(raw, status=422, reason=f"payload for phone number id {sorted(strangers)}, "
                                                    f"not this channel's {expected_id}")
    created = 0
    for m in messages:
        contact = Contact.objects.filter(brand=channel.brand, channel=ChannelKind.WHATSAPP,
                                         external_id=m.wa_id).first()
        if contact is not None and reply_answers_survey(contact=contact, text=m.body, raw=raw,
                                                        message_ref=m.message_id):
            continue  # a 1-5 answer to the satisfaction survey, not a new request
        _, _, new = receive(Inbound(
            brand=channel.brand, channel=ChannelKind.WHATSAPP, body=m.body,
            customer=CustomerData(name=m.name, phone=f"+{m.wa_id.lstrip('+')}", external_ref=f"wa:{m.wa_id}"),
            subject=m.body.splitlines()[0][:80] if m.body else "WhatsApp",
            external_id=m.wa_id, message_id=m.message_id, provider_at=m.at,
            flagged_reason=m.flagged_reason,
        ), raw=raw)
        created += new
    for s in statuses:
        _record_status(s)
    if not messages:
        hooks.mark(raw, RawStatus.PARSED)
    return JsonResponse({"messages": len(messages), "new": created, "statuses": len(statuses)})
