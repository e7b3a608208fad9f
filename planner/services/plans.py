"""Planning without a job, for operators (``manage.py plan_roadmap``): a plan
previewed from onboarding answers, or a profile stored and planned at once.

Raises ApplicationErrors only: InvalidInput for bad answers (keyed by field,
or by question id), Conflict for a catalog the planner cannot plan from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from learners.models import LearnerProfile
from roadmaps.models import Roadmap
from roadmaps.services import roadmap_create_from_plan
from wayfinder.errors import InvalidInput

from ..domain import MAX_QUESTIONS, Answer, PipelineResult, parse_answers, run_pipeline
from ..goal_search import goal_matcher_get
from ..selectors import catalog_graph_get
from .jobs import models_used
from .profiles import (
    answer_record,
    answers_domain,
    core_errors_translated,
    profile_hash,
    profile_plan,
    profile_submit,
    questions_next,
)


@dataclass(frozen=True)
class StoredPlan:
    """What ``profile_plan_store`` stored: always a profile; a roadmap once
    no question is pending (``result.questions`` holds the pending one)."""

    profile: LearnerProfile
    result: PipelineResult
    roadmap: Roadmap | None


def plan_preview(
    *, raw: Mapping[str, object], answers: Mapping[str, object], today: date
) -> PipelineResult:
    """The pipeline over onboarding answers and an answers file, storing
    nothing: the pending questions, or the plan. ``today`` is the day
    deadlines are checked against."""
    with core_errors_translated():
        return run_pipeline(
            raw,
            catalog_graph_get(),
            today=today,
            answers=answers,
            matcher=goal_matcher_get(),
        )


@transaction.atomic
def profile_plan_store(
    *,
    owner: AbstractBaseUser,
    raw: Mapping[str, object],
    answers: Mapping[str, object],
    today: date,
) -> StoredPlan:
    """Store what a learner would, all or nothing: the profile, the answers
    (as in an answers file) to the questions the planner asks in turn, and
    the roadmap once no question is pending. An answer the planner refuses
    is an InvalidInput keyed by its question id."""
    with core_errors_translated():
        parsed = parse_answers(answers)
    profile = profile_submit(owner=owner, raw=raw, today=today)
    _answers_apply(profile=profile, parsed=parsed)
    graph = catalog_graph_get()
    with core_errors_translated():
        result = profile_plan(
            profile=profile, graph=graph, today=today, assume_unanswered=False
        )
    roadmap = None
    if result.plan is not None:
        roadmap = roadmap_create_from_plan(
            profile=profile,
            plan=result.plan,
            graph=graph,
            input_profile_hash=profile_hash(
                result.profile, answers_domain(profile=profile)
            ),
            repairs=result.repairs,
            llm=models_used(None, result),
        )
    return StoredPlan(profile=profile, result=result, roadmap=roadmap)


def _answers_apply(*, profile: LearnerProfile, parsed: Mapping[str, Answer]) -> None:
    """Record the parsed answer to each question the planner asks in turn."""
    for _ in range(MAX_QUESTIONS):
        pending = questions_next(profile=profile)
        if not pending or pending[0].question_id not in parsed:
            return
        question_id = pending[0].question_id
        answer = parsed[question_id]
        try:
            answer_record(
                profile=profile,
                question_id=question_id,
                value=answer.value,
                confidence=answer.confidence,
                skipped=answer.skipped,
            )
        except InvalidInput as exc:
            # The file names answers by question id, so the error does too.
            messages = [m for ms in exc.fields.values() for m in ms] or [exc.message]
            raise InvalidInput(fields={question_id: messages}) from None
