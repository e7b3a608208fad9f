"""Curators set the teaching order of a subject's topics in the admin: by dragging
in the listing's "Sort item order" mode (Wagtail's reorder view, moved within the
subject) or by the position field of the topic form."""

from __future__ import annotations

import re

import pytest

from taxonomy.models import Topic
from taxonomy.selectors import catalog_version_current
from tests.admin import learner_user, snippet_url, topic_form_data
from tests.factories import SubjectFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_subjects() -> dict[str, Topic]:
    """SQL (select, from, where, delete) and Git (init, commit), numbered 1, 2, ..."""
    sql = SubjectFactory(slug="sql", name="SQL")
    git = SubjectFactory(slug="git", name="Git")
    topics = {}
    for position, slug in enumerate(("select", "from", "where", "delete"), start=1):
        topics[slug] = TopicFactory(
            slug=slug, name=slug.upper(), subject=sql, position=position
        )
    for position, slug in enumerate(("init", "commit"), start=1):
        topics[slug] = TopicFactory(
            slug=slug, name=slug.title(), subject=git, position=position
        )
    return topics


def _order(subject: str) -> list[str]:
    return list(
        Topic.objects.filter(subject__slug=subject)
        .order_by("position", "slug")
        .values_list("slug", flat=True)
    )


def _positions(subject: str) -> list[int]:
    return list(
        Topic.objects.filter(subject__slug=subject)
        .order_by("position", "slug")
        .values_list("position", flat=True)
    )


def _move(client, topic: Topic, index: int | str | None):
    url = snippet_url(Topic, "reorder", topic.pk)
    if index is not None:
        url += f"?position={index}"
    return client.post(url)


def test_sort_order_listing_shows_each_subject_in_teaching_order(
    curator_client, two_subjects, django_assert_max_num_queries
) -> None:
    Topic.objects.filter(slug="delete").update(position=0)  # curated first

    with django_assert_max_num_queries(40):
        response = curator_client.get(
            snippet_url(Topic, "list"), {"ordering": "position"}
        )

    assert response.status_code == 200
    html = response.content.decode()
    names = re.findall(r">(SELECT|FROM|WHERE|DELETE|Init|Commit)<", html)
    # Subjects by name (Git, then SQL), topics by position within each.
    assert names == ["Init", "Commit", "DELETE", "SELECT", "FROM", "WHERE"]
    assert snippet_url(Topic, "reorder", 999999) in html


def test_dragging_a_topic_moves_it_within_its_subject_only(
    curator_client, two_subjects
) -> None:
    before = catalog_version_current()
    # The listing: init, commit, select, from, where, delete. Drop "delete"
    # at index 3, where "from" is: it comes second in SQL.
    response = _move(curator_client, two_subjects["delete"], 3)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert _order("sql") == ["select", "delete", "from", "where"]
    assert _positions("sql") == [1, 2, 3, 4]
    assert _order("git") == ["init", "commit"]
    assert catalog_version_current() == before + 1


def test_a_drop_outside_the_subject_puts_the_topic_at_that_end(
    curator_client, two_subjects
) -> None:
    _move(curator_client, two_subjects["where"], 0)  # into Git's rows, above SQL
    assert _order("sql") == ["where", "select", "from", "delete"]

    _move(curator_client, two_subjects["commit"], 5)  # past Git, at the very end
    assert _order("git") == ["init", "commit"]

    _move(curator_client, two_subjects["init"], "not-a-number")  # goes last
    assert _order("git") == ["commit", "init"]


def test_a_drop_in_place_writes_nothing(curator_client, two_subjects) -> None:
    before = catalog_version_current()

    response = _move(curator_client, two_subjects["from"], 3)

    assert response.status_code == 200
    assert _order("sql") == ["select", "from", "where", "delete"]
    assert catalog_version_current() == before


def test_a_learner_cannot_reorder_topics(client, two_subjects) -> None:
    client.force_login(learner_user())

    response = _move(client, two_subjects["delete"], 2)

    assert response.status_code in (302, 403)
    assert _order("sql") == ["select", "from", "where", "delete"]


def test_the_form_sets_a_position(curator_client, two_subjects) -> None:
    where = two_subjects["where"]
    response = curator_client.post(
        snippet_url(Topic, "edit", where.pk),
        topic_form_data(where, position="1"),
    )

    assert response.status_code == 302
    assert _order("sql") == ["select", "where", "from", "delete"]  # tie: by slug


def test_an_empty_position_keeps_the_place_and_saves_nothing(
    curator_client, two_subjects
) -> None:
    where = two_subjects["where"]
    before = catalog_version_current()

    response = curator_client.post(
        snippet_url(Topic, "edit", where.pk),
        topic_form_data(where, position=""),
        follow=True,
    )

    assert response.status_code == 200
    assert "No changes to save" in response.content.decode()
    where.refresh_from_db()
    assert where.position == 3
    assert catalog_version_current() == before


def test_a_new_topic_without_a_position_goes_last_in_its_subject(
    curator_client, two_subjects
) -> None:
    response = curator_client.post(
        snippet_url(Topic, "add"),
        topic_form_data(
            subject=two_subjects["select"].subject_id, slug="joins", position=""
        ),
    )

    assert response.status_code == 302
    assert Topic.objects.get(slug="joins").position == 5
    assert _order("sql")[-1] == "joins"


def test_moving_a_topic_to_another_subject_puts_it_last_there(
    curator_client, two_subjects
) -> None:
    delete = two_subjects["delete"]
    response = curator_client.post(
        snippet_url(Topic, "edit", delete.pk),
        topic_form_data(delete, subject=two_subjects["init"].subject_id, position=""),
    )

    assert response.status_code == 302
    assert _order("git") == ["init", "commit", "delete"]


def test_a_negative_position_is_a_form_error(curator_client, two_subjects) -> None:
    where = two_subjects["where"]

    response = curator_client.post(
        snippet_url(Topic, "edit", where.pk),
        topic_form_data(where, position="-2"),
    )

    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    where.refresh_from_db()
    assert where.position == 3
