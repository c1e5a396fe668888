from django.apps import AppConfig


class BrandsConfig(AppConfig):
    name = "roadie.desk.brands"
    label = "brands"
