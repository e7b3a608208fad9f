"""The roadmap page reads only what it shows and caches the path's HTML
(roadmaps/partials/_path.html): the same queries for 10 or 100 steps, the
same HTML from the cache as rendered afresh, and progress shown at once."""

from __future__ import annotations

import re

from django.core.cache import cache

import pytest

from roadmaps.models import RoadmapStep
from tests.factories import UserFactory
from tests.roadmaps.test_api import _grow

#: The path page's queries: the session, the user, the roadmap with the
#: catalog version, the steps, the user's and its groups' permissions (the
#: header's links).
PATH_QUERIES = 6
#: With a step's panel open: its resources with their catalog rows and the
#: learner's votes on them.
PANEL_QUERIES = PATH_QUERIES + 2


def _roadmap(client, size: int):
    from tests.roadmaps.conftest import roadmap_plan

    owner = UserFactory()
    roadmap = roadmap_plan(owner)
    _grow(roadmap, size)
    client.force_login(owner)
    client.get("/roadmaps/")  # the session's first touches
    return roadmap


def _steps(roadmap) -> list[RoadmapStep]:
    return list(RoadmapStep.objects.filter(version=roadmap.current_id))


def _html(client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    html = answer.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


@pytest.mark.parametrize(
    ("tail", "queries"), [("", PATH_QUERIES), ("panel", PANEL_QUERIES)]
)
def test_the_page_runs_the_same_queries_for_10_or_100_steps(
    small_catalog, client, django_assert_num_queries, tail, queries
):
    for size in (10, 100):
        roadmap = _roadmap(client, size)
        step = _steps(roadmap)[-1]
        url = f"/roadmaps/{roadmap.pk}/" + (f"steps/{step.pk}/" if tail else "")
        client.get(url)  # the path's HTML cached
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200


def test_the_cached_path_is_the_path_rendered_afresh(small_catalog, client):
    roadmap = _roadmap(client, 30)
    url = f"/roadmaps/{roadmap.pk}/steps/{_steps(roadmap)[3].pk}/"
    cache.clear()
    afresh = _html(client, url)
    cached = _html(client, url)
    assert cached == afresh
    assert afresh.count('class="node ') == 30


def test_progress_and_the_open_step_show_at_once(small_catalog, client):
    roadmap = _roadmap(client, 12)
    steps = {s.topic_slug: s for s in _steps(roadmap)}
    first, second = steps["py-setup"], steps["py-variables"]
    page = _html(client, f"/roadmaps/{roadmap.pk}/")
    assert f'id="node-{first.pk}" class="node node-ready"' in page
    assert f'id="node-{second.pk}" class="node node-blocked"' in page

    done = client.post(f"/roadmaps/{roadmap.pk}/steps/{first.pk}/complete/")
    assert done.status_code == 302
    page = _html(client, f"/roadmaps/{roadmap.pk}/steps/{second.pk}/")

    assert f'id="node-{first.pk}" class="node node-completed"' in page
    assert f'id="node-{second.pk}" class="node node-ready is-open"' in page
    assert page.count("is-open") == 1
