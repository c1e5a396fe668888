from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "roadie.desk.quality"
    label = "quality"

    def ready(self) -> None:
        from roadie.desk.quality import signals  # noqa: F401  (surveys after a resolution)
