"""The brand's LSF page (a form; then a waiting page with the meeting link) and a JSON endpoint
for brand sites. Waiting is timed like a call's (roadie.connectors.voice)."""

from __future__ import annotations

import json
import secrets
import urllib.request

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from roadie.connectors import hooks, origins
from roadie.connectors.voice.actions import CallEvent, open_call
from roadie.connectors.voice.models import Call, Callback, Medium
from roadie.desk.brands.models import Channel, ChannelKind
from roadie.desk.contacts.actions import CustomerData
from roadie.desk.contacts.identity import vouched_email
from roadie.desk.throttle.lib import throttled

DEFAULT_URL_TEMPLATE = "https://meet.jit.si/roadie-{brand}-{contact_id}-{token}"


class WriteForm(forms.Form):
    """Nobody who signs can answer now: write instead, or ask to be called back by video (and
    how to be told when an adviser who signs takes it)."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Your email (we answer there)"))
    message = forms.CharField(label=_("Your message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    callback = forms.BooleanField(label=_("Call me back by video when an adviser who signs is available"),
                                  required=False)
    reach = forms.ChoiceField(label=_("How should we tell you the adviser is ready?"), required=False,
                              choices=Callback.choices, initial=Callback.EMAIL, widget=forms.RadioSelect)

    def clean_reach(self) -> str:
        return self.cleaned_data.get("reach") or Callback.EMAIL


class RequestForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Email (if the call drops, we write to you)"), required=False)
    subject = forms.CharField(label=_("What is it about?"), max_length=200, required=False)


def _channel(brand_slug: str) -> Channel:
    channel = (Channel.objects.select_related("brand")
               .filter(kind=ChannelKind.VIDEO, brand__slug=brand_slug, enabled=True, brand__is_active=True)
               .first())
    if channel is None:
        raise Http404("this brand has no sign-language video service")
    return channel


def meeting_url(channel: Channel, *, contact_id: int, token: str) -> str:
    template = ((channel.config or {}).get("meeting_url_template")
                or getattr(settings, "ROADIE_VIDEO_URL_TEMPLATE", "") or DEFAULT_URL_TEMPLATE)
    return template.format(brand=channel.brand.slug, contact_id=contact_id, token=token)


def request_call(channel: Channel, *, name: str, email: str = "", subject: str = "", raw=None,
                 vouched: bool = False, callback: str = "") -> Call:
    """Open the video call with its meeting link, in one transaction (no agent is offered a
    call without its link); ``email`` is the visitor's claim unless the brand ``vouched``.
    ``callback``: a call-back request (``Callback``), queued until an adviser who signs is
    available, like any video call (it needs the ``lsf`` skill)."""
    token = secrets.token_urlsafe(12)
    with transaction.atomic():
        call = open_call(
            channel=channel, medium=Medium.VIDEO, raw=raw,
            event=CallEvent(event="offered", call_id=f"lsf-{token}", at=timezone.now(), provider="web"),
            body=subject or "Demande d'appel vidéo en langue des signes (LSF)",
            customer=CustomerData(name=name, email=email, verified=vouched),
            extra={"token": token, "callback": callback},
        )
        call.meeting_url = meeting_url(channel, contact_id=call.contact_id, token=token)
        call.save(update_fields=["meeting_url"])
    return call


@throttled("video", channel_kwarg="brand_slug")
@hooks.files_or_fails
def page(request, brand_slug: str):
    channel = _channel(brand_slug)
    raw = None
    if request.method == "POST":  # stored before the form is even read
        raw = hooks.store_request(request, channel=ChannelKind.VIDEO, source="video-page", brand=channel.brand)
    form = RequestForm(request.POST if raw else None)
    if raw is not None:
        if form.is_valid():
            call = request_call(channel, raw=raw, **form.cleaned_data)
            return redirect("video-wait", brand_slug=brand_slug, token=call.token)
        hooks.reject(raw, status=400, reason=f"invalid video request form: {form.errors.as_json()}")
    from roadie.connectors.video.availability import availability

    return render(request, "video/request.html", {
        "brand": channel.brand, "form": form, "write_form": WriteForm(), "now": availability(channel)},
        status=400 if form.errors else 200)


@throttled("video", channel_kwarg="brand_slug")
@require_POST
@hooks.files_or_fails
def write_instead(request, brand_slug: str):
    """The fallback of the video page: a written request (an email contact, answered by
    email), or a request to be called back by video: a video call queued until an adviser who
    signs is available, who is then offered it like any video call; the customer is told by
    email (the meeting link, ``tasks.send_callback_link``) or on the request's page, as they
    chose. The visitor's address is a claim: an unverified customer
    (roadie.desk.contacts.identity)."""
    from roadie.connectors.video.availability import availability
    from roadie.desk.contacts.actions import Inbound, receive

    channel = _channel(brand_slug)
    raw = hooks.store_request(request, channel=ChannelKind.EMAIL, source="video-write", brand=channel.brand)
    form = WriteForm(request.POST)
    if not form.is_valid():
        hooks.reject(raw, status=400, reason=f"invalid video fallback form: {form.errors.as_json()}")
        return render(request, "video/request.html", {
            "brand": channel.brand, "form": RequestForm(), "write_form": form, "now": availability(channel)},
            status=400)
    data = form.cleaned_data
    if data["callback"]:
        # A video call queued for the next adviser who signs, with what the customer wrote.
        call = request_call(channel, name=data["name"], email=data["email"], subject=data["message"],
                            raw=raw, callback=data["reach"])
        return render(request, "video/written.html", {"brand": channel.brand, "callback": call.callback,
                                                      "contact": call.contact, "call": call})
    contact, _msg, _new = receive(Inbound(
        brand=channel.brand, channel=ChannelKind.EMAIL, body=data["message"],
        subject=f"[LSF] Message écrit : {data['message'].splitlines()[0][:60]}",
        customer=CustomerData(name=data["name"], email=data["email"], verified=False),
        external_id=f"video-write:{raw.pk}",
    ), raw=raw)
    return render(request, "video/written.html", {"brand": channel.brand, "callback": "",
                                                  "contact": contact})


def _find(brand_slug: str, token: str) -> Call:
    return get_object_or_404(Call.objects.select_related("contact__brand", "answered_by__user"),
                             medium=Medium.VIDEO, token=token, contact__brand__slug=brand_slug)


def _survey_path(call: Call) -> str:
    """The satisfaction survey of the call, on this page, once the call is resolved."""
    from roadie.desk.quality.surveys import open_survey_for_contact, token_for

    survey = open_survey_for_contact(call.contact_id)
    return reverse("survey", args=[token_for(survey)]) if survey else ""


def wait(request, brand_slug: str, token: str):
    call = _find(brand_slug, token)
    return render(request, "video/wait.html", {"brand": call.contact.brand, "call": call,
                                               "survey_url": _survey_path(call)})


def status(request, brand_slug: str, token: str):
    call = _find(brand_slug, token)
    return JsonResponse({"state": call.state, "answered": call.answered_at is not None,
                         "meeting_url": call.meeting_url, "survey_url": _survey_path(call),
                         "waited_seconds": round(call.answer_seconds or
                                                 (timezone.now() - call.offered_at).total_seconds())})


@csrf_exempt
@throttled("video", channel_kwarg="brand_slug")
@require_http_methods(["POST", "OPTIONS"])
@hooks.files_or_fails
def api_request(request, brand_slug: str):
    """JSON for brand sites and apps: {"name", "email", "subject"} -> the meeting link. Pages
    of the sites the channel declares (``origins``) may call it from a browser; others get 403."""
    channel = _channel(brand_slug)
    refused = origins.request_refusal(request, channel)
    if refused:  # another site's page: only its first bytes are kept, as rejected
        if request.method != "POST":
            return JsonResponse({"detail": refused}, status=403)
        return hooks.refuse(request, kind=ChannelKind.VIDEO, source="video-api", brand=channel.brand,
                            address=brand_slug, status=403, reason=refused)
    if request.method == "OPTIONS":  # the browser's preflight for a JSON POST
        return origins.cors(request, JsonResponse({}), methods="POST, OPTIONS")
    raw = hooks.store_request(request, channel=ChannelKind.VIDEO, source="video-api", brand=channel.brand)
    return origins.cors(request, _file_request(request, channel, raw), methods="POST, OPTIONS")


def _file_request(request, channel: Channel, raw) -> JsonResponse:
    try:
        data = hooks.parse_json(raw)
    except ValueError as exc:
        return hooks.failed(raw, reason=str(exc))
    form = RequestForm(data if isinstance(data, dict) else {})
    if not form.is_valid():
        return hooks.failed(raw, reason=f"invalid request: {form.errors.as_json()}", status=422)
    fields = dict(form.cleaned_data)
    vouched = vouched_email(channel.config, data.get("identity"))
    if vouched:
        fields["email"] = vouched
    call = request_call(channel, raw=raw, vouched=bool(vouched), **fields)
    slug = channel.brand.slug
    return JsonResponse({"contact": call.contact_id, "meeting_url": call.meeting_url,
                         "status_url": request.build_absolute_uri(f"/video/{slug}/r/{call.token}/status")},
                        status=201)


def demo_injector(base: str, api):
    def inject(arrival) -> None:
        body = json.dumps({"name": arrival.name, "email": arrival.email, "subject": arrival.subject}).encode()
        request = urllib.request.Request(f"{base}/video/{arrival.brand}/request", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()

    return inject
