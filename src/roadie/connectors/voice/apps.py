from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "roadie.connectors.voice"
    label = "voice"
    verbose_name = "Voice"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from roadie.connectors.voice import actions, demo
        from roadie.desk.contacts.models import ContactEvent
        from roadie.desk.demo.traffic import INJECTORS
        from roadie.desk.routing.actions import HANDOVER_LISTENERS

        post_save.connect(actions.on_contact_event, sender=ContactEvent,
                          dispatch_uid="voice-call-timings")
        INJECTORS["voice"] = demo.injector
        if actions.on_handover not in HANDOVER_LISTENERS:
            HANDOVER_LISTENERS.append(actions.on_handover)
        # The call panel's API twins (hold, resume, end, transfer).
        from roadie.connectors.voice import api
        from roadie.desk.api import registry as api_registry

        api_registry.register(api.router)
        # The ring on an offered call and the call panel on the contact being talked to.
        from roadie.connectors.voice.templatetags.roadie_calls import call_panel, offer_ring
        from roadie.desk.web.plugs import PANELS

        PANELS["offer-ring"] = ("voice/_ring.html", lambda context, offer: offer_ring(offer))
        PANELS["contact-call"] = ("voice/_call_panel.html", call_panel)
