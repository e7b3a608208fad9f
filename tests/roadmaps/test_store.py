"""Storing a plan as a roadmap and its first version."""

from __future__ import annotations

from roadmaps.models import RoadmapStep, StepState


def test_a_roadmap_is_stored_as_its_first_version_with_step_edges(roadmap):
    version = roadmap.current
    assert version.number == 1 and version.roadmap_id == roadmap.pk
    assert len(version.input_profile_hash) == 64
    assert version.planner_version >= 1 and version.model_versions == {
        "embeddings": "none"
    }
    steps = list(RoadmapStep.objects.filter(version=version))
    assert [s.topic_slug for s in steps] == [
        "py-setup",
        "py-style",
        "py-variables",
        "py-loops",
        "py-functions",
    ]
    by_topic = {s.topic_slug: s for s in steps}
    assert by_topic["py-variables"].requires == ["py-setup"]
    assert by_topic["py-functions"].requires == ["py-loops"]
    assert by_topic["py-functions"].recommends == ["py-style"]
    assert [s.state for s in steps] == [StepState.ACTIVE] + [StepState.LOCKED] * 4
