from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "roadie.connectors.social"
    label = "social"
    verbose_name = "Social networks"

    def ready(self) -> None:
        from roadie.connectors.social import views
        from roadie.desk.contacts.tasks import SENDERS
        from roadie.desk.demo.traffic import INJECTORS

        SENDERS["social"] = views.send_reply
        INJECTORS["social"] = views.demo_injector
