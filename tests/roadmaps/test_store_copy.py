"""Storing plans with PostgreSQL's COPY and with the bulk_create fallback.

``roadmaps.services.rows`` streams a version's steps and resources with
``COPY`` on PostgreSQL and uses ``bulk_create`` elsewhere (SQLite, the
embedded default). Both run here on the test database (PostgreSQL): emptying
``COPY_VENDORS`` sends the same plan through the fallback. The two must store
the same rows, first versions and regenerations alike; a store that fails
half-way leaves nothing behind; and a store costs the same number of queries
whatever the size of the plan.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from catalog.models import Resource
from planner.domain import SCORE_PARTS
from planner.selectors import catalog_graph_get
from planner.services import profile_submit
from planner.services.profiles import profile_plan
from roadmaps.models import RoadmapStep, RoadmapVersion, StepResource
from roadmaps.services import (
    roadmap_create_from_plan,
    roadmap_version_create_from_plan,
)
from roadmaps.services.store import resource_details
from tests.factories import UserFactory
from tests.planner.conftest import (  # noqa: F401 -- fixtures shared with the planner
    TODAY_ISO,
    learner,
    profile_raw,
    small_catalog_build,
    starter_catalog,
)
from wayfinder import rows as rows_module

TODAY = date.fromisoformat(TODAY_ISO)
#: A roadmap's first version: the track and subject reads, the roadmap and
#: version inserts, the catalog version (the topics' and resources' ids,
#: titles and URLs then come from the snapshot), the step ids from the
#: sequence, the two COPYs, the roadmap's ``current`` and the savepoint pair.
COPY_QUERIES = 10
#: The same through bulk_create: one INSERT ... RETURNING gives the step ids.
BULK_QUERIES = 9
STEP_FIELDS = [
    f.attname
    for f in RoadmapStep._meta.concrete_fields
    if f.attname not in {"id", "version_id"}
]
RESOURCE_FIELDS = [
    f.attname
    for f in StepResource._meta.concrete_fields
    if f.attname not in {"id", "step_id"}
]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compares COPY with its fallback"
)


@pytest.fixture(params=["copy", "bulk_create"])
def path(request, monkeypatch) -> str:
    if request.param == "bulk_create":
        monkeypatch.setattr(rows_module, "COPY_VENDORS", frozenset())
    return request.param


def _starter_plan(owner, **raw):
    """A stored profile and the plan made for it on the starter catalog."""
    values = {
        "subject": "python",
        "level": "beginner",
        "weekly_hours": 5,
        "start_date": TODAY_ISO,
    }
    profile = profile_submit(owner=owner, raw=values | raw, today=TODAY)
    result = profile_plan(profile=profile, graph=catalog_graph_get(), today=TODAY)
    assert result.plan is not None
    return profile, result.plan


def _stored(version_id: int) -> tuple[list[dict], list[dict]]:
    steps = RoadmapStep.objects.filter(version_id=version_id).order_by("position")
    resources = StepResource.objects.filter(step__version_id=version_id).order_by(
        "step__position", "position"
    )
    return (
        list(steps.values(*STEP_FIELDS)),
        list(resources.values("step__position", *RESOURCE_FIELDS)),
    )


def _store(monkeypatch, *, copy: bool, store, **kwargs):
    """Call ``store`` through COPY or through bulk_create; the result and
    the SQL it ran."""
    with monkeypatch.context() as patched:
        if not copy:
            patched.setattr(rows_module, "COPY_VENDORS", frozenset())
        with CaptureQueriesContext(connection) as queries:
            result = store(**kwargs)
    return result, [q["sql"] for q in queries.captured_queries]


def _uses_copy(statements: list[str]) -> bool:
    return any(sql.startswith("COPY ") for sql in statements)


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
def test_copy_and_bulk_create_store_the_same_first_version(monkeypatch):
    # Spanish, with a tight deadline: language fallbacks and steps after the
    # deadline appear beside the ordinary rows.
    deadline = (TODAY + timedelta(days=60)).isoformat()
    profile, plan = _starter_plan(
        UserFactory(),
        subject="web-development",
        goals="django-backend-developer",
        language="es",
        deadline=deadline,
    )
    graph = catalog_graph_get()
    stored = {}
    for copy in (True, False):
        roadmap, statements = _store(
            monkeypatch,
            copy=copy,
            store=roadmap_create_from_plan,
            profile=profile,
            plan=plan,
            graph=graph,
            input_profile_hash="a" * 64,
        )
        assert _uses_copy(statements) is copy
        stored[copy] = _stored(roadmap.current_id)

    steps, resources = stored[True]
    assert stored[True] == stored[False]
    assert len(steps) == len(plan.steps) and len(steps) >= 15
    assert len(resources) == sum(len(s.resources) for s in plan.steps)
    # The rows hold what the plan said, not defaults.
    assert [s["topic_slug"] for s in steps] == [s.topic for s in plan.steps]
    assert steps[0]["state"] == "active" and steps[0]["objectives"]
    assert any(s["requires"] for s in steps) and any(s["recommends"] for s in steps)
    assert {s["fits_deadline"] for s in steps} == {True, False}
    assert any(r["language_fallback"] for r in resources)
    assert all(r["resource_id"] and r["url"].startswith("http") for r in resources)
    assert set(resources[0]["score_parts"]) >= {"coverage", "variety_penalty"}


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
def test_copy_and_bulk_create_store_the_same_regeneration(monkeypatch):
    graph = catalog_graph_get()
    owner = UserFactory()
    profile, first = _starter_plan(owner, goals="python-backend-jobs")
    _, second = _starter_plan(owner, goals="python-automation", weekly_hours=8)
    dropped = next(
        s.topic for s in first.steps if s.topic not in {t.topic for t in second.steps}
    )
    kept = next(
        s for s in first.steps[1:] if s.topic in {t.topic for t in second.steps}
    )
    done_at = datetime(2026, 1, 9, 14, 30, tzinfo=UTC)
    stored = {}
    for copy in (True, False):
        roadmap = roadmap_create_from_plan(
            profile=profile, plan=first, graph=graph, input_profile_hash="b" * 64
        )
        # The learner's work, which the new version must carry.
        version = roadmap.current
        version.steps.filter(topic_slug=dropped).update(
            state="completed", started_at=done_at, completed_at=done_at
        )
        version.steps.filter(topic_slug=kept.topic).update(
            notes="Tabs\tand\nnew lines \\ kept", pinned=True
        )
        StepResource.objects.filter(
            step__version=version,
            step__topic_slug=kept.topic,
            resource_slug=kept.resources[-1].resource,
        ).update(pinned=True)
        new, statements = _store(
            monkeypatch,
            copy=copy,
            store=roadmap_version_create_from_plan,
            roadmap_id=roadmap.pk,
            plan=second,
            graph=graph,
            input_profile_hash="c" * 64,
        )
        assert _uses_copy(statements) is copy
        stored[copy] = (_stored(new.pk), RoadmapVersion.objects.get(pk=new.pk).diff)

    (steps, resources), diff = stored[True]
    assert stored[True] == stored[False]
    carried = [s for s in steps if s["carried"]]
    assert [(s["topic_slug"], s["state"]) for s in carried] == [(dropped, "completed")]
    assert carried[0]["completed_at"] == done_at
    mine = next(s for s in steps if s["topic_slug"] == kept.topic)
    assert mine["notes"] == "Tabs\tand\nnew lines \\ kept" and mine["pinned"]
    ranked = [r for r in resources if r["step__position"] == mine["position"]]
    assert ranked[0]["resource_slug"] == kept.resources[-1].resource
    assert ranked[0]["pinned"] and ranked[0]["position"] == 1
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert dropped not in [r["topic"] for r in diff["removed"]]
    assert diff["added"] and diff["removed"]


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
@pytest.mark.parametrize("goals", ["python-fundamentals", "python-backend-jobs"])
def test_storing_a_plan_takes_the_same_queries_whatever_its_size(
    path, goals, django_assert_num_queries
):
    profile, plan = _starter_plan(UserFactory(), goals=goals)
    graph = catalog_graph_get()
    expected = COPY_QUERIES if path == "copy" else BULK_QUERIES

    with django_assert_num_queries(expected):
        roadmap = roadmap_create_from_plan(
            profile=profile, plan=plan, graph=graph, input_profile_hash="d" * 64
        )

    assert roadmap.current.steps.count() == len(plan.steps)


@pytest.mark.django_db
def test_rows_insert_refuses_a_field_the_model_does_not_have():
    with pytest.raises(ValueError, match="'colour'"):
        rows_module.rows_insert(StepResource, [{"position": 1, "colour": "red"}])


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
def test_the_ranked_resources_are_looked_up_with_one_array_parameter():
    slugs = list(Resource.objects.values_list("slug", flat=True)[:40])

    with CaptureQueriesContext(connection) as queries:
        found = resource_details([*slugs, "no-such-resource"])

    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert '"slug" = ANY(' in sql and " IN (" not in sql
    # The same rows an IN list finds.
    assert sorted(found) == sorted(
        Resource.objects.filter(slug__in=slugs).values_list("slug", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
def test_the_snapshot_and_the_catalog_give_the_stored_rows_the_same_facts():
    # The store takes ids, titles and URLs from the snapshot while the catalog
    # has not moved since the plan, and reads the catalog otherwise: both
    # must store the same rows for the same catalog.
    owner = UserFactory()
    profile, plan = _starter_plan(owner, goals="python-backend-jobs", language="es")
    graph = catalog_graph_get()
    with CaptureQueriesContext(connection) as queries:
        from_snapshot = roadmap_create_from_plan(
            profile=profile, plan=plan, graph=graph, input_profile_hash="e" * 64
        )
    assert not any('"catalog_resource"' in q["sql"] for q in queries.captured_queries)

    # A curator retitles a resource of the plan: the catalog moved, so the
    # next store reads the catalog as it is now (and not the snapshot).
    first = plan.steps[0].resources[0].resource
    Resource.objects.filter(slug=first).update(title="Retitled by a curator")
    Resource.objects.get(slug=first).save()  # a save moves the catalog version
    with CaptureQueriesContext(connection) as queries:
        from_catalog = roadmap_create_from_plan(
            profile=profile, plan=plan, graph=graph, input_profile_hash="f" * 64
        )
    assert any('"catalog_resource"' in q["sql"] for q in queries.captured_queries)

    old_steps, old_resources = _stored(from_snapshot.current_id)
    new_steps, new_resources = _stored(from_catalog.current_id)
    assert old_steps == new_steps
    assert [r["title"] for r in new_resources if r["resource_slug"] == first] == [
        "Retitled by a curator"
    ]
    retitled = {"title": graph.resources[first].title}
    assert [
        r if r["resource_slug"] != first else r | retitled for r in new_resources
    ] == old_resources
    assert all(r["resource_id"] and r["url"].startswith("http") for r in old_resources)


@pytest.mark.django_db
@pytest.mark.usefixtures("starter_catalog")
@pytest.mark.parametrize("copy", [True, False], ids=["copy", "bulk_create"])
def test_score_parts_are_kept_as_the_json_text_the_store_wrote(monkeypatch, copy):
    profile, plan = _starter_plan(UserFactory(), goals="python-backend-jobs")
    roadmap, _ = _store(
        monkeypatch,
        copy=copy,
        store=roadmap_create_from_plan,
        profile=profile,
        plan=plan,
        graph=catalog_graph_get(),
        input_profile_hash="c" * 64,
    )
    ranked = {(s.position, r.resource): r for s in plan.steps for r in s.resources}
    rows = StepResource.objects.filter(step__version_id=roadmap.current_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, score_parts FROM roadmaps_stepresource WHERE id = ANY(%s)",
            [[row.pk for row in rows]],
        )
        texts = dict(cursor.fetchall())
    assert len(texts) == len(ranked) > 0
    for row in rows.select_related("step"):
        # Read back decoded, as a JSONField would; stored as plain JSON text.
        assert json.loads(texts[row.pk]) == row.score_parts
        parts = ranked[(row.step.position, row.resource_slug)]
        assert row.score_parts["coverage"] == round(parts.coverage, 4)
        assert row.score_parts["variety_penalty"] == round(parts.variety_penalty, 4)
        assert set(row.score_parts) == {*SCORE_PARTS, "variety_penalty"}
