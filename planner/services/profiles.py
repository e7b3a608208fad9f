"""Profiles: onboarding answers stored, a stored profile in the core's terms,
its hash, and the questions the planner asks.

The pure core (``planner.domain``) decides; this module stores what a learner
submits and answers, reads a stored profile into the core's types, and stores
the questions the core asks. It is the one place the core's errors become
ApplicationErrors (``core_errors_translated``).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

import structlog

from learners.models import Answer as AnswerRow
from learners.models import ClarifyingQuestion, LearnerProfile
from learners.selectors import answers_latest
from taxonomy.models import Subject, Topic, Track
from wayfinder.errors import Conflict, InvalidInput

from ..domain import (
    MAX_QUESTIONS,
    AgeRange,
    Answer,
    CatalogGraph,
    CatalogGraphError,
    NormalizedProfile,
    Phraser,
    PipelineResult,
    PlanValidationError,
    ProfileErrors,
    apply_phraser,
    assess,
    normalize,
    run_from_profile,
)
from ..domain.choices import picks_kept
from ..domain.normalize import likes_kept
from ..goal_search import goal_matcher_get
from ..models import JobState, PlanningJob
from ..selectors import catalog_graph_get

logger = structlog.get_logger(__name__)

#: Errors worth a retry: the database went away or timed out. Anything else a
#: stage raises is deterministic and fails the job.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


class LeaseLost(RuntimeError):
    """Another worker holds the job now (this one's lease ran out); stop quietly."""


def lease_seconds() -> float:
    return float(settings.PLANNER_LEASE_SECONDS)


def phraser_get() -> Phraser | None:
    """The phraser named by ``PLANNER_PHRASER`` (a dotted path to a factory
    returning a Phraser or None), or None: deterministic wording."""
    path = settings.PLANNER_PHRASER
    return import_string(path)() if path else None


@contextmanager
def core_errors_translated(*, field: str = "") -> Iterator[None]:
    """The core's errors as ApplicationErrors, for every caller at once.

    ProfileErrors (AnswerErrors too) keep their fields, or all go under
    ``field`` when given; a plan that fails validation, or a catalog that
    cannot be planned from, conflicts with the catalog as it is.
    """
    try:
        yield
    except ProfileErrors as exc:
        fields = exc.errors
        if field:
            fields = {field: [m for messages in fields.values() for m in messages]}
        raise InvalidInput(fields=fields) from None
    except PlanValidationError as exc:
        raise Conflict(
            f"The plan failed validation: {exc}", code="plan_invalid"
        ) from exc
    except CatalogGraphError as exc:
        raise Conflict(
            f"The catalog cannot be planned from: {exc}", code="catalog_unplannable"
        ) from exc


def _full_clean(instance: models.Model, **kwargs: bool) -> None:
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        raise InvalidInput.from_validation_error(exc) from None


# -- onboarding: the learner's profile and answers --------------------------------
def profile_submit(
    *,
    owner: AbstractBaseUser,
    raw: Mapping[str, object],
    today: date | None = None,
) -> LearnerProfile:
    """Validate onboarding answers and store them as a new profile.

    ``raw`` holds the answers as the learner typed them (docs/planner.md,
    "Onboarding answers"); the core's normalize stage maps them to the
    taxonomy against the current catalog snapshot. ``today`` (default: the
    local date) decides what "in the past" means. Saves the profile, its known
    topics and ``raw_answers`` in one transaction.

    Raises ``InvalidInput`` whose ``fields`` map every bad field to its
    messages, e.g. ``{"weekly_hours": ["Must be between 0.5 and 80 hours a
    week."]}``.
    """
    _, normalized = _normalized(raw=raw, today=today)
    return _profile_save(owner=owner, normalized=normalized, raw=raw)


def profile_validate(
    *, raw: Mapping[str, object], today: date | None = None
) -> NormalizedProfile:
    """Check onboarding answers as ``profile_submit`` would, storing nothing.

    ``raw`` holds the answers given so far (docs/planner.md, "Onboarding
    answers"); the onboarding wizard calls this after each screen and shows
    the messages of that screen's fields. Returns the normalised profile.
    Raises ``InvalidInput`` whose ``fields`` map every bad (or missing
    required) field to its messages, in the planner's words.
    """
    return _normalized(raw=raw, today=today)[1]


@transaction.atomic
def _normalized(
    *, raw: Mapping[str, object], today: date | None
) -> tuple[CatalogGraph, NormalizedProfile]:
    """Onboarding answers normalised against the current catalog, the core's
    refusals as InvalidInput keyed by field."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("Expected an object of onboarding answers.")
    with core_errors_translated():
        graph = catalog_graph_get()
        matcher = goal_matcher_get()
        today = today or timezone.localdate()
        return graph, normalize(raw, graph, today, matcher=matcher)


def _profile_save(
    *, owner: AbstractBaseUser, normalized: NormalizedProfile, raw: Mapping
) -> LearnerProfile:
    profile = LearnerProfile(owner=owner)
    _profile_fields_set(profile=profile, normalized=normalized, raw=raw)
    profile.save()
    if normalized.known_topics:
        profile.known_topics.set(Topic.objects.filter(slug__in=normalized.known_topics))
    return profile


def profile_update(
    *, profile: LearnerProfile, raw: Mapping[str, object], today: date | None = None
) -> LearnerProfile:
    """Replace a profile's onboarding answers with ``raw`` (a re-submission).

    ``raw`` is the whole set of answers (docs/planner.md), normalised again
    against the current catalog as ``profile_submit`` does; ``today``
    (default: the local date) decides what "in the past" means. When the
    planner's inputs change, the clarifying questions and their answers are
    discarded (they were asked about the old answers) and questioning starts
    over; roadmaps already made keep their versions, and later planning
    (a new roadmap, a regeneration) uses the new answers.

    Raises ``InvalidInput`` keyed by field, like ``profile_submit``; Conflict
    (``planning_running``, the job in ``details``) while a job planning from
    this profile is queued or running, since it reads the profile when it
    runs.
    """
    graph, normalized = _normalized(raw=raw, today=today)
    with transaction.atomic():
        profile = LearnerProfile.objects.select_for_update().get(pk=profile.pk)
        running = (
            PlanningJob.objects.filter(
                profile=profile, state__in=[JobState.QUEUED, JobState.RUNNING]
            )
            .order_by("pk")
            .first()
        )
        if running is not None:
            raise Conflict(
                "A roadmap is being planned from this profile: wait for that job.",
                code="planning_running",
                details={"job": running.pk, "state": running.state},
            )
        before = _inputs_hash(profile=profile, graph=graph)
        _profile_fields_set(profile=profile, normalized=normalized, raw=raw)
        profile.save()
        profile.known_topics.set(Topic.objects.filter(slug__in=normalized.known_topics))
        if _inputs_hash(profile=profile, graph=graph) != before:
            ClarifyingQuestion.objects.filter(profile=profile).delete()
    return profile


def _profile_fields_set(
    *, profile: LearnerProfile, normalized: NormalizedProfile, raw: Mapping
) -> None:
    """Put ``normalized`` and the answers as given on ``profile``, checked."""
    profile.subject = Subject.objects.get(slug=normalized.subject)
    profile.subject_slug = normalized.subject
    profile.level = normalized.level
    profile.track = (
        Track.objects.get(slug=normalized.track) if normalized.track else None
    )
    profile.goal_text = normalized.goal_text
    profile.formats_liked = [str(f) for f in normalized.formats_liked]
    profile.formats_disliked = [str(f) for f in normalized.formats_disliked]
    profile.cost_preference = normalized.cost
    profile.session_minutes = normalized.session_minutes
    profile.weekly_hours = Decimal(str(normalized.weekly_hours))
    profile.deadline = normalized.deadline
    profile.start_date = normalized.start_date
    profile.language = normalized.language
    profile.age_range = normalized.age_range or AgeRange.ADULT
    profile.timezone = normalized.timezone
    # What the learner typed, made JSON-safe (a form may hand over dates);
    # a cleared answer (None) is left out.
    answers = {k: v for k, v in raw.items() if v is not None}
    profile.raw_answers = json.loads(json.dumps(answers, cls=DjangoJSONEncoder))
    _full_clean(profile)


def _inputs_hash(*, profile: LearnerProfile, graph: CatalogGraph) -> str | None:
    """The planner's view of the stored profile, hashed; None when it no
    longer fits the catalog (then any new answers count as a change)."""
    try:
        return profile_hash(profile_domain(profile=profile, graph=graph), {})
    except ProfileErrors:
        return None


@transaction.atomic
def answer_record(
    *,
    profile: LearnerProfile,
    question_id: str,
    value: str | None,
    confidence: float = 1.0,
    skipped: bool = False,
) -> AnswerRow:
    """Record the learner's answer to a question the planner asked.

    ``value`` is one of the question's option values or labels (placement
    questions also take yes/no words, docs/planner.md); None or ``skipped``
    records a skip, which the planner reads as the conservative assumption.
    A later answer to the same question replaces the earlier one for
    planning; both stay in the history.

    Raises ``InvalidInput`` (keyed by field) for a question that was not
    asked for this profile, a confidence outside 0-1, or a value that is not
    one of the options.
    """
    question = ClarifyingQuestion.objects.filter(
        profile=profile, question_id=question_id
    ).first()
    if question is None:
        raise InvalidInput(
            fields={"question_id": [f"{question_id!r} was not asked for this profile."]}
        )
    skipped = skipped or value is None or not str(value).strip()
    answer = AnswerRow(
        question=question,
        value="" if skipped else str(value).strip(),
        confidence=Decimal(str(round(float(confidence), 2))),
        skipped=skipped,
    )
    _full_clean(answer)
    answers_check(
        profile=profile,
        question_id=question.question_id,
        value=None if answer.skipped else answer.value,
        confidence=float(answer.confidence),
        skipped=answer.skipped,
    )
    answer.save()
    return answer


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
            # The slug kept with the profile: a deleted subject then reads as
            # unknown (a clear ProfileErrors), never as an AttributeError.
            "subject": profile.subject_slug,
            "level": profile.level,
            "weekly_hours": float(profile.weekly_hours),
            "goals": goals,
            "track": track,
            # Goals are read in the learner's language too (intents, labels).
            "language": profile.language,
            # The learner's picks in choice groups; ones the catalog no longer
            # has are dropped rather than refused.
            "choices": picks_kept(raw.get("choices"), graph),
            # Liked technologies steer choice groups; ones the catalog lost
            # are dropped the same way.
            "likes": likes_kept(raw.get("likes"), profile.subject_slug, graph),
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
    canonical = _canonical(profile)
    if isinstance(canonical, dict) and not profile.liked_topics:
        # Added later: a profile without likes keeps the hash it always had.
        canonical.pop("liked_topics", None)
    payload = {"profile": canonical, "answers": _canonical(dict(answers))}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Replan:
    """What a regeneration adds to the learner's profile: topics done on the
    roadmap (completed or skipped: planned as known, so not scheduled again),
    topics the learner keeps (pinned or noted: planned as goals, with their
    prerequisites), and the day the new schedule starts."""

    done: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    start_date: date | None = None

    def applied(
        self, profile: NormalizedProfile, graph: CatalogGraph
    ) -> NormalizedProfile:
        """``profile`` with these additions; topics the catalog no longer has
        in the profile's subject are left out (the store keeps their steps)."""
        ours = set(graph.topics_by_subject.get(profile.subject, ()))
        done = [t for t in self.done if t in ours]
        keep = [t for t in self.keep if t in ours and t not in done]
        start = max(profile.start_date, self.start_date or profile.start_date)
        return dataclasses.replace(
            profile,
            known_topics=tuple(dict.fromkeys((*profile.known_topics, *done))),
            goal_topics=tuple(dict.fromkeys((*profile.goal_topics, *keep))),
            start_date=start,
        )


def profile_plan(
    *,
    profile: LearnerProfile,
    graph: CatalogGraph | None = None,
    today: date | None = None,
    phraser: Phraser | None = None,
    assume_unanswered: bool = True,
    on_stage: Callable[[str, int], None] | None = None,
    replan: Replan | None = None,
) -> PipelineResult:
    """Run the pipeline for a stored profile and its stored answers.

    With ``assume_unanswered`` (what jobs do) a pending question counts as
    skipped, so the result always holds a plan; without it the pending
    question comes back instead. ``today`` (default: the local date) dates
    the freshness scores. Raises the core's own errors (ProfileErrors,
    AnswerErrors, PlanValidationError, CatalogGraphError), which planning
    jobs record as they are; ``plans`` translates them for other callers.
    ``replan`` adds a regeneration's done and kept topics and its start day.
    """
    graph = graph or catalog_graph_get()
    if on_stage is not None:
        on_stage("normalize", 0)
    domain = profile_domain(profile=profile, graph=graph)
    if replan is not None:
        domain = replan.applied(domain, graph)
    return run_from_profile(
        domain,
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
    """Raise InvalidInput (on ``value``) when the planner would refuse this
    answer (a value that is not one of the question's options), by replaying
    the questioning with it."""
    answers = answers_domain(profile=profile)
    answers[question_id] = Answer(value, confidence, skipped)
    with core_errors_translated(field="value"):
        graph = catalog_graph_get()
        assess(profile_domain(profile=profile, graph=graph), graph, answers)


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
    conservatively. Raises InvalidInput for a stored answer the planner no
    longer accepts.
    """
    # Locking the profile serialises concurrent calls: one row per question.
    LearnerProfile.objects.select_for_update().filter(pk=profile.pk).first()
    with core_errors_translated():
        graph = catalog_graph_get()
        assessment = assess(
            profile_domain(profile=profile, graph=graph),
            graph,
            answers_domain(profile=profile),
        )
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
    _full_clean(row, validate_constraints=False)
    row.save()
    return [row]
