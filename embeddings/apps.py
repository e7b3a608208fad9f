from django.apps import AppConfig


class EmbeddingsConfig(AppConfig):
    name = "embeddings"
    verbose_name = "Embeddings"

    def ready(self) -> None:
        from . import signals

        signals.connect()
