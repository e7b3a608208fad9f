"""Fixtures of the account tests: the planner's small catalog, for learners
with real roadmaps."""

from __future__ import annotations

from tests.planner.conftest import small_catalog  # noqa: F401 -- fixture
