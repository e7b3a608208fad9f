"""The catalog's one list of models: the catalog version and the Curators follow it."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group

import pytest

from catalog.groups import CURATORS_GROUP, curators_group_ensure
from catalog.registry import CATALOG_M2M_FIELDS, CATALOG_MODELS
from taxonomy.selectors import catalog_version_current
from tests.factories import (
    ChoiceGroupFactory,
    GroupPrerequisiteFactory,
    PrerequisiteFactory,
    ProviderFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def _version() -> int:
    return catalog_version_current()


@pytest.fixture
def one_of_each() -> None:
    """At least one row of every catalog model."""
    topic = TopicFactory()
    PrerequisiteFactory(topic=topic, requires=TopicFactory(subject=topic.subject))
    track = TrackFactory(subject=topic.subject, targets=[topic])
    group = ChoiceGroupFactory(
        subject=topic.subject,
        members=[TopicFactory(subject=topic.subject) for _ in range(2)],
    )
    GroupPrerequisiteFactory(topic=topic, group=group)
    track.target_groups.set([group])
    track.save()
    ResourceFactory(topics=[topic])  # with its provider, coverage row and link
    # The last rows of their kind, which nothing protects from deletion:
    SubjectFactory()
    ProviderFactory()


@pytest.mark.usefixtures("one_of_each")
@pytest.mark.parametrize("label", CATALOG_MODELS)
def test_saving_or_deleting_any_catalog_model_moves_the_version(label: str) -> None:
    instance = apps.get_model(label).objects.order_by("pk").last()
    before = _version()
    instance.save()
    assert _version() == before + 1
    instance.delete()  # cascades count too: at least one more move
    assert _version() > before + 1


@pytest.mark.usefixtures("one_of_each")
@pytest.mark.parametrize("label, field", CATALOG_M2M_FIELDS)
def test_changing_a_catalog_relation_moves_the_version(label: str, field: str) -> None:
    instance = apps.get_model(label).objects.order_by("pk").first()
    before = _version()
    getattr(instance, field).clear()  # modelcluster writes it on save
    instance.save()
    assert _version() == before + 1  # the row and the relation: one save, one move


def test_curators_may_edit_every_catalog_model() -> None:
    curators_group_ensure()
    held = set(
        Group.objects.get(name=CURATORS_GROUP).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    for label in CATALOG_MODELS:
        model = apps.get_model(label)
        for action in ("add", "change", "delete", "view"):
            assert (model._meta.app_label, f"{action}_{model._meta.model_name}") in held
