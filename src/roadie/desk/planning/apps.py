from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "roadie.desk.planning"
    label = "planning"
