"""Onboarding answers through the API. A liked technology decides a choice
group end to end: the API takes ``likes``, the stored profile keeps it, the
plan chooses the liked member and says so; a liked topic the catalog lost is
dropped, not refused. PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from learners.models import LearnerProfile
from planner.domain import ChoiceReason
from planner.services import profile_plan, profile_submit
from taxonomy.models import Topic
from tests.factories import (
    ChoiceGroupFactory,
    GroupPrerequisiteFactory,
    ResourceFactory,
    TopicFactory,
)
from tests.planner import TODAY
from tests.planner.conftest import profile_raw

EDITORS = {"editor-vscode": "VS Code", "editor-pycharm": "PyCharm", "editor-vim": "Vim"}


@pytest.fixture
def editors(small_catalog):
    """Variables need one of three editors of equal hours (PyCharm by default)."""
    topics = {}
    for position, (slug, name) in enumerate(EDITORS.items(), start=20):
        topics[slug] = TopicFactory(
            slug=slug,
            subject=small_catalog.subject,
            name=name,
            objectives=[f"Write and run code in {name}"],
            estimated_hours=Decimal("1.0"),
            position=position,
        )
        ResourceFactory(
            slug=f"{slug}-docs", title=f"{name} docs", topics=[topics[slug]]
        )
    group = ChoiceGroupFactory(
        slug="python-editor",
        subject=small_catalog.subject,
        name="Python editors",
        members=list(topics.values()),
        default_member=topics["editor-pycharm"],
    )
    GroupPrerequisiteFactory(
        topic=small_catalog.topics["py-variables"], group=group, kind="required"
    )
    return group


def _editor_steps(result) -> list[tuple[str, str, str]]:
    return [
        (s.topic, s.choice_reason, s.choice_note)
        for s in result.plan.steps
        if s.topic in EDITORS
    ]


def test_the_api_takes_likes_and_the_plan_chooses_the_liked_member(
    editors, learner
) -> None:
    api = APIClient()
    api.force_authenticate(learner)

    response = api.post("/api/v1/profiles/", profile_raw(likes="Vim"), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["onboarding_answers"]["likes"] == "Vim"
    profile = LearnerProfile.objects.get(pk=response.json()["id"])
    result = profile_plan(profile=profile, today=TODAY)
    assert _editor_steps(result) == [
        ("editor-vim", ChoiceReason.MENTIONED, "you like Vim")
    ]


def test_without_likes_the_default_stays(editors, learner) -> None:
    profile = profile_submit(owner=learner, raw=profile_raw(), today=TODAY)

    result = profile_plan(profile=profile, today=TODAY)

    assert _editor_steps(result) == [
        ("editor-pycharm", ChoiceReason.DEFAULT, "curator's default")
    ]


def test_a_liked_topic_the_catalog_lost_is_dropped_from_the_stored_profile(
    editors, learner
) -> None:
    profile = profile_submit(
        owner=learner, raw=profile_raw(likes=["editor-vim", "VS Code"]), today=TODAY
    )
    Topic.objects.filter(slug="editor-vim").delete()

    result = profile_plan(profile=profile, today=TODAY)

    assert _editor_steps(result) == [
        ("editor-vscode", ChoiceReason.MENTIONED, "you like VS Code")
    ]


def test_an_unknown_like_is_refused_by_the_api_naming_the_field(editors, learner):
    api = APIClient()
    api.force_authenticate(learner)

    response = api.post("/api/v1/profiles/", profile_raw(likes="Emacs"), format="json")

    assert response.status_code == 400
    (message,) = response.json()["error"]["fields"]["likes"]
    assert message.startswith("Unknown topic 'Emacs'")
