"""The roadmap detail with its plan part cached (roadmaps.api.plan_part_get):
the same output as serializing every step afresh, for the owner and for a
partner, after progress, pins, votes and catalog changes; and the same
queries for 10 or 100 steps, cached or not."""

from __future__ import annotations

import json

from django.core.cache import cache

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from catalog.models import Provider
from roadmaps.api import PLAN_CACHE_FORMAT, PlanPart, StepSerializer, plan_part_get
from roadmaps.api.detail import steps_splice
from roadmaps.api.serializers import RoadmapDetailSerializer
from roadmaps.models import Roadmap, RoadmapStep, StepResource
from roadmaps.selectors import version_cache_key, version_steps_read
from roadmaps.selectors.prepared import PreparedRows
from taxonomy.selectors import catalog_version_current
from tests.factories import UserFactory
from tests.roadmaps.test_api import _grow
from tests.roadmaps.test_sharing import partner_user

#: The detail's queries for its owner: the roadmap with its current version
#: and the catalog version, the steps' progress columns, the pinned and voted
#: resources (and, for the cached part's first build, the steps and their
#: resources). The owner's role is never asked (the caller's groups).
WARM_QUERIES = 3
COLD_QUERIES = WARM_QUERIES + 2


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _detail(client: APIClient, roadmap) -> dict:
    answer = client.get(f"/api/v1/roadmaps/{roadmap.pk}/")
    assert answer.status_code == 200, answer.content[:300]
    return json.loads(answer.content)


def _steps_afresh(roadmap, reader, *, owner: bool) -> list[dict]:
    """What StepSerializer says of every step read now (the uncached way)."""
    read = version_steps_read(version=roadmap.current, actor=reader)
    context = {
        "step_ids": read.step_ids,
        "states": read.states,
        "votes": read.votes,
        "owner": owner,
    }
    data = StepSerializer(read.steps, many=True, context=context).data
    return json.loads(JSONRenderer().render(data))


def _progress(client: APIClient, roadmap) -> None:
    """Complete, skip and start steps, write notes, pin, vote, mark mastery."""
    ids = dict(
        RoadmapStep.objects.filter(version=roadmap.current).values_list(
            "topic_slug", "pk"
        )
    )
    base = f"/api/v1/roadmaps/{roadmap.pk}/steps"
    setup, variables = ids["py-setup"], ids["py-variables"]
    assert client.post(f"{base}/{setup}/complete/").status_code == 200
    assert client.post(f"{base}/{variables}/skip/").status_code == 200
    assert client.post(f"{base}/{ids['py-loops']}/start/").status_code == 200
    client.patch(f"{base}/{setup}/", {"notes": "private", "pinned": True}, "json")
    client.post(f"{base}/{setup}/mastery/", {"passed": True, "note": "ok"}, "json")
    row = StepResource.objects.filter(step_id=setup).order_by("position").first()
    resource = f"{base}/{setup}/resources/{row.pk}/"
    assert client.patch(resource, {"pinned": True}, "json").status_code == 200
    assert client.put(resource + "feedback/", {"helpful": False}, "json").status_code
    assert client.put(resource + "feedback/", {"helpful": True}, "json").status_code


def test_the_cached_detail_says_what_serializing_afresh_says(roadmap, learner):
    owner = _api(learner)
    _detail(owner, roadmap)  # the plan part is cached from here on
    _progress(owner, roadmap)
    partner = partner_user()
    shared = owner.post(
        f"/api/v1/roadmaps/{roadmap.pk}/shares/", {"partner": partner.username}
    )
    assert shared.status_code == 201

    mine = _detail(owner, roadmap)
    theirs = _detail(_api(partner), roadmap)

    expected = _steps_afresh(roadmap, learner, owner=True)
    # Key order too: the JSON text is the same, not only the data.
    assert json.dumps(mine["steps"]) == json.dumps(expected)
    assert json.dumps(theirs["steps"]) == json.dumps(
        _steps_afresh(roadmap, partner, owner=False)
    )
    setup = next(s for s in mine["steps"] if s["topic"] == "py-setup")
    assert setup["state"] == "completed" and setup["notes"] == "private"
    assert setup["resources"][0]["pinned"] is True
    assert setup["resources"][0]["my_vote"] is True
    seen = next(s for s in theirs["steps"] if s["topic"] == "py-setup")
    assert seen["notes"] is None and seen["mastery"]["note"] is None
    assert seen["resources"][0]["my_vote"] is None
    loops = next(s for s in mine["steps"] if s["topic"] == "py-loops")
    assert loops["state"] == "active" and loops["blocked_by"] == []
    assert mine["next_step"] == next(
        s["id"]
        for s in mine["steps"]
        if s["state"] == "active" or (s["state"] == "locked" and not s["blocked_by"])
    )


def test_a_catalog_change_shows_at_once(roadmap, learner):
    owner = _api(learner)
    before = _detail(owner, roadmap)
    provider = Provider.objects.get(name=before["steps"][0]["resources"][0]["provider"])
    provider.name = "Renamed Provider"
    provider.save()  # moves the catalog version

    after = _detail(owner, roadmap)

    assert after["steps"][0]["resources"][0]["provider"] == "Renamed Provider"
    assert json.dumps(after["steps"]) == json.dumps(
        _steps_afresh(roadmap, learner, owner=True)
    )


def test_an_entry_that_does_not_hold_the_versions_steps_is_built_again(
    roadmap, learner
):
    version = roadmap.current
    key = version_cache_key(
        version=version,
        catalog_version=catalog_version_current(),
        prefix=f"roadmap-plan-{PLAN_CACHE_FORMAT}",
    )
    part = plan_part_get(version, catalog_version=catalog_version_current())
    cache.set(key, PlanPart(steps=part.steps[1:]))

    answer = _detail(_api(learner), roadmap)

    assert json.dumps(answer["steps"]) == json.dumps(
        _steps_afresh(roadmap, learner, owner=True)
    )
    assert len(cache.get(key).steps) == len(part.steps)


def test_the_detail_text_is_what_the_renderer_says_of_its_data(roadmap, learner):
    owner = _api(learner)
    _detail(owner, roadmap)
    _progress(owner, roadmap)
    url = f"/api/v1/roadmaps/{roadmap.pk}/"

    answer = owner.get(url)
    indented = owner.get(url, HTTP_ACCEPT="application/json; indent=4")

    # The steps' text is joined from cached pieces: the whole must read as
    # DRF renders the same data, byte for byte, and indented when asked.
    data = json.loads(answer.content)
    assert answer.content == JSONRenderer().render(data)
    assert answer["Content-Type"] == "application/json"
    assert indented.content == JSONRenderer().render(data, "application/json; indent=4")


@pytest.mark.parametrize("cached", [False, True])
def test_the_detail_runs_the_same_queries_for_10_or_100_steps(
    small_catalog, django_assert_num_queries, cached
):
    from tests.roadmaps.conftest import roadmap_plan

    for size in (10, 100):
        owner = UserFactory()
        roadmap = roadmap_plan(owner)
        _grow(roadmap, size)
        if cached:
            _detail(_api(owner), roadmap)
        # A fresh user, as every request over HTTP has (no groups read yet).
        client = _api(type(owner).objects.get(pk=owner.pk))
        with django_assert_num_queries(WARM_QUERIES if cached else COLD_QUERIES):
            assert len(_detail(client, roadmap)["steps"]) == size


def test_the_detail_says_of_the_roadmap_what_its_serializer_says(roadmap, learner):
    # The owner's read loads the roadmap, its version and the catalog version
    # from one precompiled query: every field must be what the ORM reads.
    answer = _detail(_api(learner), roadmap)

    read = Roadmap.objects.select_related("current").get(pk=roadmap.pk)
    context = {
        "current_id": read.current_id,
        "schedule": answer["schedule"],
        "next_step": answer["next_step"],
    }
    expected = RoadmapDetailSerializer(read, context=context).data
    rendered = json.loads(JSONRenderer().render(expected))
    del answer["steps"], rendered["steps"]
    assert json.dumps(answer) == json.dumps(rendered)


def test_only_the_owner_and_partners_it_is_shared_with_read_the_detail(
    roadmap, learner
):
    url = f"/api/v1/roadmaps/{roadmap.pk}/"
    assert _api(UserFactory()).get(url).status_code == 404
    assert _api(partner_user()).get(url).status_code == 404
    assert _api(learner).get(f"/api/v1/roadmaps/{2**63}/").status_code == 404
    assert _api(learner).get(url).status_code == 200


def test_the_steps_go_where_the_serializer_puts_them_wherever_that_is():
    steps = ['{"id":1,"title":"A \\"quoted\\" step"}', '{"id":2}']
    detail = {"id": 7, "steps": [], "title": 'says "steps":[]}'}

    text = steps_splice(detail, steps)

    expected = {**detail, "steps": [json.loads(s) for s in steps]}
    assert text == JSONRenderer().render(expected).decode()


def test_a_detail_without_a_steps_field_fails_loudly():
    # The steps' text is put where the serializer renders its ``steps``
    # field; a serializer that lost the field must not answer without them.
    with pytest.raises(ValueError, match="no steps field"):
        steps_splice({"id": 7, "title": "No steps"}, ['{"id":1}'])


def test_a_prepared_query_runs_its_sql_again_with_each_call_s_values(roadmap, learner):
    steps = PreparedRows(
        lambda version_id: (
            RoadmapStep.objects.filter(version_id=version_id)
            .order_by("position")
            .values_list("pk", flat=True)
        ),
        arity=1,
    )
    expected = list(
        roadmap.current.steps.order_by("position").values_list("pk", flat=True)
    )

    assert [row[0] for row in steps.rows(roadmap.current.pk)] == expected
    assert steps.rows(roadmap.current.pk + 10_000) == []


def test_a_prepared_query_refuses_an_argument_that_shapes_the_sql(roadmap):
    # A limit is written into the SQL, not passed as a parameter: reusing the
    # SQL would ignore the argument, so the query is refused instead.
    limited = PreparedRows(
        lambda count: RoadmapStep.objects.values_list("pk")[:-count], arity=1
    )
    with pytest.raises(ValueError, match="must be one of its parameters"):
        limited.rows(3)
