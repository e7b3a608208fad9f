"""Every list endpoint runs the same number of queries for a page of 5 and a
page of 100 (issue 10: no query per row)."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

import pytest
from rest_framework.test import APIClient

from learners.models import LearnerProfile
from search.services import search_index_suspended
from tests.factories import (
    ChoiceGroupFactory,
    GroupPrerequisiteFactory,
    PrerequisiteFactory,
    ProviderFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
    UserFactory,
)

ROWS = 100


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker):
    """100 rows of every catalog kind, each with its relations: built once for
    the module in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            _catalog_build()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _catalog_build() -> None:
    with search_index_suspended():
        subjects = [SubjectFactory(slug=f"subject-{n:03}") for n in range(ROWS)]
        topics = [
            TopicFactory(slug=f"topic-{n:03}", subject=subjects[n % 3])
            for n in range(ROWS)
        ]
        for before, after in zip(topics, topics[1:], strict=False):
            PrerequisiteFactory(topic=after, requires=before)
        groups = [
            ChoiceGroupFactory(
                slug=f"group-{n:03}",
                subject=subjects[n % 3],
                members=topics[n % 3 :: 3][n % 20 : n % 20 + 2],
            )
            for n in range(ROWS)
        ]
        # Members are topics 0-62; only later topics require a group (a DAG).
        for n in range(ROWS):
            GroupPrerequisiteFactory(topic=topics[70 + n % 30], group=groups[n])
        for n in range(ROWS):
            track = TrackFactory(
                slug=f"track-{n:03}", subject=subjects[0], targets=topics[n : n + 2]
            )
            track.target_groups.set(groups[n : n + 2])
            track.save()
        providers = [ProviderFactory(slug=f"provider-{n:03}") for n in range(ROWS)]
        for n in range(ROWS):
            ResourceFactory(
                slug=f"resource-{n:03}",
                provider=providers[n],
                topics=topics[n : n + 2],
            )


def queries_for(client: APIClient, path: str, size: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path, {"page_size": size})
    assert answer.status_code == 200, answer.content
    assert len(answer.json()["results"]) == size
    return len(queries)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/subjects/",
        "/api/v1/topics/",
        "/api/v1/tracks/",
        "/api/v1/choice-groups/",
        "/api/v1/providers/",
        "/api/v1/resources/",
    ],
)
def test_catalog_lists_cost_the_same_for_5_or_100_rows(catalog, db, path):
    client = APIClient()
    assert queries_for(client, path, 5) == queries_for(client, path, ROWS)


def test_the_profiles_list_costs_the_same_for_5_or_100_rows(db):
    from planner.services import profile_submit
    from tests.planner.conftest import profile_raw, small_catalog_build
    from tests.roadmaps.conftest import TODAY

    small_catalog_build()
    owner = UserFactory()
    profile = profile_submit(owner=owner, raw=profile_raw(), today=TODAY)
    known = list(profile.known_topics.all())
    for _ in range(ROWS - 1):
        copy = LearnerProfile.objects.get(pk=profile.pk)
        copy.pk = None
        copy.save()
        copy.known_topics.set(known)
    client = APIClient()
    client.force_authenticate(owner)
    path = "/api/v1/profiles/"
    assert queries_for(client, path, 5) == queries_for(client, path, ROWS)
