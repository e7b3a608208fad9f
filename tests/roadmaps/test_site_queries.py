"""Query counts of the roadmap pages not covered beside their behaviour
(tests/roadmaps/test_site.py covers the path, the panel and the dashboard;
test_site_regenerate.py the version page and the page with changes): the
regenerate page and dialog, a step's action answered to htmx, the export,
each the same for 5 or 100 steps, and every page under a fixed ceiling."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from roadmaps.models import RoadmapStep
from tests.factories import UserFactory
from tests.roadmaps.test_api import _grow

HTMX = {"HTTP_HX_REQUEST": "true"}
#: No roadmap page needs more, whatever its size; the export also locks the
#: roadmap, looks for the same file stored before and records it.
CEILING = 16
EXPORT_CEILING = 20


def _roadmap(client, size: int):
    from tests.roadmaps.conftest import roadmap_plan

    owner = UserFactory()
    roadmap = roadmap_plan(owner)
    _grow(roadmap, size)
    client.force_login(owner)
    return roadmap


def _count(client, method: str, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = getattr(client, method)(url, **extra)
    assert answer.status_code in {200, 302}, (url, answer.status_code)
    return len(queries)


def _last_step(roadmap) -> RoadmapStep:
    return RoadmapStep.objects.filter(version=roadmap.current_id).order_by("position")[
        0
    ]


@pytest.mark.parametrize(
    ("name", "method", "tail", "extra"),
    [
        ("regenerate page", "get", "regenerate/", {}),
        ("regenerate dialog", "get", "regenerate/", HTMX),
        ("path", "get", "", {}),
        ("panel", "get", "steps/{step}/", {}),
        ("panel for htmx", "get", "steps/{step}/", HTMX),
        ("pin for htmx", "post", "steps/{step}/pin/", HTMX),
        ("notes for htmx", "post", "steps/{step}/notes/", HTMX),
        ("export", "post", "export/", HTMX),
    ],
)
def test_roadmap_pages_cost_the_same_for_5_or_100_steps(
    small_catalog, client, name, method, tail, extra
):
    counts = []
    for size in (5, 100):
        roadmap = _roadmap(client, size)
        url = f"/roadmaps/{roadmap.pk}/" + tail.format(step=_last_step(roadmap).pk)
        data = {"pinned": "true", "notes": "n"} if method == "post" else None
        kwargs = {"data": data} if data else {}
        client.get(f"/roadmaps/{roadmap.pk}/")  # the session's first touches
        counts.append(_count(client, method, url, **kwargs, **extra))
    assert counts[0] == counts[1], (name, counts)
    assert counts[1] <= (EXPORT_CEILING if name == "export" else CEILING), (
        name,
        counts,
    )
