from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "roadie.connectors.video"
    label = "video"
    verbose_name = "Sign-language video"

    def ready(self) -> None:
        from roadie.connectors.video import views
        from roadie.desk.demo.traffic import INJECTORS

        INJECTORS["video"] = views.demo_injector
