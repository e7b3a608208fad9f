"""The suggestions in a real browser: the step panel of a step without
resources reads "Suggested, not yet reviewed" below "No resource yet", each
item's heading says it too, and axe-core finds nothing at 360 and 1280 px.
Uses the browser tests' fixtures (tests/e2e/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from roadmaps.models import RoadmapStep
from tests.e2e.browser import look, signed_in
from tests.e2e.conftest import (  # noqa: F401 -- the browser tests' fixtures
    axe_path,
    browser_type_launch_args,
)
from tests.factories import UserFactory
from tests.planner.conftest import small_catalog_build
from tests.roadmaps.conftest import roadmap_plan
from tests.sources.helpers import make_candidate

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_panel_labels_suggestions_in_words_below_the_missing_resources(
    page: Page,
    live_server,
    axe_path: Path,  # noqa: F811
    output_path,
):
    catalog = small_catalog_build(without_resources=("py-functions",))
    owner = UserFactory()
    roadmap = roadmap_plan(owner)
    make_candidate(catalog.topics["py-functions"], title="Think Functions")
    step = RoadmapStep.objects.get(
        version_id=roadmap.current_id, topic_slug="py-functions"
    )
    signed_in(page, live_server, owner)

    page.goto(f"{live_server.url}/roadmaps/{roadmap.pk}/steps/{step.pk}/")

    panel = page.locator("#step-panel")
    section = panel.get_by_role("region", name="Suggested, not yet reviewed")
    expect(section).to_be_visible()
    expect(
        section.get_by_role("heading", level=4, name="Think Functions")
    ).to_contain_text("Suggested, not yet reviewed")
    # Below the step's (missing) curated resources.
    no_resource = panel.locator(".no-resource").bounding_box()
    suggestions = section.bounding_box()
    assert no_resource and suggestions and no_resource["y"] < suggestions["y"]
    look(page, axe_path, output_path, "suggestions", full_page=False)
