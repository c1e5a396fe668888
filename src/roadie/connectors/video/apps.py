from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "roadie.connectors.video"
    label = "video"
    verbose_name = "Sign-language video"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from roadie.connectors.video import tasks, views
        from roadie.desk.contacts.models import ContactEvent
        from roadie.desk.demo.traffic import INJECTORS

        INJECTORS["video"] = views.demo_injector
        post_save.connect(tasks.on_contact_event, sender=ContactEvent, dispatch_uid="video-callback-link")
