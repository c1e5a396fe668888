from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RoutingConfig(AppConfig):
    name = "roadie.desk.routing"
    label = "routing"

    def ready(self) -> None:
        from roadie.desk.routing import fence

        # SQLite drops a table's triggers when a migration rebuilds it: put the fence back.
        post_migrate.connect(fence.on_post_migrate, sender=self, dispatch_uid="routing-fence")
