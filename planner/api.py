"""Onboarding and planning over the API, private to their owner (404 to
anyone else, on every verb and nested route).

``/api/v1/profiles/``: the caller's onboarding profiles, created and updated
from the answers the planner accepts (docs/planner.md, "Onboarding
answers"); ``profiles/{id}/questions/`` the clarifying question to answer
now; ``profiles/{id}/answers/`` answers or skips one; ``profiles/{id}/roadmaps/``
enqueues a planning job. ``/api/v1/jobs/{id}/``: the job, polled until done.
docs/api.md ("Onboarding and planning") walks through it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import QuerySet

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from learners.models import Answer, ClarifyingQuestion, CostPreference, LearnerProfile
from learners.selectors import profile_list_for_owner
from taxonomy.enums import AgeRange, Language, Level

from .domain import (
    QuestionKind,
)
from .models import PlanningJob
from .services import (
    answer_record,
    job_enqueue,
    profile_submit,
    profile_update,
    questions_next,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: `fields` names each problem."),
    401: OpenApiResponse(description="No credentials, or wrong ones."),
    404: OpenApiResponse(description="Not one of your profiles."),
}


# -- onboarding answers in ---------------------------------------------------------
#: Longest text a learner may type in one answer. Also keeps number words
#: short enough that the planner never parses one into infinity.
TEXT_MAX = 500
#: Largest number the planner is handed (its own ranges are far narrower).
NUMBER_MAX = 1_000_000


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": TEXT_MAX},
            {"type": "array", "items": {"type": "string", "maxLength": TEXT_MAX}},
        ]
    }
)
class TextOrListField(serializers.Field):
    """Text, or a list of texts (the planner splits text on commas)."""

    max_items = 50

    def to_internal_value(self, data: Any) -> str | list[str]:
        items = data if isinstance(data, list) else [data]
        if len(items) > self.max_items:
            raise serializers.ValidationError(f"At most {self.max_items} items.")
        text = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)
        cleaned = [text.run_validation(item) for item in items]
        return cleaned if isinstance(data, list) else cleaned[0]

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number", "minimum": -NUMBER_MAX, "maximum": NUMBER_MAX},
            {"type": "string", "maxLength": 100},
        ]
    }
)
class NumberOrTextField(serializers.Field):
    """A number, or text holding one with its unit (``"5 hours"``)."""

    def to_internal_value(self, data: Any) -> int | float | str:
        if isinstance(data, bool):
            raise serializers.ValidationError("Must be a number or text.")
        if isinstance(data, int | float):
            if not (math.isfinite(data) and abs(data) <= NUMBER_MAX):
                raise serializers.ValidationError(
                    f"Must be between -{NUMBER_MAX} and {NUMBER_MAX}."
                )
            return data
        return serializers.CharField(max_length=100).run_validation(data)

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {"oneOf": [{"type": "string", "maxLength": 100}, {"type": "boolean"}]}
)
class TextOrBooleanField(serializers.Field):
    """Text (``"free only"``), or true for free only and false for any."""

    def to_internal_value(self, data: Any) -> bool | str:
        if isinstance(data, bool):
            return data
        return serializers.CharField(max_length=100).run_validation(data)

    def to_representation(self, value: Any) -> Any:
        return value


def _text(help_text: str, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=TEXT_MAX, help_text=help_text, allow_null=True, **kwargs
    )


class ProfileInput(serializers.Serializer):
    """The onboarding answers as the learner typed them: the planner maps them
    to the taxonomy (docs/planner.md). Any other key is refused."""

    subject = _text("A subject's slug or name, e.g. `Python`.")
    level = _text("`beginner`, `some experience`, `advanced`...")
    goals = TextOrListField(
        required=False,
        allow_null=True,
        help_text="Free text or a list: a track's slug or name, topic slugs, "
        "or what the learner wants to do. Required unless `track` is given.",
    )
    track = _text("A track's slug or name.", required=False)
    weekly_hours = NumberOrTextField(
        allow_null=True, help_text='0.5 to 80: `6`, `"7.5 hours a week"`.'
    )
    deadline = serializers.DateField(required=False, allow_null=True)
    start_date = serializers.DateField(
        required=False, allow_null=True, help_text="Default: today."
    )
    language = _text(
        "ISO code or name (`es-MX`, `Spanish`); default `en`.", required=False
    )
    age_range = NumberOrTextField(
        required=False,
        allow_null=True,
        help_text="`child`, `teen`, `adult` (the default), or an age.",
    )
    formats_liked = TextOrListField(required=False, allow_null=True)
    formats_disliked = TextOrListField(required=False, allow_null=True)
    cost = TextOrBooleanField(
        required=False, allow_null=True, help_text="`free only` or `any` (default)."
    )
    session_minutes = NumberOrTextField(
        required=False, allow_null=True, help_text="5 to 480; default 45."
    )
    known_topics = TextOrListField(
        required=False, allow_null=True, help_text="Topic slugs or names."
    )
    likes = TextOrListField(
        required=False,
        allow_null=True,
        help_text="Technologies the learner likes or wants to use (topic slugs "
        "or names, e.g. `Go, PostgreSQL`): they decide choice groups.",
    )
    timezone = _text("A time zone name; default `UTC`.", required=False)
    choices = serializers.DictField(
        child=serializers.ListField(
            child=serializers.SlugField(max_length=120), min_length=1, max_length=20
        ),
        required=False,
        allow_null=True,
        allow_empty=True,
        help_text="The learner's picks in choice groups: group slug -> member "
        'topic slugs, e.g. `{"server-language": ["go"]}` (docs/planner.md, '
        '"Choice groups").',
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # Owner, ids, hashes and normalised fields belong to the server: a
        # body naming them is refused, never half obeyed.
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: ["Unknown field: only onboarding answers can be set."]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


def _answers_json(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validated answers as the planner and ``raw_answers`` take them: dates
    as ISO text, nulls (cleared answers) left out."""
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in raw.items()
        if value is not None
    }


# -- out ------------------------------------------------------------------------------
class LearnerProfileSerializer(serializers.ModelSerializer):
    """A profile as the planner understood it, and the answers as typed."""

    subject = serializers.SlugField(source="subject_slug")
    subject_name = serializers.CharField(source="subject.name", default=None)
    level = serializers.ChoiceField(choices=Level.choices)
    track = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    cost = serializers.ChoiceField(
        source="cost_preference", choices=CostPreference.choices
    )
    weekly_hours = serializers.FloatField()
    language = serializers.ChoiceField(choices=Language.choices)
    age_range = serializers.ChoiceField(choices=AgeRange.choices)
    known_topics = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    onboarding_answers = serializers.DictField(
        source="raw_answers",
        help_text="The answers as given: what a PATCH merges into.",
    )

    class Meta:
        model = LearnerProfile
        fields = [
            "id",
            "subject",
            "subject_name",
            "level",
            "track",
            "goal_text",
            "formats_liked",
            "formats_disliked",
            "cost",
            "session_minutes",
            "weekly_hours",
            "deadline",
            "start_date",
            "language",
            "age_range",
            "timezone",
            "known_topics",
            "onboarding_answers",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class QuestionOptionSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class ClarifyingQuestionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(
        source="question_id",
        help_text="Stable (`placement:py-loops`): answer with it.",
    )
    kind = serializers.ChoiceField(choices=[kind.value for kind in QuestionKind])
    options = QuestionOptionSerializer(many=True)

    class Meta:
        model = ClarifyingQuestion
        fields = ["id", "kind", "order", "text", "reason", "options", "asked_at"]
        read_only_fields = fields


class AnswerInput(serializers.Serializer):
    question_id = serializers.CharField(max_length=200)
    value = serializers.CharField(
        max_length=200,
        required=False,
        allow_null=True,
        help_text="One of the question's option values (or its label).",
    )
    skipped = serializers.BooleanField(
        default=False, help_text="Skip: the planner assumes conservatively."
    )
    confidence = serializers.FloatField(
        min_value=0, max_value=1, default=1.0, help_text="How sure, 0 to 1."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data["skipped"] and not (data.get("value") or "").strip():
            raise serializers.ValidationError(
                {"value": ['Give a value, or skip with "skipped": true.']}
            )
        return data


class ClarifyingAnswerSerializer(serializers.ModelSerializer):
    question_id = serializers.CharField(source="question.question_id")
    confidence = serializers.FloatField()

    class Meta:
        model = Answer
        fields = ["question_id", "value", "skipped", "confidence", "answered_at"]
        read_only_fields = fields


class PlanningJobSerializer(serializers.ModelSerializer):
    waiting_for_worker = serializers.BooleanField(source="is_waiting_for_worker")
    version = serializers.IntegerField(
        source="version.number",
        allow_null=True,
        default=None,
        help_text="The roadmap version the job stored, once it succeeded.",
    )
    roadmap_url = serializers.SerializerMethodField(
        help_text="The roadmap, once the job succeeded."
    )

    class Meta:
        model = PlanningJob
        fields = [
            "id",
            "state",
            "stage",
            "percent",
            "timings",
            "error",
            "attempts",
            "waiting_for_worker",
            "profile",
            "regenerates",
            "base_version",
            "roadmap",
            "version",
            "roadmap_url",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_roadmap_url(self, job: PlanningJob) -> str | None:
        if job.roadmap_id is None:
            return None
        return reverse(
            "roadmap-detail",
            kwargs={"pk": job.roadmap_id},
            request=self.context.get("request"),
        )


# -- the viewsets ---------------------------------------------------------------------
PROFILE_UPDATE_RESPONSES = {
    200: LearnerProfileSerializer,
    409: OpenApiResponse(
        description="A job planning from this profile is still running."
    ),
    **ERRORS,
}


@extend_schema_view(
    list=extend_schema(responses={200: LearnerProfileSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(responses={200: LearnerProfileSerializer, **ERRORS}),
)
class LearnerProfileViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's onboarding profiles. Anyone else's answers 404."""

    serializer_class = LearnerProfileSerializer
    lookup_value_regex = "[0-9]+"
    #: Set per action (``roadmaps``: ``planning``); the default throttle
    #: classes apply it (wayfinder/throttles.py).
    throttle_scope: str | None = None

    def get_queryset(self) -> QuerySet[LearnerProfile]:
        return profile_list_for_owner(actor=self.request.user)

    def _answers(self, partial: bool = False) -> dict[str, Any]:
        serializer = ProfileInput(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _profile(self, profile: LearnerProfile, **kwargs: Any) -> Response:
        fresh = self.get_queryset().get(pk=profile.pk)
        return Response(self.get_serializer(fresh).data, **kwargs)

    @extend_schema(
        request=ProfileInput, responses={201: LearnerProfileSerializer, **ERRORS}
    )
    def create(self, request: Request) -> Response:
        """Create a profile from onboarding answers; the planner's objections
        come back as field errors (400)."""
        raw = _answers_json(self._answers())
        profile = profile_submit(owner=request.user, raw=raw)
        return self._profile(profile, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProfileInput, responses=PROFILE_UPDATE_RESPONSES)
    def update(self, request: Request, pk: str) -> Response:
        """Replace the onboarding answers whole. Changed planner inputs reset
        the clarifying questions; existing roadmaps are kept (docs/api.md)."""
        profile = self.get_object()
        raw = _answers_json(self._answers())
        return self._profile(profile_update(profile=profile, raw=raw))

    @extend_schema(request=ProfileInput, responses=PROFILE_UPDATE_RESPONSES)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change some onboarding answers, merged into the stored ones (null
        clears one); then as PUT."""
        profile = self.get_object()
        merged = {**(profile.raw_answers or {}), **self._answers(partial=True)}
        raw = _answers_json(merged)
        return self._profile(profile_update(profile=profile, raw=raw))

    @extend_schema(responses={200: ClarifyingQuestionSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], pagination_class=None)
    def questions(self, request: Request, pk: str) -> Response:
        """The clarifying question to answer now: a list of none or one (each
        depends on the answer before; at most three per profile). Empty: no
        more questions, plan away."""
        pending = questions_next(profile=self.get_object())
        return Response(ClarifyingQuestionSerializer(pending, many=True).data)

    @extend_schema(
        request=AnswerInput, responses={201: ClarifyingAnswerSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def answers(self, request: Request, pk: str) -> Response:
        """Answer (or skip) a question asked for this profile; a later answer
        to the same question replaces the earlier one."""
        profile = self.get_object()
        serializer = AnswerInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answer = answer_record(
            profile=profile,
            question_id=data["question_id"],
            value=data.get("value"),
            confidence=data["confidence"],
            skipped=data["skipped"],
        )
        return Response(
            ClarifyingAnswerSerializer(answer).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        responses={
            202: OpenApiResponse(
                PlanningJobSerializer, description="Queued or running: poll it."
            ),
            200: OpenApiResponse(
                PlanningJobSerializer,
                description="These inputs were planned already: the finished job.",
            ),
            **ERRORS,
            409: OpenApiResponse(description="The catalog cannot be planned from."),
            429: OpenApiResponse(description="Too many planning requests."),
        },
    )
    @action(detail=True, methods=["post"], throttle_scope="planning")
    def roadmaps(self, request: Request, pk: str) -> Response:
        """Plan a roadmap from the profile as it stands (pending questions count
        as skipped). The same inputs give the same job: asking again while it
        runs answers that job."""
        job = job_enqueue(profile=self.get_object(), actor=request.user)
        url = reverse("planningjob-detail", kwargs={"pk": job.pk}, request=request)
        body = PlanningJobSerializer(job, context={"request": request}).data
        code = status.HTTP_200_OK if job.is_finished else status.HTTP_202_ACCEPTED
        return Response(body, status=code, headers={"Location": url})


class PlanningJobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A planning job: state, stage, percent, per-stage timings (ms), the
    error of a failed one, the roadmap and version of a finished one. Only
    its owner sees it (404 to anyone else)."""

    serializer_class = PlanningJobSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[PlanningJob]:
        return PlanningJob.objects.filter(owner_id=self.request.user.pk).select_related(
            "version"
        )
