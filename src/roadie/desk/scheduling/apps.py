from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "roadie.desk.scheduling"
    label = "scheduling"
    verbose_name = "Self-scheduling"
