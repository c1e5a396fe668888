from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "roadie.connectors.chat"
    label = "chat"
    verbose_name = "Web chat"

    def ready(self) -> None:
        from roadie.connectors.chat import demo
        from roadie.desk.demo.traffic import INJECTORS

        INJECTORS["chat"] = demo.injector
