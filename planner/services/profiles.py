"""A stored learner profile in the core's terms, its hash, and the questions.

The pure core (``planner.domain``) decides; this module reads a stored profile
into the core's types and stores the questions it asks.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

import structlog

from learners.models import ClarifyingQuestion, LearnerProfile
from learners.selectors import answers_latest

from ..domain import (
    MAX_QUESTIONS,
    Answer,
    AnswerErrors,
    CatalogGraph,
    NormalizedProfile,
    Phraser,
    PipelineResult,
    ProfileErrors,
    apply_phraser,
    assess,
    normalize,
    run_from_profile,
)
from ..matching import goal_matcher_get
from ..selectors import catalog_graph_get

logger = structlog.get_logger(__name__)

#: Defaults of the settings read below (docs/planner.md, "Jobs").
LEASE_SECONDS = 60
MAX_ATTEMPTS = 3
QUEUED_STALE_SECONDS = 300
#: Errors worth a retry: the database went away or timed out. Anything else a
#: stage raises is deterministic and fails the job.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


class LeaseLost(RuntimeError):
    """Another worker holds the job now (this one's lease ran out); stop quietly."""


def _setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


def lease_seconds() -> float:
    return float(_setting("PLANNER_LEASE_SECONDS", LEASE_SECONDS))


def phraser_get() -> Phraser | None:
    """The phraser named by ``PLANNER_PHRASER`` (a dotted path to a factory
    returning a Phraser or None), or None: deterministic wording."""
    path = getattr(settings, "PLANNER_PHRASER", "")
    return import_string(path)() if path else None


# -- a stored profile in the core's terms ---------------------------------------
def profile_domain(
    *, profile: LearnerProfile, graph: CatalogGraph
) -> NormalizedProfile:
    """The core's NormalizedProfile for a stored profile.

    The stored fields are authoritative; what the model does not keep (which
    tracks a goal sentence may mean, the topics it names, whether the track
    was named) is derived again from the stored goals against ``graph``. The
    normalisation is pinned to the profile's start date, so a deadline that
    was valid when submitted stays valid. Raises ProfileErrors when the goal
    no longer matches the catalog.
    """
    raw = profile.raw_answers or {}
    goals, track = raw.get("goals"), raw.get("track")
    if not goals and not track:
        goals = profile.track.slug if profile.track_id else profile.goal_text
    base = normalize(
        {
            "subject": profile.subject.slug,
            "level": profile.level,
            "weekly_hours": float(profile.weekly_hours),
            "goals": goals,
            "track": track,
        },
        graph,
        profile.start_date,
        matcher=goal_matcher_get(),
    )
    # The stored track is authoritative: a goal sentence matched again against
    # a changed catalog or search index must not move a learner's track.
    track = base.track
    if profile.track_id and profile.track.slug in graph.tracks:
        track = profile.track.slug
    known = sorted(t.slug for t in profile.known_topics.all() if t.slug in graph.topics)
    return dataclasses.replace(
        base,
        track=track,
        language=profile.language,
        start_date=profile.start_date,
        formats_liked=tuple(sorted(profile.formats_liked or ())),
        formats_disliked=tuple(sorted(profile.formats_disliked or ())),
        cost=profile.cost_preference,
        session_minutes=profile.session_minutes,
        deadline=profile.deadline,
        age_range=profile.age_range,
        known_topics=tuple(known),
        timezone=profile.timezone,
    )


def answers_domain(*, profile: LearnerProfile) -> dict[str, Answer]:
    """The latest stored answer per question id, as the core's Answers."""
    return {
        qid: Answer(a.value, a.confidence, a.skipped)
        for qid, a in answers_latest(profile=profile).items()
    }


def _canonical(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def profile_hash(profile: NormalizedProfile, answers: Mapping[str, Answer]) -> str:
    """A stable sha256 (hex) of the planner's inputs: the normalized profile
    and the answers. Equal inputs give equal hashes across processes and
    runs (canonical JSON, sorted keys, enums as their values)."""
    payload = {"profile": _canonical(profile), "answers": _canonical(dict(answers))}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def profile_plan(
    *,
    profile: LearnerProfile,
    graph: CatalogGraph | None = None,
    today: date | None = None,
    phraser: Phraser | None = None,
    assume_unanswered: bool = True,
    on_stage: Callable[[str, int], None] | None = None,
) -> PipelineResult:
    """Run the pipeline for a stored profile and its stored answers.

    With ``assume_unanswered`` (what jobs do) a pending question counts as
    skipped, so the result always holds a plan; without it the pending
    question comes back instead. ``today`` (default: the local date) dates
    the freshness scores. Raises ProfileErrors, AnswerErrors,
    PlanValidationError or CatalogGraphError.
    """
    graph = graph or catalog_graph_get()
    if on_stage is not None:
        on_stage("normalize", 0)
    return run_from_profile(
        profile_domain(profile=profile, graph=graph),
        graph,
        today=today or timezone.localdate(),
        answers=answers_domain(profile=profile),
        assume_unanswered=assume_unanswered,
        phraser=phraser,
        on_stage=on_stage,
    )


def answers_check(
    *,
    profile: LearnerProfile,
    question_id: str,
    value: str | None,
    confidence: float = 1.0,
    skipped: bool = False,
) -> None:
    """Raise ValidationError when the planner would refuse this answer
    (a value that is not one of the question's options)."""
    graph = catalog_graph_get()
    answers = answers_domain(profile=profile)
    answers[question_id] = Answer(value, confidence, skipped)
    try:
        assess(profile_domain(profile=profile, graph=graph), graph, answers)
    except (AnswerErrors, ProfileErrors) as exc:
        messages = [m for msgs in exc.errors.values() for m in msgs]
        raise ValidationError({"value": messages}) from None


# -- questions --------------------------------------------------------------------
@transaction.atomic
def questions_next(
    *, profile: LearnerProfile, phraser: Phraser | None = None
) -> list[ClarifyingQuestion]:
    """The question to ask now (a list of none or one), stored in the history.

    Replays the questioning over the stored answers; a question asked for the
    first time is stored with its stable ``question_id``, kind, text, reason,
    options and its order in the profile's history. Never more than
    ``MAX_QUESTIONS`` (3) are stored for a profile, even when answers change
    the path: past the cap this returns ``[]`` and planning assumes the rest
    conservatively. Raises ValidationError for a stored answer the planner
    no longer accepts.
    """
    # Locking the profile serialises concurrent calls: one row per question.
    LearnerProfile.objects.select_for_update().filter(pk=profile.pk).first()
    graph = catalog_graph_get()
    try:
        assessment = assess(
            profile_domain(profile=profile, graph=graph),
            graph,
            answers_domain(profile=profile),
        )
    except (AnswerErrors, ProfileErrors) as exc:
        raise ValidationError({k: list(v) for k, v in exc.errors.items()}) from None
    if not assessment.pending:
        return []
    question = assessment.pending[0]
    asked = {q.question_id: q for q in profile.questions.all()}
    if question.id in asked:
        return [asked[question.id]]
    if len(asked) >= MAX_QUESTIONS:
        return []
    if phraser is not None:
        (question,), _, _ = apply_phraser(phraser, (question,))
    row = ClarifyingQuestion(
        profile=profile,
        question_id=question.id,
        kind=question.kind,
        text=question.text,
        reason=question.reason,
        options=[{"value": o.value, "label": o.label} for o in question.options],
        order=len(asked) + 1,
    )
    row.full_clean(validate_constraints=False)
    row.save()
    return [row]
