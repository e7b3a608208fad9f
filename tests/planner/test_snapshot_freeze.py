"""A worker freezes a large catalog snapshot once, not around every plan."""

from __future__ import annotations

import gc

import pytest

from planner import tasks
from planner.selectors import catalog_graph_forget

pytestmark = pytest.mark.django_db


@pytest.fixture
def unfrozen(monkeypatch):
    monkeypatch.setattr(tasks, "_frozen_version", None)
    catalog_graph_forget()
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_new_snapshot_is_frozen_once_per_catalog_version(
    small_catalog, unfrozen, monkeypatch
):
    monkeypatch.setattr(tasks, "GC_FREEZE_MIN_NODES", 1)  # the small catalog counts
    tasks.snapshot_freeze()
    assert gc.get_freeze_count() > 0

    gc.unfreeze()
    tasks.snapshot_freeze()  # same version: nothing to do
    assert gc.get_freeze_count() == 0


def test_a_small_snapshot_or_the_setting_off_freezes_nothing(
    small_catalog, unfrozen, settings, monkeypatch
):
    tasks.snapshot_freeze()  # far under GC_FREEZE_MIN_NODES
    assert gc.get_freeze_count() == 0

    monkeypatch.setattr(tasks, "GC_FREEZE_MIN_NODES", 1)
    monkeypatch.setattr(tasks, "_frozen_version", None)
    settings.PLANNER_GC_FREEZE = False
    tasks.snapshot_freeze()
    assert gc.get_freeze_count() == 0
