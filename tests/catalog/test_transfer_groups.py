"""Choice groups in the catalog format (version 1.2): import, export, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog.transfer import (
    CatalogImportError,
    catalog_dumps,
    catalog_export,
    catalog_import,
    catalog_validate,
)
from taxonomy.models import ChoiceGroup, GroupPrerequisite, Topic, Track
from taxonomy.selectors import catalog_version_current
from tests.catalog.test_transfer import document, subject, topic, track
from tests.factories import ChoiceGroupFactory, SubjectFactory, TopicFactory

pytestmark = pytest.mark.django_db


def group(slug: str, *members: str, subject: str = "web", **extra: Any) -> dict:
    return {
        "slug": slug,
        "subject": subject,
        "name": slug.replace("-", " ").title(),
        "members": list(members),
    } | extra


def web(**sections: Any) -> dict[str, Any]:
    """A web subject: http, three frameworks on it, deployment after one of them."""
    return (
        document(
            subjects=[subject("web"), subject("python")],
            topics=[
                topic("http", subject="web"),
                topic("flask", "http", subject="web"),
                topic("django", "http", subject="web"),
                topic("fastapi", "http", subject="web"),
                topic(
                    "deployment",
                    subject="web",
                    group_prerequisites=[{"group": "framework", "kind": "required"}],
                ),
                topic("py-basics", subject="python"),
            ],
            choice_groups=[
                group(
                    "framework",
                    "flask",
                    "django",
                    "fastapi",
                    default="django",
                    description="Pick one.",
                )
            ],
            tracks=[
                track("web-backend", "deployment", subject="web")
                | {"target_groups": ["framework"]}
            ],
        )
        | {"version": "1.2"}
        | sections
    )


def _messages(data: dict[str, Any]) -> list[str]:
    return [str(issue) for issue in catalog_validate(data=data)]


def test_a_1_2_file_imports_groups_members_in_order_and_group_edges() -> None:
    before = catalog_version_current()

    summary = catalog_import(data=web())

    assert summary.counts["choice_groups"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert catalog_version_current() == before + 1
    framework = ChoiceGroup.objects.get(slug="framework")
    assert [m.topic.slug for m in framework.members.all()] == [
        "flask",
        "django",
        "fastapi",
    ]
    assert framework.default_member.slug == "django"
    assert framework.min_choices == 1
    assert list(
        GroupPrerequisite.objects.values_list("topic__slug", "group__slug", "kind")
    ) == [("deployment", "framework", "required")]
    assert [g.slug for g in Track.objects.get().target_groups.all()] == ["framework"]


def test_export_writes_1_3_and_round_trips_the_bytes() -> None:
    catalog_import(data=web())
    text = catalog_dumps(catalog_export())
    exported = json.loads(text)
    assert exported["version"] == "1.3"
    assert exported["choice_groups"] == [
        {
            "slug": "framework",
            "subject": "web",
            "name": "Framework",
            "description": "Pick one.",
            "min_choices": 1,
            "default": "django",
            "members": ["flask", "django", "fastapi"],  # the curator's order
        }
    ]
    by_slug = {t["slug"]: t for t in exported["topics"]}
    assert by_slug["deployment"]["group_prerequisites"] == [
        {"group": "framework", "kind": "required"}
    ]
    assert by_slug["http"]["group_prerequisites"] == []
    assert exported["tracks"][0]["target_groups"] == ["framework"]

    before = catalog_version_current()
    assert not catalog_import(data=exported).changed  # idempotent
    assert catalog_version_current() == before

    Track.objects.all().delete()
    ChoiceGroup.objects.all().delete()
    Topic.objects.all().delete()
    catalog_import(data=json.loads(text))
    assert catalog_dumps(catalog_export()) == text


def test_reordering_members_and_dropping_the_default_update_the_group_once() -> None:
    catalog_import(data=web())
    changed = web(choice_groups=[group("framework", "fastapi", "flask", default=None)])
    before = catalog_version_current()

    summary = catalog_import(data=changed)

    assert summary.slugs["choice_groups"]["updated"] == ["framework"]
    assert catalog_version_current() == before + 1
    framework = ChoiceGroup.objects.get(slug="framework")
    assert [m.topic.slug for m in framework.members.all()] == ["fastapi", "flask"]
    assert framework.default_member is None


@pytest.mark.parametrize("version", [1, "1.1"])
def test_older_files_still_import_and_keep_stored_group_links(version) -> None:
    catalog_import(data=web())
    old = web()
    old["version"] = version
    del old["choice_groups"]
    for record in old["topics"]:
        record.pop("group_prerequisites", None)
    for record in old["tracks"]:
        del record["target_groups"]
    old["topics"][0]["name"] = "HTTP, renamed"

    summary = catalog_import(data=old)

    assert summary.slugs["topics"]["updated"] == ["http"]
    assert GroupPrerequisite.objects.filter(topic__slug="deployment").exists()
    assert Track.objects.get().target_groups.count() == 1


def test_an_empty_list_removes_group_prerequisites_and_target_groups() -> None:
    catalog_import(data=web())
    data = web()
    data["topics"][4]["group_prerequisites"] = []
    data["tracks"][0]["target_groups"] = []

    summary = catalog_import(data=data)

    assert summary.slugs["topics"]["updated"] == ["deployment"]
    assert summary.slugs["tracks"]["updated"] == ["web-backend"]
    assert not GroupPrerequisite.objects.exists()
    assert not Track.objects.get().target_groups.exists()


def test_unknown_members_and_groups_are_refused_by_path() -> None:
    data = web(
        choice_groups=[group("framework", "flask", "rails")],
    )
    data["tracks"][0]["target_groups"] = ["frameworks"]

    assert _messages(data) == [
        '$.choice_groups[0].members[1]: unknown topic "rails": not in this '
        "file's topics nor in the database",
        '$.tracks[0].target_groups[0]: unknown choice group "frameworks": not in '
        "this file's choice_groups nor in the database",
    ]
    with pytest.raises(CatalogImportError):
        catalog_import(data=data)
    assert not Topic.objects.exists()


def test_a_member_of_another_subject_is_refused_naming_both() -> None:
    data = web(choice_groups=[group("framework", "flask", "py-basics")])

    assert _messages(data) == [
        '$.choice_groups[0].members[1]: topic "py-basics" is in subject "python", '
        'not the group\'s subject "web"'
    ]


def test_rules_of_one_group_are_all_reported() -> None:
    data = web(
        choice_groups=[
            group("framework", "flask", "flask", default="http", min_choices=3)
        ]
    )

    assert _messages(data) == [
        '$.choice_groups[0].default: "http" is not one of the group\'s members',
        '$.choice_groups[0].members[1]: "flask" is listed twice (also at '
        "$.choice_groups[0].members[0])",
        "$.choice_groups[0].min_choices: must be at most the number of members, "
        "1, not 3",
    ]


def test_a_group_of_one_is_refused_by_the_schema() -> None:
    data = web(choice_groups=[group("framework", "flask")])

    assert _messages(data) == ["$.choice_groups[0].members: must list at least 2 items"]


def test_a_cycle_through_a_group_is_refused_and_named() -> None:
    data = web()
    # http requires the group, whose members all require http.
    data["topics"][0]["group_prerequisites"] = [{"group": "framework"}]

    assert _messages(data) == [
        "$.topics[0].group_prerequisites[0].group: prerequisite cycle: "
        "http -> framework (group) -> django -> http"
    ]


def test_a_member_requiring_its_own_group_is_a_cycle() -> None:
    data = web()
    data["topics"][1]["group_prerequisites"] = [{"group": "framework"}]

    assert _messages(data) == [
        "$.topics[1].group_prerequisites[0].group: prerequisite cycle: "
        "flask -> framework (group) -> flask"
    ]


def test_a_cycle_through_a_group_in_the_database_is_refused() -> None:
    catalog_import(data=web())
    # The database's group points at flask; flask may not require deployment.
    data = document(topics=[topic("flask", "http", "deployment", subject="web")])

    assert _messages(data) == [
        "$.topics[0].prerequisites[1].topic: prerequisite cycle: "
        "flask -> deployment -> framework (group) -> flask"
    ]


def test_moving_a_member_of_a_stored_group_to_another_subject_is_refused() -> None:
    catalog_import(data=web())
    data = document(topics=[topic("flask", subject="python")])

    assert _messages(data) == [
        '$.topics[0].subject: topic "flask" is a member of choice group '
        '"framework" of subject "web": remove it from the group first'
    ]


def test_a_stored_group_counts_when_a_member_requires_it_in_the_file() -> None:
    stored = SubjectFactory(slug="stored-subject")
    members = [TopicFactory(slug=slug, subject=stored) for slug in ("a", "b")]
    ChoiceGroupFactory(slug="stored", subject=stored, members=members)
    data = document(
        topics=[
            topic(
                "b", subject="stored-subject", group_prerequisites=[{"group": "stored"}]
            )
        ]
    )

    assert _messages(data) == [
        "$.topics[0].group_prerequisites[0].group: prerequisite cycle: "
        "b -> stored (group) -> b"
    ]
