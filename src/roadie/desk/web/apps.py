from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "roadie.desk.web"
    label = "web"
