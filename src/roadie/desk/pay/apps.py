from django.apps import AppConfig


class PayConfig(AppConfig):
    name = "roadie.desk.pay"
    label = "pay"
    verbose_name = "Pay and billing"
