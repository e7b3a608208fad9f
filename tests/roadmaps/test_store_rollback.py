"""A store that fails half-way leaves nothing behind, through COPY and
through the bulk_create fallback (``roadmaps.services.rows``).

Transactional tests: the service's own transaction is the outermost one, so
what it leaves is what another connection would see after a failure.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from django.db import IntegrityError, connection

import pytest

from planner.selectors import catalog_graph_get
from planner.services import profile_submit
from planner.services.profiles import profile_plan
from roadmaps.models import Roadmap, RoadmapStep, RoadmapVersion, StepResource
from roadmaps.services import roadmap_create_from_plan
from tests.planner.conftest import (  # noqa: F401 -- fixtures shared with the planner
    TODAY_ISO,
    learner,
    profile_raw,
    small_catalog_build,
)
from wayfinder import rows as rows_module

TODAY = date.fromisoformat(TODAY_ISO)


@pytest.fixture(params=["copy", "bulk_create"])
def path(request, monkeypatch) -> str:
    if request.param == "bulk_create":
        monkeypatch.setattr(rows_module, "COPY_VENDORS", frozenset())
    elif connection.vendor not in rows_module.COPY_VENDORS:
        pytest.skip("COPY needs PostgreSQL")
    return request.param


@pytest.mark.django_db(transaction=True)
def test_a_store_failing_half_way_leaves_nothing_behind(path, learner):  # noqa: F811
    small_catalog_build()
    profile = profile_submit(owner=learner, raw=profile_raw(), today=TODAY)
    graph = catalog_graph_get()
    plan = profile_plan(profile=profile, graph=graph, today=TODAY).plan
    # The last step lists a resource twice: the roadmap, the version and the
    # steps are written, then the resources' unique constraint refuses.
    last = plan.steps[-1]
    broken = dataclasses.replace(last, resources=(*last.resources, last.resources[0]))
    plan = dataclasses.replace(plan, steps=(*plan.steps[:-1], broken))

    with pytest.raises(IntegrityError, match="stepresource"):
        roadmap_create_from_plan(
            profile=profile, plan=plan, graph=graph, input_profile_hash="e" * 64
        )

    assert not Roadmap.objects.exists()
    assert not RoadmapVersion.objects.exists()
    assert not RoadmapStep.objects.exists()
    assert not StepResource.objects.exists()
    # The same plan without the duplicate stores in full afterwards.
    fixed = dataclasses.replace(plan, steps=(*plan.steps[:-1], last))
    roadmap = roadmap_create_from_plan(
        profile=profile, plan=fixed, graph=graph, input_profile_hash="e" * 64
    )
    assert roadmap.current.steps.count() == len(fixed.steps)
    assert StepResource.objects.count() == sum(len(s.resources) for s in fixed.steps)
