"""Chat over HTTP: whether the brand's chat is open, the offline form (an email-like contact),
and a demo shop page that embeds the widget with one script tag."""

from __future__ import annotations

from django import forms
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from roadie.connectors import hooks
from roadie.connectors.chat import lib
from roadie.desk.brands.models import ChannelKind
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.throttle.lib import throttled


class OfflineForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Your email"))
    message = forms.CharField(label=_("Your message"), max_length=lib.MAX_BODY)


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    return response


def _channel(brand_slug: str):
    channel = lib.chat_channel(brand_slug)
    if channel is None:
        raise Http404("this brand has no web chat")
    return channel


def status(request, brand_slug: str):
    channel = _channel(brand_slug)
    return _cors(JsonResponse({"brand": channel.brand.name, "open": lib.is_open(channel),
                               "websocket": f"/chat/ws/{brand_slug}"}))


@csrf_exempt
@throttled("chat", channel_kwarg="brand_slug")
@hooks.files_or_fails
def offline(request, brand_slug: str):
    """The widget's form outside opening hours: becomes an email contact, answered by email."""
    if request.method == "OPTIONS":
        return _cors(JsonResponse({}))
    if request.method != "POST":
        return _cors(JsonResponse({"detail": "POST only"}, status=405))
    channel = _channel(brand_slug)
    raw = hooks.store_request(request, channel=ChannelKind.EMAIL, source="chat-offline", brand=channel.brand)
    form = OfflineForm(request.POST)
    if not form.is_valid():
        response = hooks.reject(raw, status=422, reason=f"invalid offline form: {form.errors.as_json()}")
        return _cors(response)
    data = form.cleaned_data
    contact, _msg, _new = receive(Inbound(
        brand=channel.brand, channel=ChannelKind.EMAIL, body=data["message"],
        # A typed address: a new visitor until they confirm it (roadie.desk.contacts.identity).
        customer=CustomerData(name=data["name"], email=data["email"], verified=False),
        subject=f"[chat] {data['message'].splitlines()[0][:70]}",
        external_id=f"chat-offline:{raw.pk}",
    ), raw=raw)
    return _cors(JsonResponse({"contact": contact.pk, "detail": "thanks: we answer by email"}, status=201))


def demo_shop(request, brand_slug: str):
    channel = _channel(brand_slug)
    return render(request, "chat/demo_shop.html", {"brand": channel.brand})
