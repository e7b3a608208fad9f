"""Writes of learner data: onboarding profiles and answers to questions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from planner.domain import AgeRange, NormalizedProfile, ProfileErrors, normalize
from planner.matching import goal_matcher_get
from planner.selectors import catalog_graph_get
from taxonomy.models import Subject, Topic, Track

from .models import Answer, ClarifyingQuestion, LearnerProfile


def profile_submit(
    *,
    owner: AbstractBaseUser,
    raw: Mapping[str, object],
    today: date | None = None,
) -> LearnerProfile:
    """Validate onboarding answers and store them as a new profile.

    ``raw`` holds the answers as the learner typed them (docs/planner.md,
    "Onboarding answers"); the planner's normalize stage maps them to the
    taxonomy against the current catalog snapshot. ``today`` (default: the
    local date) decides what "in the past" means. Saves the profile, its known
    topics and ``raw_answers`` in one transaction.

    Raises ``ValidationError`` whose ``message_dict`` maps every bad field to
    its messages, e.g. ``{"weekly_hours": ["Must be between 0.5 and 80 hours a
    week."]}``.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError(
            {"__all__": ["Expected an object of onboarding answers."]}
        )
    today = today or timezone.localdate()
    graph = catalog_graph_get()
    try:
        normalized = normalize(raw, graph, today, matcher=goal_matcher_get())
    except ProfileErrors as exc:
        raise ValidationError({k: list(v) for k, v in exc.errors.items()}) from None
    return _profile_save(owner=owner, normalized=normalized, raw=raw)


@transaction.atomic
def _profile_save(
    *, owner: AbstractBaseUser, normalized: NormalizedProfile, raw: Mapping
) -> LearnerProfile:
    profile = LearnerProfile(
        owner=owner,
        subject=Subject.objects.get(slug=normalized.subject),
        level=normalized.level,
        track=(Track.objects.get(slug=normalized.track) if normalized.track else None),
        goal_text=normalized.goal_text,
        formats_liked=[str(f) for f in normalized.formats_liked],
        formats_disliked=[str(f) for f in normalized.formats_disliked],
        cost_preference=normalized.cost,
        session_minutes=normalized.session_minutes,
        weekly_hours=Decimal(str(normalized.weekly_hours)),
        deadline=normalized.deadline,
        start_date=normalized.start_date,
        language=normalized.language,
        age_range=normalized.age_range or AgeRange.ADULT,
        timezone=normalized.timezone,
        # What the learner typed, made JSON-safe (a form may hand over dates).
        raw_answers=json.loads(json.dumps(dict(raw), cls=DjangoJSONEncoder)),
    )
    profile.full_clean()
    profile.save()
    if normalized.known_topics:
        profile.known_topics.set(Topic.objects.filter(slug__in=normalized.known_topics))
    return profile


@transaction.atomic
def answer_record(
    *,
    profile: LearnerProfile,
    question_id: str,
    value: str | None,
    confidence: float = 1.0,
    skipped: bool = False,
) -> Answer:
    """Record the learner's answer to a question the planner asked.

    ``value`` is one of the question's option values or labels (placement
    questions also take yes/no words, docs/planner.md); None or ``skipped``
    records a skip, which the planner reads as the conservative assumption.
    A later answer to the same question replaces the earlier one for
    planning; both stay in the history.

    Raises ``ValidationError`` (keyed by field) for a question that was not
    asked for this profile, a confidence outside 0-1, or a value that is not
    one of the options.
    """
    question = ClarifyingQuestion.objects.filter(
        profile=profile, question_id=question_id
    ).first()
    if question is None:
        raise ValidationError(
            {"question_id": [f"{question_id!r} was not asked for this profile."]}
        )
    skipped = skipped or value is None or not str(value).strip()
    answer = Answer(
        question=question,
        value="" if skipped else str(value).strip(),
        confidence=Decimal(str(round(float(confidence), 2))),
        skipped=skipped,
    )
    answer.full_clean()
    _answer_check(profile=profile, question=question, answer=answer)
    answer.save()
    return answer


def _answer_check(
    *, profile: LearnerProfile, question: ClarifyingQuestion, answer: Answer
) -> None:
    """Refuse a value the planner would refuse, by replaying the questioning."""
    from planner.services import answers_check

    answers_check(
        profile=profile,
        question_id=question.question_id,
        value=None if answer.skipped else answer.value,
        confidence=float(answer.confidence),
        skipped=answer.skipped,
    )
