"""The stages in order: normalize, uncertainty, plan, rank, validate (, wording).

The pipeline only sequences the pure stages and times them; it does no I/O.
``clock`` measures the stages (wall-clock timings are reported beside the
result, never inside it) and ``on_stage`` lets a job record its progress.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from datetime import date

from .normalize import GoalMatcher, normalize
from .planning import plan as make_plan
from .ranking import TOP_N, rank
from .types import (
    Answer,
    CatalogGraph,
    NormalizedProfile,
    PipelineResult,
    StageTiming,
)
from .uncertainty import assess, parse_answers
from .validation import validate
from .wording import Phraser, apply_phraser

#: Stage name -> percent done when the stage starts (for progress bars).
STAGES: Mapping[str, int] = {
    "normalize": 0,
    "uncertainty": 10,
    "plan": 20,
    "rank": 50,
    "validate": 80,
    "wording": 90,
}


class _Timer:
    def __init__(
        self,
        clock: Callable[[], float],
        on_stage: Callable[[str, int], None] | None,
    ) -> None:
        self.clock, self.on_stage = clock, on_stage
        self.timings: list[StageTiming] = []

    def run(self, stage: str, fn: Callable, *args: object, **kwargs: object):
        if self.on_stage is not None:
            self.on_stage(stage, STAGES[stage])
        started = self.clock()
        try:
            return fn(*args, **kwargs)
        finally:
            self.timings.append(StageTiming(stage, (self.clock() - started) * 1000))


def _answers(answers: Mapping[str, object] | None) -> dict[str, Answer]:
    if not answers:
        return {}
    if all(isinstance(a, Answer) for a in answers.values()):
        return dict(answers)
    return parse_answers(answers)


def run_pipeline(
    raw: Mapping[str, object],
    graph: CatalogGraph,
    *,
    today: date,
    answers: Mapping[str, object] | None = None,
    matcher: GoalMatcher | None = None,
    assume_unanswered: bool = False,
    top_n: int = TOP_N,
    phraser: Phraser | None = None,
    clock: Callable[[], float] = time.perf_counter,
    on_stage: Callable[[str, int], None] | None = None,
) -> PipelineResult:
    """Onboarding answers to questions or a validated plan.

    ``raw`` is the onboarding answers (docs/planner.md), ``answers`` maps
    question ids to Answers (or to answers-file values). Raises
    ProfileErrors, AnswerErrors or PlanValidationError.
    """
    timer = _Timer(clock, on_stage)
    profile = timer.run("normalize", normalize, raw, graph, today, matcher=matcher)
    return _rest(
        profile, graph, timer, today, answers, assume_unanswered, top_n, phraser
    )


def run_from_profile(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    *,
    today: date,
    answers: Mapping[str, object] | None = None,
    assume_unanswered: bool = False,
    top_n: int = TOP_N,
    phraser: Phraser | None = None,
    clock: Callable[[], float] = time.perf_counter,
    on_stage: Callable[[str, int], None] | None = None,
) -> PipelineResult:
    """The same from an already normalized profile (a stored LearnerProfile)."""
    timer = _Timer(clock, on_stage)
    return _rest(
        profile, graph, timer, today, answers, assume_unanswered, top_n, phraser
    )


def _rest(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    timer: _Timer,
    today: date,
    answers: Mapping[str, object] | None,
    assume_unanswered: bool,
    top_n: int,
    phraser: Phraser | None,
) -> PipelineResult:
    assessment = timer.run(
        "uncertainty",
        assess,
        profile,
        graph,
        _answers(answers),
        assume_unanswered=assume_unanswered,
    )
    plan, repairs = None, ()
    if not assessment.pending:
        draft = timer.run("plan", make_plan, assessment, graph)
        ranked = timer.run(
            "rank",
            rank,
            draft,
            assessment.profile,
            graph,
            today=today,
            top_n=top_n,
            owned=True,
        )
        plan, repairs = timer.run(
            "validate", validate, ranked, graph, assessment, fresh=True
        )
    if phraser is not None:
        questions, plan, _ = timer.run(
            "wording", apply_phraser, phraser, assessment.pending, plan
        )
        assessment = dataclasses.replace(assessment, pending=questions)
    return PipelineResult(
        profile=profile,
        assessment=assessment,
        plan=plan,
        repairs=repairs,
        timings=tuple(timer.timings),
    )
