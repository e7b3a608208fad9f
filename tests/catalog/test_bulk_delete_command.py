"""``manage.py delete_catalog``: the bulk delete for operators."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command

import pytest

from catalog.models import Resource
from taxonomy.models import Subject, Topic
from tests.factories import ResourceFactory, SubjectFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_subjects() -> tuple[Subject, Subject]:
    kept, gone = SubjectFactory(slug="kept"), SubjectFactory(slug="gone")
    ResourceFactory(topics=[TopicFactory(subject=kept)])
    for _ in range(3):
        ResourceFactory(topics=[TopicFactory(subject=gone)])
    return kept, gone


def run(*args: str) -> str:
    out = StringIO()
    call_command("delete_catalog", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_counts_and_deletes_nothing(two_subjects) -> None:
    output = run("--subject", "gone", "--dry-run")
    assert "catalog.Resource: 3 would delete" in output
    assert Resource.objects.count() == 4


def test_deleting_a_subject_keeps_the_others(two_subjects) -> None:
    kept, _ = two_subjects
    output = run("--subject", "gone", "--yes")
    assert "catalog.Resource: 3 deleted" in output
    assert list(Subject.objects.all()) == [kept]
    assert Topic.objects.get().subject == kept
    assert Resource.objects.count() == 1


def test_everything_empties_the_catalog(two_subjects) -> None:
    run("--everything", "--yes")
    assert not Subject.objects.exists()
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--subject", "nope", "--yes"), "No subject with the slug nope"),
        (("--subject", "gone"), "Pass --yes to delete"),
    ],
)
def test_bad_input_exits_naming_the_problem(two_subjects, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Resource.objects.count() == 4
