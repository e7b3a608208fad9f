"""Where the learner stands against the dated schedule: computed from the
steps each time it is asked, never stored (docs/roadmaps.md, "Schedule")."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .models import DONE_STATES, RoadmapStep, RoadmapVersion

ON_TRACK, AHEAD, BEHIND, FINISHED = "on_track", "ahead", "behind", "finished"
#: Before this many days of a schedule the learner's own pace says little:
#: the projection uses the planned pace.
PACE_MIN_DAYS = 7
#: Within this share of a week's hours (and at least ``TOLERANCE_MIN_HOURS``)
#: of the schedule, the learner is on track.
TOLERANCE_WEEK_SHARE = Decimal("0.25")
TOLERANCE_MIN_HOURS = Decimal("1")
HOURS = Decimal("0.01")


@dataclass(frozen=True)
class ScheduleStatus:
    """``status``: on_track, ahead, behind (by ``hours_delta`` hours against
    ``hours_expected``, the hours the schedule plans by the end of today) or
    finished. ``pace_hours_per_week`` is the learner's pace since the start
    (``pace_source`` "actual") or the planned weekly hours ("planned") when it
    is too early to tell; ``projected_end_date`` is when the remaining hours
    end at that pace."""

    status: str
    hours_done: Decimal
    hours_expected: Decimal
    hours_total: Decimal
    hours_delta: Decimal
    pace_hours_per_week: Decimal
    pace_source: str
    planned_end_date: date
    projected_end_date: date

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "hours_done": str(self.hours_done),
            "hours_expected": str(self.hours_expected),
            "hours_total": str(self.hours_total),
            "hours_delta": str(self.hours_delta),
            "pace_hours_per_week": str(self.pace_hours_per_week),
            "pace_source": self.pace_source,
            "planned_end_date": self.planned_end_date.isoformat(),
            "projected_end_date": self.projected_end_date.isoformat(),
        }


def _expected(step: RoadmapStep, today: date) -> Decimal:
    """The hours of ``step`` the schedule plans by the end of ``today``,
    spread evenly over its days."""
    if today < step.start_date:
        return Decimal(0)
    if today >= step.end_date:
        return step.hours
    days = (step.end_date - step.start_date).days + 1
    elapsed = (today - step.start_date).days + 1
    return step.hours * elapsed / days


def _finished_on(steps: Sequence[RoadmapStep], today: date) -> date:
    times = [t for s in steps for t in (s.completed_at, s.skipped_at) if t]
    return max(times).date() if times else today


def schedule_status(
    *, version: RoadmapVersion, steps: Sequence[RoadmapStep], today: date
) -> ScheduleStatus:
    """The learner's standing on ``today`` for a version and its steps."""
    total = sum((s.hours for s in steps), Decimal(0))
    done = sum((s.hours for s in steps if s.state in DONE_STATES), Decimal(0))
    expected = sum((_expected(s, today) for s in steps), Decimal(0))
    weekly = version.weekly_hours
    days = (today - version.start_date).days + 1
    if days >= PACE_MIN_DAYS and done > 0:
        pace, source = done * 7 / days, "actual"
    else:
        pace, source = weekly, "planned"
    remaining = total - done
    if remaining <= 0:
        status, projected = FINISHED, _finished_on(steps, today)
    else:
        tolerance = max(TOLERANCE_MIN_HOURS, weekly * TOLERANCE_WEEK_SHARE)
        delta = done - expected
        status = ON_TRACK if abs(delta) <= tolerance else AHEAD if delta > 0 else BEHIND
        start = max(today, version.start_date - timedelta(days=1))
        projected = start + timedelta(days=math.ceil(remaining * 7 / pace))
    return ScheduleStatus(
        status=status,
        hours_done=done.quantize(HOURS),
        hours_expected=expected.quantize(HOURS),
        hours_total=total.quantize(HOURS),
        hours_delta=(done - expected).quantize(HOURS),
        pace_hours_per_week=Decimal(pace).quantize(HOURS),
        pace_source=source,
        planned_end_date=version.end_date,
        projected_end_date=projected,
    )
