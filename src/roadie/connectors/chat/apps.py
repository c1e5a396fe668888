from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "roadie.connectors.chat"
    label = "chat"
    verbose_name = "Web chat"
