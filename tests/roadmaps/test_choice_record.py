"""A roadmap records which member of a choice group it holds and why: stored,
exported, served by the API, shown on the page with a way to change it that
regenerates with the other member. PostgreSQL, Django's client."""

from __future__ import annotations

import copy
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from rest_framework.test import APIClient

from learners.models import Answer, LearnerProfile
from planner.models import JobState, PlanningJob
from planner.services import job_execute, profile_plan, profile_submit
from roadmaps.export import ExportInvalid, export_document, export_validate
from roadmaps.models import RoadmapStep
from taxonomy.models import Topic
from tests.factories import (
    ChoiceGroupFactory,
    GroupPrerequisiteFactory,
    ResourceFactory,
    TopicFactory,
    UserFactory,
)
from tests.planner.conftest import (
    profile_raw,
)
from tests.roadmaps.conftest import roadmap_plan

EDITORS = ("editor-vscode", "editor-pycharm", "editor-vim")


@pytest.fixture
def editors(small_catalog):
    """Variables need an editor: one of three (PyCharm by default), all equal
    in hours so the planner asks nothing."""
    topics = {}
    for position, (slug, name) in enumerate(
        zip(EDITORS, ("VS Code", "PyCharm", "Vim"), strict=True), start=20
    ):
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
        members=[topics[s] for s in EDITORS],
        default_member=topics["editor-pycharm"],
    )
    GroupPrerequisiteFactory(
        topic=small_catalog.topics["py-variables"], group=group, kind="required"
    )
    return group


@pytest.fixture
def roadmap(editors, learner):
    return roadmap_plan(learner)


def steps(roadmap) -> dict[str, RoadmapStep]:
    return {
        s.topic_slug: s
        for s in RoadmapStep.objects.filter(version=roadmap.current_id).order_by(
            "position"
        )
    }


def test_the_stored_step_records_its_group_and_why(roadmap):
    stored = steps(roadmap)
    assert set(stored) & set(EDITORS) == {"editor-pycharm"}
    pycharm = stored["editor-pycharm"]
    assert (pycharm.chosen_from, pycharm.choice_reason, pycharm.choice_note) == (
        "python-editor",
        "default",
        "curator's default",
    )
    assert pycharm.position < stored["py-variables"].position
    assert stored["py-variables"].chosen_from == ""
    # The group edge is an edge to the chosen member: it must come first.
    assert stored["py-variables"].requires == ["editor-pycharm", "py-setup"]


def test_the_export_carries_the_choice_and_older_documents_still_validate(roadmap):
    document = export_document(roadmap.current)
    export_validate(document)
    assert document["schema_version"] == "1.3"
    by_topic = {s["topic"]: s for s in document["steps"]}
    assert by_topic["editor-pycharm"]["choice"] == {
        "group": "python-editor",
        "reason": "default",
        "note": "curator's default",
    }
    assert by_topic["py-loops"]["choice"] is None
    older = copy.deepcopy(document)
    older["schema_version"] = "1.1"
    for step in older["steps"]:
        del step["choice"]
    export_validate(older)
    broken = copy.deepcopy(document)
    broken["steps"][0]["choice"] = {"group": "python-editor", "reason": "whim"}
    with pytest.raises(ExportInvalid, match="choice"):
        export_validate(broken)


def test_the_api_serves_the_choice_fields(roadmap, learner):
    api = APIClient()
    api.force_authenticate(learner)
    body = api.get(f"/api/v1/roadmaps/{roadmap.pk}/").json()
    by_topic = {s["topic"]: s for s in body["steps"]}
    pycharm = by_topic["editor-pycharm"]
    assert pycharm["chosen_from"] == "python-editor"
    assert pycharm["choice_reason"] == "default"
    assert pycharm["choice_note"] == "curator's default"
    assert by_topic["py-loops"]["chosen_from"] == ""


@pytest.fixture
def owner_client(client, learner, roadmap):
    client.force_login(learner)
    return client


def test_the_change_page_lists_the_members_with_the_chosen_one_checked(
    owner_client, roadmap
):
    with CaptureQueriesContext(connection) as queries:
        answer = owner_client.get(f"/roadmaps/{roadmap.pk}/choices/python-editor/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Python editors" in html
    for name in ("VS Code", "PyCharm", "Vim"):
        assert name in html
    assert 'value="editor-pycharm" checked' in html
    assert "curator&#x27;s default" in html
    assert len(queries) <= 8  # session, user, roadmap, steps, catalog version


def test_changing_the_choice_regenerates_with_the_other_member(owner_client, roadmap):
    answer = owner_client.post(
        f"/roadmaps/{roadmap.pk}/choices/python-editor/",
        {"members": "editor-vim"},
    )
    assert answer.status_code == 302
    job = PlanningJob.objects.get(regenerates=roadmap, state=JobState.QUEUED)
    assert answer["Location"].endswith(f"/{job.pk}/")
    done = job_execute(job_id=job.pk, worker_id="test")
    assert done.state == JobState.SUCCEEDED, done.error
    roadmap.refresh_from_db()
    assert roadmap.current.number == 2
    stored = steps(roadmap)
    assert set(stored) & set(EDITORS) == {"editor-vim"}
    vim = stored["editor-vim"]
    assert (vim.chosen_from, vim.choice_reason, vim.choice_note) == (
        "python-editor",
        "picked",
        "you picked Vim",
    )
    roadmap.profile.refresh_from_db()
    assert roadmap.profile.raw_answers["choices"] == {"python-editor": ["editor-vim"]}
    # The pick stays: a later regeneration keeps Vim.
    assert owner_client.post(f"/roadmaps/{roadmap.pk}/regenerate/").status_code == 302
    again = PlanningJob.objects.get(regenerates=roadmap, state=JobState.QUEUED)
    assert job_execute(job_id=again.pk, worker_id="test").state == JobState.SUCCEEDED
    roadmap.refresh_from_db()
    assert set(steps(roadmap)) & set(EDITORS) == {"editor-vim"}


def test_a_member_of_no_such_group_is_refused_and_nothing_changes(
    owner_client, roadmap
):
    answer = owner_client.post(
        f"/roadmaps/{roadmap.pk}/choices/python-editor/", {"members": "py-loops"}
    )
    assert answer.status_code == 400
    assert "is not one of" in answer.content.decode()
    assert not PlanningJob.objects.filter(regenerates=roadmap).exists()
    roadmap.profile.refresh_from_db()
    assert "choices" not in roadmap.profile.raw_answers
    nothing = owner_client.post(f"/roadmaps/{roadmap.pk}/choices/python-editor/", {})
    assert nothing.status_code == 400


def test_only_the_owner_may_see_or_change_the_choice(client, roadmap):
    client.force_login(UserFactory(username="someone-else"))
    url = f"/roadmaps/{roadmap.pk}/choices/python-editor/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"members": "editor-vim"}).status_code == 404
    assert not PlanningJob.objects.filter(regenerates=roadmap).exists()
    client.force_login(roadmap.owner)
    assert (
        client.get(f"/roadmaps/{roadmap.pk}/choices/no-such-group/").status_code == 404
    )


def test_the_roadmap_page_says_what_was_chosen_and_links_to_change_it(
    owner_client, roadmap
):
    owner_client.get(f"/roadmaps/{roadmap.pk}/")  # warm the snapshot
    with CaptureQueriesContext(connection) as queries:
        answer = owner_client.get(f"/roadmaps/{roadmap.pk}/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "PyCharm, chosen from Python editors (3 options)" in html
    assert "curator&#x27;s default" in html
    assert f'href="/roadmaps/{roadmap.pk}/choices/python-editor/"' in html
    # One more query than a roadmap without choices at most: the catalog
    # version behind the group names, whatever the number of chosen steps.
    RoadmapStep.objects.filter(version=roadmap.current_id).update(chosen_from="")
    with CaptureQueriesContext(connection) as plain:
        assert owner_client.get(f"/roadmaps/{roadmap.pk}/").status_code == 200
    assert len(queries) <= len(plain) + 1


def test_the_api_asks_the_choice_question_and_its_answer_decides(editors, learner):
    # Vim now takes six hours more than the others: worth asking.
    Topic.objects.filter(slug="editor-vim").update(estimated_hours=Decimal("7.0"))
    api = APIClient()
    api.force_authenticate(learner)
    created = api.post(
        "/api/v1/profiles/",
        {
            "subject": "python",
            "level": "beginner",
            "goals": "python-basics",
            "weekly_hours": 5,
            "start_date": "2026-01-05",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    profile = created.json()["id"]
    (question,) = api.get(f"/api/v1/profiles/{profile}/questions/").json()
    assert (question["id"], question["kind"]) == ("choice:python-editor", "choice")
    assert [o["value"] for o in question["options"]] == list(EDITORS)
    assert "Vim (adds about 7 hours)" in [o["label"] for o in question["options"]]
    wrong = api.post(
        f"/api/v1/profiles/{profile}/answers/",
        {"question_id": question["id"], "value": "emacs"},
        format="json",
    )
    assert wrong.status_code == 400
    answered = api.post(
        f"/api/v1/profiles/{profile}/answers/",
        {"question_id": question["id"], "value": "editor-vim"},
        format="json",
    )
    assert answered.status_code == 201, answered.json()
    assert api.get(f"/api/v1/profiles/{profile}/questions/").json() == []
    result = profile_plan(profile=LearnerProfile.objects.get(pk=profile))
    steps = {s.topic: s for s in result.plan.steps}
    assert set(steps) & set(EDITORS) == {"editor-vim"}
    assert steps["editor-vim"].choice_reason == "answer"


def test_the_wizard_question_screen_asks_and_records_the_choice(
    client, editors, learner
):
    Topic.objects.filter(slug="editor-vim").update(estimated_hours=Decimal("7.0"))
    profile = profile_submit(owner=learner, raw=profile_raw())
    client.force_login(learner)
    url = f"/onboarding/profiles/{profile.pk}/questions/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Python editors: which would you like to learn (one)?" in html
    assert "Your plan takes 1 hour to 7 hours more depending on which" in html
    for slug in EDITORS:
        assert f'value="{slug}"' in html
    answered = client.post(url, {"value": "editor-vscode"})
    assert answered.status_code == 302
    assert Answer.objects.get(question__profile=profile).value == "editor-vscode"
    result = profile_plan(profile=profile)
    assert {s.topic for s in result.plan.steps} & set(EDITORS) == {"editor-vscode"}
