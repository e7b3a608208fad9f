"""Re-importing a document the catalog already holds: the kept outcome
(catalog/transfer/repeat.py) answers as a full import would."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

import pytest

from catalog.models import Resource
from catalog.services import resource_feedback_tally
from catalog.synthetic import catalog_synthesize
from catalog.transfer import ImportSummary, catalog_import, importer
from taxonomy.selectors import catalog_version_current
from tests.catalog.test_transfer import (
    document,
    provider,
    resource,
    small_catalog,
    subject,
    topic,
)

pytestmark = pytest.mark.django_db

STARTER = Path(settings.BASE_DIR) / "data" / "catalog.json"


def _full_pass(data: dict[str, Any], **options: Any) -> ImportSummary:
    """The import without any kept outcome."""
    cache.clear()
    return catalog_import(data=copy.deepcopy(data), **options)


def _no_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: object) -> None:
        raise AssertionError("validated and planned again")

    monkeypatch.setattr(importer, "_prepare", refuse)


def _private_catalog() -> dict[str, Any]:
    return document(
        providers=[provider()],
        subjects=[subject()],
        topics=[topic("basics")],
        resources=[resource("guide", "basics", url="http://127.0.0.1:6379/")],
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(small_catalog, id="small"),
        pytest.param(
            lambda: json.loads(STARTER.read_text(encoding="utf-8")), id="starter"
        ),
        pytest.param(
            lambda: catalog_synthesize(topics=60, resources=300, seed=3),
            id="synthetic",
        ),
        pytest.param(_private_catalog, id="warnings"),
    ],
)
def test_a_repeated_import_answers_as_the_full_import_without_redoing_it(
    data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = data()
    catalog_import(data=data)
    full = _full_pass(data)
    catalog_import(data=data)  # kept, now from a full pass that changed nothing
    version = catalog_version_current()
    cache.clear()
    catalog_import(data=data)  # kept by the import that changed the catalog
    _no_full_pass(monkeypatch)

    kept = catalog_import(data=copy.deepcopy(data))

    assert not full.changed
    assert kept.as_dict() == full.as_dict()
    assert kept.warnings == full.warnings
    assert catalog_version_current() == version


def test_a_first_import_keeps_the_outcome_of_its_repeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = small_catalog()
    first = catalog_import(data=data)
    _no_full_pass(monkeypatch)

    again = catalog_import(data=data, dry_run=True)

    assert first.changed and not again.changed
    assert again.dry_run
    assert again.counts["topics"] == {"created": 0, "updated": 0, "unchanged": 4}
    assert again.counts["translations"]["unchanged"] == 0


def test_a_change_without_a_version_bump_is_still_seen() -> None:
    data = small_catalog()
    catalog_import(data=data)
    loops = Resource.objects.get(slug="loops-video")
    # Votes move no catalog version; the import resets the stored count.
    resource_feedback_tally(resource_id=loops.pk, up=2)

    summary = catalog_import(data=data)

    assert summary.slugs["resources"]["updated"] == ["loops-video"]
    assert Resource.objects.get(pk=loops.pk).feedback_up == 0


def test_the_allowed_networks_are_part_of_what_is_kept() -> None:
    data = _private_catalog()
    assert len(catalog_import(data=data).warnings) == 1

    with override_settings(LINKCHECK={"ALLOWED_NETWORKS": ["127.0.0.0/8"]}):
        allowed = catalog_import(data=data)

    assert not allowed.changed
    assert allowed.warnings == []
