"""Choice groups in the admin: the snippet keeps a group's rules and names
what breaks them; topics and tracks point at groups."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wagtail.test.utils.form_data import inline_formset, nested_form_data

import pytest

from taxonomy.models import ChoiceGroup, ChoiceGroupMember, GroupPrerequisite, Track
from taxonomy.selectors import catalog_version_current
from tests.admin import snippet_url, topic_form_data, track_form_data
from tests.factories import (
    ChoiceGroupFactory,
    GroupPrerequisiteFactory,
    PrerequisiteFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def web():
    """A web subject with three frameworks and the topic they all build on."""
    subject = SubjectFactory(slug="web", name="Web development")
    http = TopicFactory(slug="http", subject=subject)
    frameworks = {
        slug: TopicFactory(slug=slug, name=slug.title(), subject=subject)
        for slug in ("flask", "django", "fastapi")
    }
    for topic in frameworks.values():
        PrerequisiteFactory(topic=topic, requires=http)
    return subject, http, frameworks


def group_form_data(
    group: ChoiceGroup | None = None,
    *,
    members: list[Any],
    initial: int = 0,
    **fields: Any,
) -> dict[str, Any]:
    """POST data for the choice group form; ``members`` are topic pks in order."""
    data: dict[str, Any] = {
        "name": "Web framework",
        "slug": "web-framework",
        "subject": "",
        "min_choices": "1",
        "description": "",
        "default_member": "",
    }
    if group is not None:
        data.update(
            name=group.name,
            slug=group.slug,
            subject=group.subject_id,
            min_choices=str(group.min_choices),
            description=group.description,
            default_member=group.default_member_id or "",
        )
    data.update(fields)
    rows = [
        {"topic": pk, "ORDER": str(order)} for order, pk in enumerate(members, start=1)
    ]
    if group is not None:
        for row, member in zip(rows, group.members.all(), strict=False):
            row["id"] = member.pk
    data["members"] = inline_formset(rows, initial=initial, min=2)
    return nested_form_data(data)


def _errors(response) -> str:
    form = response.context["form"]
    formsets = [str(fs.errors) for fs in form.formsets.values()]
    return " ".join(
        [
            *form.non_field_errors(),
            *(e for errs in form.errors.values() for e in errs),
            *formsets,
        ]
    )


def test_a_curator_creates_a_group_with_ordered_members_and_the_version_moves_once(
    curator_client, web
) -> None:
    subject, _, frameworks = web
    before = catalog_version_current()

    response = curator_client.post(
        snippet_url(ChoiceGroup, "add"),
        group_form_data(
            members=[frameworks["flask"].pk, frameworks["django"].pk],
            subject=subject.pk,
            default_member=frameworks["django"].pk,
        ),
    )

    assert response.status_code == 302, _errors(response)
    group = ChoiceGroup.objects.get(slug="web-framework")
    assert [m.topic.slug for m in group.members.all()] == ["flask", "django"]
    assert group.default_member == frameworks["django"]
    assert catalog_version_current() == before + 1  # group and two members: once


def test_a_member_of_another_subject_is_refused_and_named(curator_client, web) -> None:
    subject, _, frameworks = web
    express = TopicFactory(slug="express", subject=SubjectFactory(name="JavaScript"))

    response = curator_client.post(
        snippet_url(ChoiceGroup, "add"),
        group_form_data(
            members=[frameworks["flask"].pk, express.pk], subject=subject.pk
        ),
    )

    assert response.status_code == 200
    errors = _errors(response)
    assert "subject, Web development" in errors
    assert "express (JavaScript) is not" in errors
    assert not ChoiceGroup.objects.exists()


def test_a_group_of_one_is_refused(curator_client, web) -> None:
    subject, _, frameworks = web

    response = curator_client.post(
        snippet_url(ChoiceGroup, "add"),
        group_form_data(members=[frameworks["flask"].pk], subject=subject.pk),
    )

    assert response.status_code == 200
    assert "at least 2" in _errors(response)
    assert not ChoiceGroup.objects.exists()


def test_at_least_more_than_the_members_and_a_stranger_default_are_refused(
    curator_client, web
) -> None:
    subject, http, frameworks = web

    response = curator_client.post(
        snippet_url(ChoiceGroup, "add"),
        group_form_data(
            members=[frameworks["flask"].pk, frameworks["django"].pk],
            subject=subject.pk,
            min_choices="3",
            default_member=http.pk,
        ),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "At least 3 of 2 members" in " ".join(form.errors["min_choices"])
    assert "The default, http, is not a member" in " ".join(
        form.errors["default_member"]
    )
    assert not ChoiceGroup.objects.exists()


def test_a_member_requiring_its_own_group_is_refused_with_the_cycle(
    curator_client, web
) -> None:
    subject, http, frameworks = web
    group = ChoiceGroupFactory(
        slug="web-framework",
        subject=subject,
        members=[frameworks["flask"], frameworks["django"]],
    )
    # fastapi -> async -> the group: fastapi cannot join it.
    asyncio = TopicFactory(slug="async", subject=subject)
    GroupPrerequisiteFactory(topic=asyncio, group=group)
    PrerequisiteFactory(topic=frameworks["fastapi"], requires=asyncio)
    before = catalog_version_current()

    response = curator_client.post(
        snippet_url(ChoiceGroup, "edit", group.pk),
        group_form_data(
            group,
            members=[
                frameworks["flask"].pk,
                frameworks["django"].pk,
                frameworks["fastapi"].pk,
            ],
            initial=2,
        ),
    )

    assert response.status_code == 200
    assert (
        "A member cannot require its own group: web-framework (group) -> fastapi "
        "-> async -> web-framework (group)" in _errors(response)
    )
    assert group.members.count() == 2
    assert catalog_version_current() == before


def test_saving_a_group_unchanged_leaves_the_version_alone(curator_client, web) -> None:
    subject, _, frameworks = web
    group = ChoiceGroupFactory(
        subject=subject, members=[frameworks["flask"], frameworks["django"]]
    )
    before = catalog_version_current()

    response = curator_client.post(
        snippet_url(ChoiceGroup, "edit", group.pk),
        group_form_data(
            group, members=[frameworks["flask"].pk, frameworks["django"].pk], initial=2
        ),
    )

    assert response.status_code == 302, _errors(response)
    assert catalog_version_current() == before


def test_the_topic_form_refuses_a_group_prerequisite_that_closes_a_cycle(
    curator_client, web
) -> None:
    subject, http, frameworks = web
    group = ChoiceGroupFactory(
        slug="web-framework",
        subject=subject,
        members=[frameworks["flask"], frameworks["django"]],
    )

    # http is required by every framework: requiring the group would loop.
    response = curator_client.post(
        snippet_url(type(http), "edit", http.pk),
        topic_form_data(http, group_prerequisites=[{"group": group.pk}]),
    )

    assert response.status_code == 200
    assert "http -> web-framework (group) -> django -> http" in _errors(response)
    assert not GroupPrerequisite.objects.exists()


def test_the_topic_form_saves_a_group_prerequisite_once(curator_client, web) -> None:
    subject, _, frameworks = web
    group = ChoiceGroupFactory(
        subject=subject, members=[frameworks["flask"], frameworks["django"]]
    )
    deployment = TopicFactory(slug="deployment", subject=subject)
    before = catalog_version_current()

    response = curator_client.post(
        snippet_url(type(deployment), "edit", deployment.pk),
        topic_form_data(
            deployment, group_prerequisites=[{"group": group.pk, "kind": "required"}]
        ),
    )

    assert response.status_code == 302, _errors(response)
    assert list(
        GroupPrerequisite.objects.values_list("topic__slug", "group__slug", "kind")
    ) == [("deployment", group.slug, "required")]
    assert catalog_version_current() == before + 1


def test_a_member_cannot_require_its_own_group_from_the_topic_form(
    curator_client, web
) -> None:
    subject, _, frameworks = web
    group = ChoiceGroupFactory(
        slug="web-framework",
        subject=subject,
        members=[frameworks["flask"], frameworks["django"]],
    )
    flask = frameworks["flask"]

    response = curator_client.post(
        snippet_url(type(flask), "edit", flask.pk),
        topic_form_data(
            flask,
            prerequisites=[{"requires": flask.prerequisites.get().requires_id}],
            initial=1,
            group_prerequisites=[{"group": group.pk}],
        )
        | {"prerequisites-0-id": str(flask.prerequisites.get().pk)},
    )

    assert response.status_code == 200
    assert "flask -> web-framework (group) -> flask" in _errors(response)


def test_a_member_cannot_move_to_another_subject(curator_client, web) -> None:
    subject, _, frameworks = web
    ChoiceGroupFactory(
        slug="web-framework",
        subject=subject,
        members=[frameworks["flask"], frameworks["django"]],
    )
    flask = frameworks["flask"]
    other = SubjectFactory(name="Python")

    response = curator_client.post(
        snippet_url(type(flask), "edit", flask.pk),
        topic_form_data(
            flask,
            subject=other.pk,
            prerequisites=[{"requires": flask.prerequisites.get().requires_id}],
            initial=1,
        )
        | {"prerequisites-0-id": str(flask.prerequisites.get().pk)},
    )

    assert response.status_code == 200
    assert "member of the choice group web-framework" in " ".join(
        response.context["form"].errors["subject"]
    )
    flask.refresh_from_db()
    assert flask.subject == subject


def test_the_track_form_offers_and_saves_target_groups(curator_client, web) -> None:
    subject, http, frameworks = web
    group = ChoiceGroupFactory(
        subject=subject, members=[frameworks["flask"], frameworks["django"]]
    )
    track = TrackFactory(subject=subject, targets=[http])
    url = snippet_url(Track, "edit", track.pk)
    assert 'name="target_groups"' in curator_client.get(url).content.decode()

    response = curator_client.post(
        url,
        track_form_data(track, targets=[http], target_groups=[group]),
    )

    assert response.status_code == 302, _errors(response)
    assert list(track.target_groups.all()) == [group]


def test_the_group_listing_searches_and_lists_members_in_few_queries(
    curator_client, web
) -> None:
    subject, _, frameworks = web
    for n in range(5):
        ChoiceGroupFactory(
            slug=f"group-{n}",
            name=f"Framework choice {n}",
            subject=subject,
            members=[frameworks["flask"], frameworks["django"]],
        )
    ChoiceGroupFactory(
        slug="editor", name="Editor", members=[TopicFactory(), TopicFactory()]
    )
    url = snippet_url(ChoiceGroup, "list")

    with CaptureQueriesContext(connection) as five:
        page = curator_client.get(url)
    assert page.status_code == 200
    assert "Flask, Django" in page.content.decode()
    ChoiceGroupFactory(
        slug="group-x",
        subject=subject,
        members=[frameworks["fastapi"], frameworks["flask"]],
    )
    with CaptureQueriesContext(connection) as six:
        curator_client.get(url)
    assert len(six) == len(five)

    found = curator_client.get(url, {"q": "editor"})
    assert found.status_code == 200
    assert [g.slug for g in found.context["object_list"]] == ["editor"]


def test_deleting_a_member_topic_leaves_the_group_to_the_report(web) -> None:
    subject, _, frameworks = web
    group = ChoiceGroupFactory(
        subject=subject, members=[frameworks["flask"], frameworks["django"]]
    )
    frameworks["flask"].delete()
    assert list(
        ChoiceGroupMember.objects.filter(group=group).values_list(
            "topic__slug", flat=True
        )
    ) == ["django"]


def test_the_group_chooser_searches_groups_by_name(curator_client, web) -> None:
    subject, _, frameworks = web
    ChoiceGroupFactory(
        slug="web-framework",
        name="Web framework",
        subject=subject,
        members=[frameworks["flask"], frameworks["django"]],
    )
    ChoiceGroupFactory(
        slug="editor", name="Editor", members=[TopicFactory(), TopicFactory()]
    )
    url = reverse(
        ChoiceGroup.snippet_viewset.chooser_viewset.get_url_name("choose_results")
    )

    response = curator_client.get(url, {"q": "framew"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Web framework" in content
    assert "Editor" not in content
