from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from . import signals
        from .groups import curators_group_on_post_migrate

        signals.connect()
        post_migrate.connect(
            curators_group_on_post_migrate,
            sender=self,
            dispatch_uid="catalog-curators-group",
        )
