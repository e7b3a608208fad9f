"""Gaps and the deadline cut, stored on PostgreSQL, exported and printed.

A topic without resources becomes a stored step marked "no resource yet"
(with one notice naming it) instead of a failed job; a deadline the learner
keeps though it is too tight marks each stored step as fitting or not, with a
notice giving the ways out; the export (schema 1.1) and ``plan_roadmap``
carry both, and ``plan_roadmap`` prints readable resources.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

from django.core.management import call_command

import pytest

from planner.domain.types import NoResource
from planner.models import JobState
from planner.selectors import catalog_graph_get
from planner.services import (
    job_enqueue,
    job_execute,
    plan_preview,
    profile_plan_store,
    profile_submit,
)
from roadmaps.export import SCHEMA_VERSION, export_document, export_validate
from roadmaps.models import NoResourceCode, Roadmap
from roadmaps.services import roadmap_create_from_plan
from tests.planner.conftest import (
    small_catalog_build,
)

from .conftest import TODAY, profile_raw

pytestmark = pytest.mark.django_db

#: roadmap_create_from_plan: the same queries as without gaps (docs/planner.md
#: "Roadmaps": reads, inserts, the step ids, two COPYs and the savepoint pair).
STORE_QUERIES = 10
DEADLINE = TODAY + timedelta(days=13)  # two weeks at 5 h a week: 10 hours


def test_the_model_codes_mirror_the_planner_codes():
    assert sorted(NoResourceCode.values) == sorted(c.value for c in NoResource)


def test_a_job_with_a_topic_without_resources_succeeds_and_marks_the_step(learner):
    small_catalog_build(without_resources=("py-loops",))
    profile = profile_submit(owner=learner, raw=profile_raw(), today=TODAY)
    job = job_enqueue(profile=profile, actor=learner, enqueue=False)

    done = job_execute(job_id=job.pk, worker_id="test")

    assert done.state == JobState.SUCCEEDED, done.error
    version = done.roadmap.current
    loops = version.steps.get(topic_slug="py-loops")
    assert (loops.no_resource, loops.no_resource_reason) == (
        "none",
        "No resource for this topic yet",
    )
    assert loops.objectives[0] == "Repeat work with for and while loops"
    assert loops.mastery_description
    assert not loops.resources.exists()
    others = version.steps.exclude(topic_slug="py-loops")
    assert set(others.values_list("no_resource", flat=True)) == {""}
    gap_notices = [n for n in version.notices if n["kind"] == "no_resource"]
    assert len(gap_notices) == 1
    assert gap_notices[0]["steps"] == ["py-loops"]
    assert "Loops (no resource for this topic yet)" in gap_notices[0]["message"]


def test_the_export_carries_the_mark_and_validates(learner):
    small_catalog_build(without_resources=("py-loops",))
    stored = profile_plan_store(
        owner=learner, raw=profile_raw(), answers={}, today=TODAY
    )

    document = export_document(stored.roadmap.current)

    export_validate(document)
    assert document["schema_version"] == SCHEMA_VERSION == "1.3"
    steps = {s["topic"]: s for s in document["steps"]}
    assert steps["py-loops"]["no_resource"] == {
        "code": "none",
        "reason": "No resource for this topic yet",
    }
    assert steps["py-loops"]["resources"] == []
    assert steps["py-setup"]["no_resource"] is None
    assert {s["fits_deadline"] for s in document["steps"]} == {None}


def _tight(learner) -> Roadmap:
    raw = profile_raw(goals="python-objects", deadline=DEADLINE.isoformat())
    stored = profile_plan_store(
        owner=learner,
        raw=raw,
        answers={f"deadline:{DEADLINE.isoformat()}": "keep"},
        today=TODAY,
    )
    assert stored.roadmap is not None, stored.result.questions
    return stored.roadmap


def test_a_kept_tight_deadline_stores_the_cut_and_the_ways_out(small_catalog, learner):
    version = _tight(learner).current

    assert not version.feasible
    steps = list(version.steps.order_by("position"))
    assert [s.fits_deadline for s in steps] == [s.end_date <= DEADLINE for s in steps]
    assert steps[0].fits_deadline is True and steps[-1].fits_deadline is False
    (cut,) = [n for n in version.notices if n["kind"] == "deadline_cut"]
    assert cut["deadline"] == DEADLINE.isoformat()
    assert cut["steps_after_deadline"] == [
        s.topic_slug for s in steps if not s.fits_deadline
    ]
    kinds = [o["kind"] for o in cut["options"]]
    assert kinds == ["more_hours", "later_deadline", "narrower_track"]
    more, later, narrower = cut["options"]
    assert more["weekly_hours"] == version.shortfall["weekly_hours_needed"] > 5
    assert later["deadline"] == version.shortfall["earliest_feasible_deadline"]
    assert narrower["track"] == "python-basics"
    assert "Python basics" in cut["message"]
    assert "a week instead of 5 hours" in cut["message"]


def test_the_export_carries_fits_deadline(small_catalog, learner):
    document = export_document(_tight(learner).current)
    export_validate(document)
    fits = [s["fits_deadline"] for s in document["steps"]]
    assert fits[0] is True and fits[-1] is False
    assert set(fits) == {True, False}


# -- plan_roadmap output -------------------------------------------------------------
def _run(tmp_path, raw, *extra: str) -> str:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    out = StringIO()
    call_command(
        "plan_roadmap",
        "--profile",
        str(path),
        "--start-date",
        TODAY.isoformat(),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_plan_roadmap_json_reads_like_a_roadmap(tmp_path):
    catalog = small_catalog_build(without_resources=("py-loops",))

    output = json.loads(_run(tmp_path, profile_raw(), "--json"))

    steps = {s["topic"]: s for s in output["plan"]["steps"]}
    assert steps["py-setup"]["title"] == "Setup"
    assert steps["py-loops"]["no_resource_reason"] == "No resource for this topic yet"
    assert steps["py-loops"]["resources"] == []
    first = steps["py-setup"]["resources"][0]
    row = catalog.resources[first["resource"]]
    assert first["title"] == row.title
    assert first["url"] == row.links.get(kind="primary").url
    assert first["provider"] == {"slug": row.provider.slug, "name": row.provider.name}
    assert (first["format"], first["language"], first["duration_minutes"]) == (
        row.format,
        row.language,
        row.duration_minutes,
    )
    (notice,) = [n for n in output["notices"] if n["kind"] == "no_resource"]
    assert notice["steps"] == ["py-loops"]


def test_plan_roadmap_text_shows_titles_links_and_the_gap(tmp_path):
    catalog = small_catalog_build(without_resources=("py-loops",))

    text = _run(tmp_path, profile_raw())

    assert "Loops [py-loops]" in text
    assert "       No resource yet: No resource for this topic yet" in text
    setup_video = catalog.resources["py-setup-video"]
    assert f"{setup_video.title} [py-setup-video], " in text
    assert setup_video.links.get(kind="primary").url in text
    assert "Notice: No resource yet for 1 step: Loops" in text


def test_plan_roadmap_text_marks_steps_after_the_deadline(small_catalog, tmp_path):
    raw = profile_raw(goals="python-objects", deadline=DEADLINE.isoformat())
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({f"deadline:{DEADLINE.isoformat()}": "keep"}))

    text = _run(tmp_path, raw, "--answers", str(answers))

    assert "Classes [py-classes] (target)" in text
    assert "AFTER THE DEADLINE" in text.split("Classes [py-classes]")[1].splitlines()[0]
    assert "Notice: Steps 1" in text and "To finish in time: study " in text


def test_storing_a_plan_with_gaps_and_a_cut_takes_a_fixed_number_of_queries(
    learner, django_assert_num_queries
):
    small_catalog_build(without_resources=("py-loops", "py-variables"))
    raw = profile_raw(goals="python-objects", deadline=DEADLINE.isoformat())
    answers = {f"deadline:{DEADLINE.isoformat()}": "keep"}
    profile = profile_submit(owner=learner, raw=raw, today=TODAY)
    plan = plan_preview(raw=raw, answers=answers, today=TODAY).plan
    assert plan is not None and not plan.feasible
    graph = catalog_graph_get()

    # Marking steps and writing the cut add no query: they ride on the inserts.
    with django_assert_num_queries(STORE_QUERIES):
        roadmap = roadmap_create_from_plan(
            profile=profile, plan=plan, graph=graph, input_profile_hash="0" * 64
        )

    marked = roadmap.current.steps.exclude(no_resource="")
    assert sorted(marked.values_list("topic_slug", flat=True)) == [
        "py-loops",
        "py-variables",
    ]


def test_a_1_0_document_without_the_new_fields_still_validates(learner):
    small_catalog_build(without_resources=("py-loops",))
    stored = profile_plan_store(
        owner=learner, raw=profile_raw(), answers={}, today=TODAY
    )
    document = export_document(stored.roadmap.current)
    document["schema_version"] = "1.0"
    for step in document["steps"]:
        del step["no_resource"], step["fits_deadline"]

    export_validate(document)  # additive: older minors stay valid
