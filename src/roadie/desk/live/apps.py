from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "roadie.desk.live"
    label = "live"
