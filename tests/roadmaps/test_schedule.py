"""Where the learner stands against the schedule, across dates (fixed clock)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from roadmaps.models import RoadmapStep, StepState
from roadmaps.schedule import AHEAD, BEHIND, FINISHED, ON_TRACK, schedule_status


def status_on(roadmap, day):
    steps = list(RoadmapStep.objects.filter(version=roadmap.current))
    return schedule_status(version=roadmap.current, steps=steps, today=day)


def done(roadmap, *slugs, on=None, state=StepState.COMPLETED):
    at = datetime.combine(on, datetime.min.time(), tzinfo=UTC) if on else None
    field = "completed_at" if state == StepState.COMPLETED else "skipped_at"
    RoadmapStep.objects.filter(version=roadmap.current, topic_slug__in=slugs).update(
        state=state, **{field: at or datetime.now(UTC)}
    )


@pytest.fixture
def plan(roadmap):
    steps = list(RoadmapStep.objects.filter(version=roadmap.current))
    return roadmap.current, steps


def test_before_the_start_nothing_is_expected_and_the_planned_pace_projects(
    roadmap, plan
):
    version, steps = plan
    total = sum(s.hours for s in steps)
    status = status_on(roadmap, version.start_date - timedelta(days=3))
    assert (status.status, status.hours_expected, status.hours_done) == (
        ON_TRACK,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert status.pace_source == "planned"
    assert status.pace_hours_per_week == version.weekly_hours
    assert status.hours_total == total
    # 12.5 hours at 5 a week: 18 days from the start day, as the planner said.
    days = math.ceil(total * 7 / version.weekly_hours)
    assert status.projected_end_date == version.start_date + timedelta(days=days - 1)
    assert status.projected_end_date == version.end_date


def test_nothing_done_by_the_end_of_the_schedule_is_behind_by_every_hour(roadmap, plan):
    version, steps = plan
    status = status_on(roadmap, version.end_date)
    assert status.status == BEHIND
    assert status.hours_expected == status.hours_total
    assert status.hours_delta == -status.hours_total
    # Too little done to measure a pace: the planned one projects from today.
    assert status.pace_source == "planned"
    assert status.projected_end_date > version.end_date


def test_work_done_early_is_ahead_and_measures_the_learners_pace(roadmap, plan):
    version, steps = plan
    day = version.start_date + timedelta(days=7)
    done(roadmap, "py-setup", "py-style", "py-variables", "py-loops", on=day)
    status = status_on(roadmap, day)
    assert status.status == AHEAD and status.hours_delta > 0
    done_hours = sum(s.hours for s in steps if s.topic_slug != "py-functions")
    assert status.hours_done == done_hours
    assert status.pace_source == "actual"
    assert status.pace_hours_per_week == (done_hours * 7 / 8).quantize(Decimal("0.01"))
    assert status.projected_end_date < version.end_date


def test_skipped_steps_count_as_done_and_a_finished_roadmap_says_so(roadmap, plan):
    version, steps = plan
    day = version.start_date + timedelta(days=2)
    done(roadmap, "py-setup", "py-style", on=day)
    done(roadmap, "py-variables", "py-loops", "py-functions", on=day, state="skipped")
    status = status_on(roadmap, version.end_date + timedelta(days=30))
    assert status.status == FINISHED
    assert status.projected_end_date == day
    assert status.hours_done == status.hours_total


def test_on_track_within_a_quarter_week_of_the_schedule(roadmap, plan):
    version, steps = plan
    first = steps[0]
    done(roadmap, first.topic_slug, on=first.end_date)
    status = status_on(roadmap, first.end_date)
    assert abs(status.hours_delta) <= max(Decimal(1), version.weekly_hours / 4)
    assert status.status == ON_TRACK
