"""Chat over HTTP: whether the brand's chat is open, the offline form (an email-like contact),
and a demo shop page that embeds the widget with one script tag."""

from __future__ import annotations

from django import forms
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from roadie.connectors import hooks, origins
from roadie.connectors.chat import lib
from roadie.desk.brands.models import ChannelKind
from roadie.desk.contacts.actions import CustomerData, Inbound, receive
from roadie.desk.throttle.lib import throttled


class OfflineForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Your email"))
    message = forms.CharField(label=_("Your message"), max_length=lib.MAX_BODY)


def _cors(request, response):
    return origins.cors(request, response)


def _channel(brand_slug: str):
    channel = lib.chat_channel(brand_slug)
    if channel is None:
        raise Http404("this brand has no web chat")
    return channel


def status(request, brand_slug: str):
    channel = _channel(brand_slug)
    refused = origins.request_refusal(request, channel)
    if refused:
        return JsonResponse({"detail": refused}, status=403)
    return _cors(request, JsonResponse({"brand": channel.brand.name, "open": lib.is_open(channel),
                                        "language": channel.brand.default_language,
                                        "websocket": f"/chat/ws/{brand_slug}"}))


def offline_language(request, brand) -> str:
    """The offline form's language: ``?lang`` (or a ``lang`` field: the widget's), else the
    brand's default language."""
    wanted = (request.GET.get("lang") or request.POST.get("lang") or "").lower()[:2]
    return wanted if wanted in ("fr", "en") else (brand.default_language or "fr")


@csrf_exempt
@throttled("chat", channel_kwarg="brand_slug")
@hooks.files_or_fails
def offline(request, brand_slug: str):
    """The widget's form outside opening hours: becomes an email contact, answered by email."""
    channel = _channel(brand_slug)
    refused = origins.request_refusal(request, channel)
    if refused:  # another site's page: only its first bytes are kept, as rejected
        if request.method != "POST":
            return JsonResponse({"detail": refused}, status=403)
        return hooks.refuse(request, kind=ChannelKind.EMAIL, source="chat-offline", brand=channel.brand,
                            address=brand_slug, status=403, reason=refused)
    if request.method == "OPTIONS":
        return _cors(request, JsonResponse({}))
    if request.method != "POST":
        return _cors(request, JsonResponse({"detail": "POST only"}, status=405))
    raw = hooks.store_request(request, channel=ChannelKind.EMAIL, source="chat-offline", brand=channel.brand)
    with translation.override(offline_language(request, channel.brand)):
        return _cors(request, _file_offline(channel, raw, request.POST))


def _file_offline(channel, raw, post) -> JsonResponse:
    """The stored form, read in the visitor's language: 422 naming each field, or 201."""
    form = OfflineForm(post)
    if not form.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        hooks.reject(raw, status=422, reason=f"invalid offline form: {form.errors.as_json()}")
        detail = "; ".join(gettext("%(field)s: %(reason)s") % {
            "field": form.fields[n].label if n in form.fields else n, "reason": " ".join(e)} for n, e in errors.items())
        return JsonResponse({"detail": detail, "errors": errors, "raw": raw.pk}, status=422)
    data = form.cleaned_data
    contact, _msg, _new = receive(Inbound(
        brand=channel.brand, channel=ChannelKind.EMAIL, body=data["message"],
        # A typed address: a new visitor until they confirm it (roadie.desk.contacts.identity).
        customer=CustomerData(name=data["name"], email=data["email"], verified=False),
        subject=f"[chat] {data['message'].splitlines()[0][:70]}",
        external_id=f"chat-offline:{raw.pk}",
    ), raw=raw)
    return JsonResponse({"contact": contact.pk, "detail": gettext("Thank you: we will answer you by email.")},
                        status=201)


def demo_shop(request, brand_slug: str):
    """A brand's demo shop page carrying the widget, in the brand's language (``?lang=en`` or
    ``fr`` to see the other): the widget speaks the page's language."""
    channel = _channel(brand_slug)
    lang = request.GET.get("lang") or channel.brand.default_language
    return render(request, "chat/demo_shop.html", {"brand": channel.brand, "lang": "en" if lang == "en" else "fr"})
