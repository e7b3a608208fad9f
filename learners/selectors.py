"""Reads of learner data, scoped to the learner who owns it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import ClarifyingQuestion, LearnerProfile


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The latest answer to a question, as the planner reads it."""

    value: str | None
    confidence: float
    skipped: bool


def profile_get_for_planning(*, profile_id: int) -> LearnerProfile:
    """A profile with what the planner reads: subject, track and known topics."""
    return (
        LearnerProfile.objects.select_related("subject", "track")
        .prefetch_related("known_topics")
        .get(pk=profile_id)
    )


def profile_list_for_owner(
    *, actor: AbstractBaseUser | AnonymousUser
) -> QuerySet[LearnerProfile]:
    """The actor's own profiles, newest first, with what the API shows of
    each (subject, track, known topics) in a constant number of queries.

    Nobody else's, whatever their role: onboarding answers are private to the
    learner who gave them.
    """
    return (
        LearnerProfile.objects.filter(owner_id=actor.pk)
        .select_related("subject", "track")
        .prefetch_related("known_topics")
        .order_by("-created_at", "-pk")
    )


def answers_latest(*, profile: LearnerProfile) -> dict[str, StoredAnswer]:
    """The latest answer per question id of a profile, in one query.

    A skipped answer has ``value`` None. Questions never answered are absent.
    """
    rows = (
        ClarifyingQuestion.objects.filter(profile=profile, answers__isnull=False)
        .order_by("answers__answered_at", "answers__pk")
        .values_list(
            "question_id", "answers__value", "answers__confidence", "answers__skipped"
        )
    )
    latest: dict[str, StoredAnswer] = {}
    for question_id, value, confidence, skipped in rows:
        latest[question_id] = StoredAnswer(
            None if skipped else value, float(confidence), bool(skipped)
        )
    return dict(sorted(latest.items()))
