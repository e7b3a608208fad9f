"""``manage.py embed_catalog [--only-stale] [--kind KIND]``: compute vectors now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from embeddings.client import (
    EmbeddingsClient,
    EmbeddingsFailed,
    client_from_settings,
    model_label,
)
from embeddings.models import CATALOG_KINDS
from embeddings.services import embeddings_refresh, model_version_probe
from wayfinder.errors import command_errors


class Command(BaseCommand):
    help = (
        "Compute the embeddings of the catalog's topics, tracks and resources "
        "with EMBEDDINGS_MODEL (every one, or with --only-stale those whose text "
        "changed, that have none, or that another version of the model "
        "computed). Exits 1 when embeddings are not configured or the endpoint "
        "fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only-stale",
            action="store_true",
            help=(
                "Skip objects whose stored vector still matches their text and "
                "the model version the endpoint reports now (asked first)."
            ),
        )
        parser.add_argument(
            "--kind",
            action="append",
            choices=[str(k) for k in CATALOG_KINDS],
            help="Only this kind (repeatable); all three by default.",
        )

    @command_errors("embed_catalog")
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client = client_from_settings()
        except EmbeddingsFailed as failure:
            raise CommandError(f"embed_catalog: {failure}") from None
        kinds = options["kind"] or [str(k) for k in CATALOG_KINDS]
        version = self._version(client) if options["only_stale"] else None
        for kind in kinds:
            try:
                result = embeddings_refresh(
                    kind=kind,
                    only_stale=options["only_stale"],
                    client=client,
                    version=version,
                )
            except EmbeddingsFailed as failure:
                raise CommandError(
                    f"embed_catalog: the embeddings endpoint failed for {kind}s "
                    f"({failure}); vectors stored before the failure are kept."
                ) from None
            self.stdout.write(
                f"{kind}: {result.computed} computed, {result.fresh} fresh, "
                f"{result.removed} removed "
                f"({model_label(model=client.model, version=result.model_version)})."
            )

    def _version(self, client: EmbeddingsClient) -> str:
        try:
            return model_version_probe(client=client)
        except EmbeddingsFailed as failure:
            raise CommandError(
                f"embed_catalog: the embeddings endpoint failed when asked for its "
                f"model version ({failure})."
            ) from None
