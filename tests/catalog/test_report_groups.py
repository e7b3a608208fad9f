"""The health report on choice groups: no member offered in a language, fewer
than two members; groups reach their members for the orphan check."""

from __future__ import annotations

from django.urls import reverse

import pytest

from catalog.reports import catalog_health_report
from taxonomy.enums import Language
from taxonomy.models import ChoiceGroup
from tests.admin import curator_user
from tests.factories import (
    ChoiceGroupFactory,
    GroupPrerequisiteFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

REPORT_QUERIES = 10


@pytest.fixture
def groups() -> dict:
    """Web in en, es and fr: frameworks offered in en (flask) and es (django)
    only; editors offered in every language; a group left with one member."""
    web = SubjectFactory(slug="web", name="Web", languages=["en", "es", "fr"])
    topics = {
        slug: TopicFactory(slug=slug, subject=web)
        for slug in ("http", "flask", "django", "vim", "emacs", "deploy", "lonely")
    }
    for slug, language in (("flask", "en"), ("django", "es")):
        ResourceFactory(topics=[topics[slug]], language=language)
    for slug in ("vim", "emacs"):
        for language in (Language.EN, Language.ES, Language.FR):
            ResourceFactory(topics=[topics[slug]], language=language)
    frameworks = ChoiceGroupFactory(
        slug="framework",
        name="Framework",
        subject=web,
        members=[topics["flask"], topics["django"]],
    )
    editors = ChoiceGroupFactory(
        slug="editor",
        name="Editor",
        subject=web,
        members=[topics["vim"], topics["emacs"]],
    )
    ChoiceGroupFactory(
        slug="shrunk", name="Shrunk", subject=web, members=[topics["lonely"]]
    )
    # A track aims at deploy and at the editor group; deploy needs a framework.
    GroupPrerequisiteFactory(topic=topics["deploy"], group=frameworks)
    track = TrackFactory(slug="ship-it", subject=web, targets=[topics["deploy"]])
    track.target_groups.set([editors])
    track.save()
    return topics


def test_a_group_with_no_member_in_a_language_is_listed_with_the_languages(
    groups,
) -> None:
    report = catalog_health_report()

    gaps = {gap.group.slug: gap.missing_languages for gap in report.group_language_gaps}
    # framework: flask in en, django in es, nothing in fr; editor: all three;
    # shrunk: its one member has no resource at all.
    assert gaps == {"framework": ("fr",), "shrunk": ("en", "es", "fr")}
    assert report.counts()["group_language_gaps"] == 2


def test_a_group_of_fewer_than_two_members_is_listed(groups) -> None:
    groups["flask"].delete()  # framework keeps django alone

    report = catalog_health_report()

    assert [(g.slug, g.members) for g in report.small_groups] == [
        ("framework", ("django",)),
        ("shrunk", ("lonely",)),
    ]
    text = "\n".join(report.lines())
    assert "Choice groups with fewer than 2 members: 2" in text
    assert "web/framework (Framework): 1 member (django)" in text
    assert "web/framework (Framework): no member offered in en, fr" in text


def test_members_reached_through_a_group_are_not_orphans(groups) -> None:
    orphans = {t.slug for t in catalog_health_report().orphan_topics}

    # flask and django through deploy's group prerequisite, vim and emacs
    # through the track's target group; http and lonely nothing reaches.
    assert orphans == {"http", "lonely"}


def test_the_report_reads_groups_in_a_fixed_number_of_queries(
    groups, django_assert_num_queries
) -> None:
    with django_assert_num_queries(REPORT_QUERIES):
        catalog_health_report()
    web = groups["http"].subject
    for n in range(5):
        ChoiceGroupFactory(
            slug=f"more-{n}", subject=web, members=[groups["vim"], groups["http"]]
        )
    with django_assert_num_queries(REPORT_QUERIES):
        catalog_health_report()


def test_the_json_lists_the_groups(groups) -> None:
    data = catalog_health_report().as_dict()

    assert data["group_language_gaps"][0] == {
        "group": {
            "id": ChoiceGroup.objects.get(slug="framework").pk,
            "slug": "framework",
            "name": "Framework",
            "subject": "web",
            "members": ["flask", "django"],
        },
        "missing_languages": ["fr"],
    }
    assert [g["slug"] for g in data["small_groups"]] == ["shrunk"]


def test_the_admin_report_shows_both_group_sections_with_edit_links(
    client, groups
) -> None:
    client.force_login(curator_user())
    shrunk = ChoiceGroup.objects.get(slug="shrunk")

    content = client.get(reverse("catalog_admin:health")).content.decode()

    assert "Choice groups with no member offered in a language (2)" in content
    assert "Choice groups with fewer than 2 members (1)" in content
    edit = reverse(ChoiceGroup.snippet_viewset.get_url_name("edit"), args=[shrunk.pk])
    assert f'href="{edit}"' in content
