"""The topic admin keeps the prerequisite graph a DAG and shows both directions."""

from __future__ import annotations

from django.db.models import Count

import pytest

from search.services import search_reindex_all
from taxonomy.models import Prerequisite, Topic
from taxonomy.selectors import catalog_version_current
from tests.admin import snippet_url, topic_form_data
from tests.factories import (
    PrerequisiteFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def _errors(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def test_topic_form_refuses_a_self_edge(curator_client) -> None:
    loops = TopicFactory(slug="loops")

    response = curator_client.post(
        snippet_url(Topic, "edit", loops.pk),
        topic_form_data(
            loops, prerequisites=[{"requires": loops.pk, "kind": "required"}]
        ),
    )

    assert response.status_code == 200
    assert "loops -> loops" in _errors(response)
    assert not Prerequisite.objects.exists()


def test_topic_form_refuses_a_cycle_and_names_it(curator_client) -> None:
    subject = SubjectFactory()
    loops = TopicFactory(slug="loops", subject=subject)
    functions = TopicFactory(slug="functions", subject=subject)
    closures = TopicFactory(slug="closures", subject=subject)
    PrerequisiteFactory(topic=closures, requires=functions)
    PrerequisiteFactory(topic=functions, requires=loops)

    response = curator_client.post(
        snippet_url(Topic, "edit", loops.pk),
        topic_form_data(loops, prerequisites=[{"requires": closures.pk}]),
    )

    assert response.status_code == 200
    assert "loops -> closures -> functions -> loops" in _errors(response)
    # The error reaches the page too (HTML-escaped), in Wagtail's error message.
    assert (
        "loops -&gt; closures -&gt; functions -&gt; loops" in response.content.decode()
    )
    assert not Prerequisite.objects.filter(topic=loops).exists()


def test_topic_form_refuses_a_duplicate_prerequisite(curator_client) -> None:
    loops = TopicFactory(slug="loops")
    variables = TopicFactory(slug="variables", subject=loops.subject)

    response = curator_client.post(
        snippet_url(Topic, "edit", loops.pk),
        topic_form_data(
            loops,
            prerequisites=[{"requires": variables.pk}, {"requires": variables.pk}],
        ),
    )

    assert response.status_code == 200
    assert "more than once: variables" in _errors(response)
    assert not Prerequisite.objects.exists()


def test_topic_form_accepts_a_prerequisite_from_another_subject(curator_client) -> None:
    algebra = TopicFactory(slug="algebra", subject=SubjectFactory(slug="maths"))
    loops = TopicFactory(slug="loops", subject=SubjectFactory(slug="python"))

    response = curator_client.post(
        snippet_url(Topic, "edit", loops.pk),
        topic_form_data(loops, prerequisites=[{"requires": algebra.pk}]),
    )

    assert response.status_code == 302
    assert list(Prerequisite.objects.values_list("topic__slug", "requires__slug")) == [
        ("loops", "algebra")
    ]


def test_creating_a_topic_with_prerequisites(curator_client) -> None:
    variables = TopicFactory(slug="variables")

    response = curator_client.post(
        snippet_url(Topic, "add"),
        topic_form_data(
            subject=variables.subject_id,
            prerequisites=[{"requires": variables.pk, "kind": "recommended"}],
        ),
    )

    assert response.status_code == 302
    loops = Topic.objects.get(slug="loops")
    assert [(p.requires, p.kind) for p in loops.prerequisites.all()] == [
        (variables, "recommended")
    ]


def test_deleting_a_prerequisite_row_that_closed_a_cycle_is_allowed(
    curator_client,
) -> None:
    """Rows marked for deletion do not count: replacing an edge is not a cycle."""
    loops = TopicFactory(slug="loops")
    functions = TopicFactory(slug="functions", subject=loops.subject)
    edge = PrerequisiteFactory(topic=loops, requires=functions)

    response = curator_client.post(
        snippet_url(Topic, "edit", loops.pk),
        topic_form_data(
            loops,
            prerequisites=[{"id": edge.pk, "requires": functions.pk, "DELETE": "1"}],
            initial=1,
        ),
    )

    assert response.status_code == 302
    assert not Prerequisite.objects.exists()


def test_saving_a_topic_through_the_admin_moves_the_catalog_version_once(
    curator_client,
) -> None:
    variables = TopicFactory(slug="variables")
    loops = TopicFactory(slug="loops", subject=variables.subject)
    edge = PrerequisiteFactory(topic=loops, requires=variables)
    before = catalog_version_current()

    response = curator_client.post(
        snippet_url(Topic, "edit", loops.pk),
        topic_form_data(
            loops,
            name="Loops and iteration",
            prerequisites=[{"id": edge.pk, "requires": variables.pk}],
            initial=1,
        ),
    )

    assert response.status_code == 302
    loops.refresh_from_db()
    assert loops.name == "Loops and iteration"
    # The topic and its prerequisite row are saved: one save, one move.
    assert catalog_version_current() == before + 1


def test_saving_a_topic_unchanged_leaves_the_catalog_version_alone(
    curator_client,
) -> None:
    variables = TopicFactory(slug="variables")
    loops = TopicFactory(slug="loops", subject=variables.subject)
    edge = PrerequisiteFactory(topic=loops, requires=variables)
    before = catalog_version_current()

    response = curator_client.post(
        snippet_url(Topic, "edit", loops.pk),
        topic_form_data(
            loops, prerequisites=[{"id": edge.pk, "requires": variables.pk}], initial=1
        ),
        follow=True,
    )

    assert response.status_code == 200
    assert catalog_version_current() == before
    assert "No changes to save" in response.content.decode()


def test_topic_edit_view_shows_prerequisites_and_dependents(curator_client) -> None:
    loops = TopicFactory(slug="loops", name="Loops")
    variables = TopicFactory(slug="variables", name="Variables", subject=loops.subject)
    functions = TopicFactory(slug="functions", name="Functions", subject=loops.subject)
    PrerequisiteFactory(topic=loops, requires=variables)
    PrerequisiteFactory(topic=functions, requires=loops)

    response = curator_client.get(snippet_url(Topic, "edit", loops.pk))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Dependents: topics that require this one" in content
    assert f'href="{snippet_url(Topic, "edit", functions.pk)}">Functions</a>' in content
    # The prerequisites inline holds the existing edge, in a topic chooser.
    assert f'name="prerequisites-0-requires" value="{variables.pk}"' in content
    assert "Variables" in content


def test_delete_confirmation_lists_the_dependents(curator_client) -> None:
    loops = TopicFactory(slug="loops", name="Loops")
    functions = TopicFactory(slug="functions", name="Functions", subject=loops.subject)
    closures = TopicFactory(slug="closures", name="Closures", subject=loops.subject)
    PrerequisiteFactory(topic=functions, requires=loops)
    PrerequisiteFactory(topic=closures, requires=loops)
    ResourceFactory(topics=[loops])
    TrackFactory(subject=loops.subject, targets=[loops])

    response = curator_client.get(snippet_url(Topic, "delete", loops.pk))

    content = response.content.decode()
    assert response.status_code == 200
    assert "2 topics require “Loops”" in content
    assert f'href="{snippet_url(Topic, "edit", functions.pk)}">Functions</a>' in content
    assert f'href="{snippet_url(Topic, "edit", closures.pk)}">Closures</a>' in content
    assert "removes it from their prerequisites" in content
    assert "1 resource will no longer list it as covered" in content
    assert "1 track will no longer target it" in content


def test_delete_confirmed_removes_the_topic_and_its_edges_only(curator_client) -> None:
    loops = TopicFactory(slug="loops")
    functions = TopicFactory(slug="functions", subject=loops.subject)
    PrerequisiteFactory(topic=functions, requires=loops)

    response = curator_client.post(snippet_url(Topic, "delete", loops.pk))

    assert response.status_code == 302
    assert list(Topic.objects.values_list("slug", flat=True)) == ["functions"]
    assert not Prerequisite.objects.exists()


def test_topic_listing_filters_by_subject_and_level(curator_client) -> None:
    python = SubjectFactory(slug="python")
    TopicFactory(slug="loops", name="Loops", subject=python, level="beginner")
    TopicFactory(slug="decorators", name="Decorators", subject=python, level="advanced")
    TopicFactory(slug="algebra", name="Algebra")

    by_subject = curator_client.get(snippet_url(Topic, "list"), {"subject": python.pk})
    by_level = curator_client.get(
        snippet_url(Topic, "list"), {"subject": python.pk, "level": "advanced"}
    )

    assert {t.slug for t in by_subject.context["object_list"]} == {
        "loops",
        "decorators",
    }
    assert [t.slug for t in by_level.context["object_list"]] == ["decorators"]


def test_topic_listing_searches_and_orders(curator_client) -> None:
    TopicFactory(slug="loops", name="Loops", estimated_hours=5)
    TopicFactory(slug="while", name="While loops", estimated_hours=1)
    TopicFactory(slug="algebra", name="Algebra")
    search_reindex_all()  # what the on-commit indexing task does in production

    found = curator_client.get(snippet_url(Topic, "list"), {"q": "loop"})
    ordered = curator_client.get(
        snippet_url(Topic, "list"), {"q": "loop", "ordering": "estimated_hours"}
    )

    assert {t.slug for t in found.context["object_list"]} == {"loops", "while"}
    assert [t.slug for t in ordered.context["object_list"]] == ["while", "loops"]


def test_topic_listing_counts_prerequisites_and_dependents(curator_client) -> None:
    loops = TopicFactory(slug="loops", name="Loops")
    for _ in range(2):
        PrerequisiteFactory(topic=loops, requires=TopicFactory(subject=loops.subject))
    PrerequisiteFactory(topic=TopicFactory(subject=loops.subject), requires=loops)
    search_reindex_all()

    response = curator_client.get(snippet_url(Topic, "list"), {"q": "loops"})

    (row,) = response.context["object_list"]
    expected = Topic.objects.annotate(
        p=Count("prerequisites", distinct=True), d=Count("dependents", distinct=True)
    ).get(pk=loops.pk)
    assert (row.prerequisite_count, row.dependent_count) == (expected.p, expected.d)
    assert (row.prerequisite_count, row.dependent_count) == (2, 1)
