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
