from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "roadie.desk.audit"
    label = "audit"
