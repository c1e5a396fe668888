from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    name = "roadie.desk.throttle"
    label = "throttle"
