"""Public channel endpoints: provider webhooks, the chat widget's HTTP side, the LSF page,
and the calls page."""

from django.urls import path

from roadie.connectors.chat import views as chat
from roadie.connectors.social import views as social
from roadie.connectors.video import views as video
from roadie.connectors.voice import views as voice
from roadie.connectors.voice import views_panel as call_panel
from roadie.connectors.whatsapp import views as whatsapp

urlpatterns = [
    path("hooks/whatsapp/<str:address>", whatsapp.webhook, name="whatsapp-webhook"),
    path("hooks/social/<str:address>", social.webhook, name="social-webhook"),
    path("hooks/voice/<str:address>", voice.webhook, name="voice-webhook"),
    path("hooks/voice/<str:address>/twilio", voice.twilio_webhook, name="voice-twilio"),
    path("hooks/voice/<str:address>/survey", voice.survey_webhook, name="voice-survey"),
    path("chat/<slug:brand_slug>/status", chat.status, name="chat-status"),
    path("chat/<slug:brand_slug>/offline", chat.offline, name="chat-offline"),
    path("demo-shop/<slug:brand_slug>/", chat.demo_shop, name="demo-shop"),
    path("video/<slug:brand_slug>/", video.page, name="video-page"),
    path("video/<slug:brand_slug>/request", video.api_request, name="video-request"),
    path("video/<slug:brand_slug>/write", video.write_instead, name="video-write"),
    path("video/<slug:brand_slug>/r/<str:token>/", video.wait, name="video-wait"),
    path("video/<slug:brand_slug>/r/<str:token>/status", video.status, name="video-status"),
    path("calls/", voice.calls, name="voice-calls"),
    path("calls/panel", voice.calls_panel, name="voice-calls-panel"),
    path("calls/<int:contact_id>/hold", call_panel.hold, name="voice-call-hold"),
    path("calls/<int:contact_id>/resume", call_panel.resume, name="voice-call-resume"),
    path("calls/<int:contact_id>/end", call_panel.end, name="voice-call-end"),
    path("calls/<int:contact_id>/transfer", call_panel.transfer, name="voice-call-transfer"),
]
