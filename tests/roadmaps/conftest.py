"""Roadmaps on the small catalog of the planner's tests: a learner's roadmap
made by the planner, stored as version 1."""

from __future__ import annotations

from datetime import date

import pytest

from planner.services import profile_plan_store
from roadmaps.models import Roadmap
from tests.factories import UserFactory
from tests.planner.conftest import (  # noqa: F401 -- fixtures shared with the planner
    TODAY_ISO,
    learner,
    profile_raw,
    small_catalog,
)

TODAY = date.fromisoformat(TODAY_ISO)


def roadmap_plan(owner, **overrides) -> Roadmap:
    """Plan and store a roadmap for ``owner`` on the small catalog (the
    "python-basics" track by default: setup, style, variables, loops,
    functions)."""
    stored = profile_plan_store(
        owner=owner, raw=profile_raw(**overrides), answers={}, today=TODAY
    )
    assert stored.roadmap is not None, stored.result.questions
    return stored.roadmap


@pytest.fixture
def roadmap(small_catalog, learner) -> Roadmap:  # noqa: F811
    return roadmap_plan(learner)


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")
