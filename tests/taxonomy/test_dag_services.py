"""The DAG rule and the catalog version, through services and the database."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import pytest

from taxonomy.models import Prerequisite, Topic
from taxonomy.selectors import catalog_version_current
from taxonomy.services import (
    catalog_version_batch,
    prerequisites_check,
    topic_dependents,
)
from tests.factories import (
    PrerequisiteFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def version() -> int:
    return catalog_version_current()


@pytest.fixture
def chain():
    subject = SubjectFactory(slug="python")
    variables = TopicFactory(slug="variables", subject=subject)
    loops = TopicFactory(slug="loops", subject=subject)
    functions = TopicFactory(slug="functions", subject=subject)
    PrerequisiteFactory(topic=loops, requires=variables)
    PrerequisiteFactory(topic=functions, requires=loops)
    return variables, loops, functions


def test_a_self_edge_is_refused_by_the_service_and_the_database(chain):
    _, loops, _ = chain
    with pytest.raises(ValidationError, match="loops -> loops"):
        prerequisites_check(topic=loops, requires=[loops])
    with pytest.raises(IntegrityError), transaction.atomic():
        Prerequisite.objects.create(topic=loops, requires=loops)


def test_a_two_edge_cycle_is_refused_and_named(chain):
    variables, loops, functions = chain
    with pytest.raises(ValidationError) as excinfo:
        prerequisites_check(topic=loops, requires=[variables, functions])
    assert "loops -> functions -> loops" in str(excinfo.value)


def test_a_long_cycle_is_refused_and_named_in_full():
    topics = [TopicFactory(slug=f"t{i}") for i in range(8)]
    for later, earlier in zip(topics[1:], topics, strict=False):
        PrerequisiteFactory(topic=later, requires=earlier)
    with pytest.raises(ValidationError) as excinfo:
        prerequisites_check(topic=topics[0], requires=[topics[-1]])
    assert "t0 -> t7 -> t6 -> t5 -> t4 -> t3 -> t2 -> t1 -> t0" in str(excinfo.value)


def test_a_topic_may_require_a_topic_of_another_subject(chain):
    _, loops, functions = chain
    git = TopicFactory(slug="git-basics", subject=SubjectFactory(slug="tools"))
    prerequisites_check(topic=functions, requires=[loops, git])
    PrerequisiteFactory(topic=functions, requires=git, kind="recommended")
    with pytest.raises(ValidationError, match="git-basics -> functions -> git-basics"):
        prerequisites_check(topic=git, requires=[functions])


def test_prerequisites_check_replaces_the_current_set(chain):
    variables, loops, functions = chain
    # Replacing loops' prerequisites with [functions] closes functions -> loops.
    with pytest.raises(ValidationError, match="cycle"):
        prerequisites_check(topic=loops, requires=[functions])
    prerequisites_check(topic=loops, requires=[variables])


def test_dependents_are_listed_for_the_delete_warning(chain):
    variables, loops, functions = chain
    assert topic_dependents(topic=loops) == [functions]
    assert topic_dependents(topic=functions) == []


def test_every_write_to_catalog_data_moves_the_version():
    start = version()
    topic = TopicFactory()
    after_topic = version()
    assert after_topic > start
    topic.name = "Renamed"
    topic.save()
    assert version() > after_topic
    before = version()
    resource = ResourceFactory(topics=[topic])
    assert version() > before
    before = version()
    track = TrackFactory(subject=topic.subject, targets=[topic])
    assert version() > before
    before = version()
    track.targets.remove(topic)
    track.save()
    assert version() > before
    before = version()
    resource.delete()
    assert version() > before


def test_the_version_moves_in_the_writing_transaction():
    start = version()
    with pytest.raises(RuntimeError), transaction.atomic():
        TopicFactory()
        assert version() > start
        raise RuntimeError("roll back")
    assert version() == start
    assert not Topic.objects.exists()


def test_a_batch_of_writes_moves_the_version_once():
    start = version()
    with catalog_version_batch():
        for _ in range(5):
            TopicFactory()
    assert version() == start + 1


@pytest.mark.parametrize(
    "field, value",
    [("estimated_hours", Decimal("0")), ("estimated_hours", Decimal("-1"))],
)
def test_topic_hours_must_be_positive_in_the_database(field, value):
    topic = TopicFactory.build(subject=SubjectFactory(), **{field: value})
    with pytest.raises(IntegrityError), transaction.atomic():
        topic.save()


def test_resource_rating_outside_one_to_five_is_refused_by_the_database():
    resource = ResourceFactory()
    resource.curator_rating = 6
    with pytest.raises(IntegrityError), transaction.atomic():
        resource.save()


def test_an_edge_is_unique():
    edge = PrerequisiteFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Prerequisite.objects.create(topic=edge.topic, requires=edge.requires)


def test_subject_languages_must_be_known_codes():
    subject = SubjectFactory.build(languages=["en", "xx"])
    with pytest.raises(ValidationError, match="xx"):
        subject.full_clean()


def test_writes_in_one_transaction_move_the_version_once():
    start = version()
    with transaction.atomic():
        topic = TopicFactory()
        topic.name = "Renamed"
        topic.save()
        PrerequisiteFactory(topic=topic)
    assert version() == start + 1


def test_a_write_after_the_version_was_read_moves_it_again():
    start = version()
    with transaction.atomic():
        TopicFactory()
        assert version() == start + 1  # read: a snapshot may be built now
        TopicFactory()
    assert version() == start + 2


def test_a_rolled_back_write_does_not_stop_the_next_one_moving_the_version():
    start = version()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            TopicFactory()
            raise RuntimeError("roll back the savepoint")
        TopicFactory()
    assert version() == start + 1
