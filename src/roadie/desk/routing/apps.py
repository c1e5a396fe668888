from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "roadie.desk.routing"
    label = "routing"
