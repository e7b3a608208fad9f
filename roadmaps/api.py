"""Roadmaps over the API: their owner's, and read-only for the partners they
are shared with (404 to anyone else).

``/api/v1/roadmaps/``: the caller's roadmaps and those shared with it; each
one's steps with states, resources and the schedule status; progress actions
on steps; pins, notes, mastery marks and resource votes; versions with their
diffs; regeneration (a planning job), the JSON export and the shares.
docs/roadmaps.md describes the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from planner.services import roadmap_regenerate
from wayfinder.errors import NotFound
from wayfinder.serializing import PlainFieldsMixin

from .export import public_model_versions
from .models import (
    NOTES_MAX_LENGTH,
    SHORT_NOTE_MAX_LENGTH,
    ResourceFeedback,
    Roadmap,
    RoadmapStep,
    RoadmapVersion,
    StepResource,
)
from .schedule import schedule_status
from .selectors import (
    SHARE_PERMISSIONS,
    ProgressRead,
    roadmap_list_for_reader,
    steps_read,
    version_cache_key,
    version_progress_read,
    version_steps,
    version_steps_read,
    with_catalog_version,
)
from .services import (
    StepChange,
    blocked_by,
    resource_feedback_set,
    step_complete,
    step_mastery_set,
    step_resource_pin,
    step_skip,
    step_start,
    step_undo,
    step_update,
)
from .services.export import roadmap_export
from .services.sharing import (
    roadmap_share_grant,
    roadmap_share_revoke,
    roadmap_shares_get,
)

STEP = r"steps/(?P<step_id>[0-9]+)"
RESOURCE = STEP + r"/resources/(?P<resource_id>[0-9]+)"
PRIVATE = "null unless you own the roadmap: the learner's private text."

#: Actions that read: open to the owner and to partners it is shared with.
#: Every other action changes the roadmap or its shares: owner only.
READ_ACTIONS = frozenset({"list", "retrieve", "versions", "version", "diff", "export"})
#: Throttle scopes by action (rates: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]).
THROTTLE_SCOPES = {"regenerate": "regenerate", "export": "export"}


MASTERY = inline_serializer(
    "Mastery",
    {
        "kind": serializers.CharField(),
        "description": serializers.CharField(),
        "passed": serializers.BooleanField(),
        "passed_at": serializers.DateTimeField(allow_null=True),
        "note": serializers.CharField(allow_null=True, help_text=PRIVATE),
    },
)


# -- output ---------------------------------------------------------------------------
class StepResourceSerializer(PlainFieldsMixin, serializers.ModelSerializer):
    rank = serializers.IntegerField(source="position")
    resource = serializers.SlugField(source="resource_slug")
    provider = serializers.SerializerMethodField()
    format = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()
    my_vote = serializers.SerializerMethodField(
        help_text="Your vote: true (helpful), false (not helpful) or null."
    )

    class Meta:
        model = StepResource
        fields = [
            "id",
            "rank",
            "resource",
            "title",
            "url",
            "provider",
            "format",
            "language",
            "score",
            "language_fallback",
            "pinned",
            "my_vote",
        ]

    def get_provider(self, row: StepResource) -> str | None:
        return row.resource.provider.name if row.resource else None

    def get_format(self, row: StepResource) -> str | None:
        return row.resource.format if row.resource else None

    def get_language(self, row: StepResource) -> str | None:
        return row.resource.language if row.resource else None

    def get_my_vote(self, row: StepResource) -> bool | None:
        return self.context.get("votes", {}).get(row.resource_id)


class StepSerializer(PlainFieldsMixin, serializers.ModelSerializer):
    topic = serializers.SlugField(source="topic_slug")
    requires = serializers.SerializerMethodField(help_text="Step ids required first.")
    recommends = serializers.SerializerMethodField(
        help_text="Step ids recommended first."
    )
    blocked_by = serializers.SerializerMethodField(
        help_text="Required steps not completed or skipped yet: while any, the "
        "step cannot be started or completed."
    )
    notes = serializers.SerializerMethodField(help_text=PRIVATE)
    mastery = serializers.SerializerMethodField()
    resources = StepResourceSerializer(many=True)

    class Meta:
        model = RoadmapStep
        fields = [
            "id",
            "position",
            "topic",
            "title",
            "summary",
            "objectives",
            "hours",
            "start_date",
            "end_date",
            "first_week",
            "last_week",
            "recommended",
            "carried",
            "no_resource",
            "no_resource_reason",
            "fits_deadline",
            "chosen_from",
            "choice_reason",
            "choice_note",
            "requires",
            "recommends",
            "state",
            "blocked_by",
            "pinned",
            "notes",
            "started_at",
            "completed_at",
            "skipped_at",
            "mastery",
            "resources",
        ]

    def _ids(self, slugs: Sequence[str]) -> list[int]:
        ids = self.context["step_ids"]
        return [ids[s] for s in slugs if s in ids]

    def get_requires(self, step: RoadmapStep) -> list[int]:
        return self._ids(step.requires)

    def get_recommends(self, step: RoadmapStep) -> list[int]:
        return self._ids(step.recommends)

    def get_blocked_by(self, step: RoadmapStep) -> list[int]:
        return self._ids(blocked_by(step, self.context["states"]))

    def _private(self, text: str) -> str | None:
        # A partner reads the plan and the progress, not the learner's notes
        # (docs/roadmaps.md, "Sharing").
        return text if self.context.get("owner", False) else None

    def get_notes(self, step: RoadmapStep) -> str | None:
        return self._private(step.notes)

    @extend_schema_field(MASTERY)
    def get_mastery(self, step: RoadmapStep) -> dict[str, Any]:
        return {
            "kind": step.mastery_kind,
            "description": step.mastery_description,
            "passed": step.mastery_passed_at is not None,
            "passed_at": step.mastery_passed_at,
            "note": self._private(step.mastery_note),
        }


# -- the plan part of a version's steps, cached -----------------------------------------
#: What a step's output holds that changes once the version is stored
#: (progress, pins, notes, the mastery mark) or depends on the reader, with
#: the step's id: serialized on every request. The rest of a step's output
#: is the version's plan, the same for every reader until the catalog
#: changes: serialized once and cached (:func:`plan_part_get`).
STEP_PROGRESS_OUTPUT = [
    "id",
    "state",
    "blocked_by",
    "pinned",
    "notes",
    "started_at",
    "completed_at",
    "skipped_at",
    "mastery",
]
#: Moved when the step output changes shape, so no entry of the old shape is read.
PLAN_CACHE_FORMAT = 1
PLAN_CACHE_SECONDS = 24 * 60 * 60


class StepProgressSerializer(StepSerializer):
    """The changing part of a step's output, from a step read with only
    ``roadmaps.selectors.STEP_PROGRESS_FIELDS``."""

    class Meta(StepSerializer.Meta):
        fields = STEP_PROGRESS_OUTPUT


@dataclass(frozen=True)
class PlanPart:
    """A version's steps as :class:`StepSerializer` outputs them, in order,
    with the fields of :data:`STEP_PROGRESS_OUTPUT` and each resource's
    ``pinned`` and ``my_vote`` left null; and the catalog resource id of each
    step resource (by its id), for the reader's votes."""

    steps: list[dict[str, Any]]
    resource_of: dict[int, int | None]


def _plan_part_build(version: RoadmapVersion) -> PlanPart:
    read = steps_read(version_steps(version=version), {})
    context = {"step_ids": read.step_ids, "states": read.states, "votes": {}}
    blank = dict.fromkeys(STEP_PROGRESS_OUTPUT[1:])
    steps = []
    for data in StepSerializer(read.steps, many=True, context=context).data:
        step = {**data, **blank}
        step["resources"] = [
            {**row, "pinned": None, "my_vote": None} for row in data["resources"]
        ]
        steps.append(step)
    resource_of = {r.pk: r.resource_id for s in read.steps for r in s.resources.all()}
    return PlanPart(steps=steps, resource_of=resource_of)


def plan_part_get(
    version: RoadmapVersion, *, catalog_version: int, rebuild: bool = False
) -> PlanPart:
    """``version``'s plan part as the catalog at ``catalog_version`` shows
    it: from the cache (no query), or built (two queries) and cached."""
    key = version_cache_key(
        version=version,
        catalog_version=catalog_version,
        prefix=f"roadmap-plan-{PLAN_CACHE_FORMAT}",
    )
    part = None if rebuild else cache.get(key)
    if part is None:
        part = _plan_part_build(version)
        cache.set(key, part, PLAN_CACHE_SECONDS)
    return part


def steps_output(
    part: PlanPart, progress: ProgressRead, context: dict[str, Any]
) -> list[dict[str, Any]] | None:
    """The steps' output: the plan part with the progress merged in, key for
    key as :class:`StepSerializer` would say it. None when the two do not
    hold the same steps (a stale entry: build the plan part again)."""
    changing = {
        step["id"]: step
        for step in StepProgressSerializer(
            progress.read.steps, many=True, context=context
        ).data
    }
    if len(changing) != len(part.steps) or any(
        s["id"] not in changing for s in part.steps
    ):
        return None
    pinned, votes, resource_of = (
        progress.pinned_resources,
        progress.read.votes,
        part.resource_of,
    )
    output = []
    for planned in part.steps:
        step = {**planned, **changing[planned["id"]]}
        step["resources"] = [
            {
                **row,
                "pinned": row["id"] in pinned,
                "my_vote": votes.get(resource_of[row["id"]]),
            }
            for row in planned["resources"]
        ]
        output.append(step)
    return output


class VersionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = RoadmapVersion
        fields = [
            "number",
            "current",
            "created_at",
            "changed_at",
            "catalog_version",
            "planner_version",
            "input_profile_hash",
            "model_versions",
            "start_date",
            "end_date",
            "weekly_hours",
            "total_hours",
            "feasible",
            "shortfall",
            "notices",
        ]

    def get_current(self, version: RoadmapVersion) -> bool:
        return version.pk == self.context.get("current_id")


SCHEDULE = inline_serializer(
    "ScheduleStatus",
    {
        "status": serializers.ChoiceField(
            choices=["on_track", "ahead", "behind", "finished"]
        ),
        "hours_done": serializers.DecimalField(max_digits=8, decimal_places=2),
        "hours_expected": serializers.DecimalField(max_digits=8, decimal_places=2),
        "hours_total": serializers.DecimalField(max_digits=8, decimal_places=2),
        "hours_delta": serializers.DecimalField(max_digits=8, decimal_places=2),
        "pace_hours_per_week": serializers.DecimalField(max_digits=8, decimal_places=2),
        "pace_source": serializers.ChoiceField(choices=["actual", "planned"]),
        "planned_end_date": serializers.DateField(),
        "projected_end_date": serializers.DateField(),
    },
)


class RoadmapSerializer(serializers.ModelSerializer):
    """A roadmap in a listing: its current version's summary."""

    subject = serializers.SlugField(source="subject_slug")
    version = serializers.IntegerField(source="current.number")
    start_date = serializers.DateField(source="current.start_date")
    end_date = serializers.DateField(source="current.end_date")
    total_hours = serializers.DecimalField(
        source="current.total_hours", max_digits=8, decimal_places=2
    )
    feasible = serializers.BooleanField(source="current.feasible")

    class Meta:
        model = Roadmap
        fields = [
            "id",
            "title",
            "subject",
            "subject_name",
            "version",
            "start_date",
            "end_date",
            "total_hours",
            "feasible",
            "created_at",
        ]


class RoadmapDetailSerializer(RoadmapSerializer):
    """A roadmap with its current version, schedule status, next step and
    steps (context: ``current_id``, ``schedule``, ``next_step`` and
    ``steps_output``, the steps already serialized by :func:`steps_output`)."""

    current_version = serializers.SerializerMethodField()
    schedule = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField(
        help_text="The first step to work on (started, or startable); null when "
        "every step is done."
    )
    steps = serializers.SerializerMethodField()

    class Meta(RoadmapSerializer.Meta):
        fields = [
            *RoadmapSerializer.Meta.fields,
            "current_version",
            "schedule",
            "next_step",
            "steps",
        ]

    @extend_schema_field(VersionSerializer)
    def get_current_version(self, roadmap: Roadmap) -> dict:
        return VersionSerializer(roadmap.current, context=self.context).data

    @extend_schema_field(SCHEDULE)
    def get_schedule(self, roadmap: Roadmap) -> dict:
        return self.context["schedule"]

    def get_next_step(self, roadmap: Roadmap) -> int | None:
        return self.context["next_step"]

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, roadmap: Roadmap) -> list:
        return self.context["steps_output"]


class VersionDetailSerializer(VersionSerializer):
    steps = serializers.SerializerMethodField()

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "steps"]

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, version: RoadmapVersion) -> list:
        return StepSerializer(
            self.context["steps"], many=True, context=self.context
        ).data


class StepChangeSerializer(serializers.Serializer):
    step = serializers.SerializerMethodField()
    changed = serializers.BooleanField()
    warnings = serializers.ListField(child=serializers.CharField())
    relocked = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Undo: dependent steps not started that are blocked again.",
    )
    dependents_kept = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Undo: dependent steps already started or done, left as they are.",
    )
    next_step = serializers.SerializerMethodField()

    @extend_schema_field(StepSerializer)
    def get_step(self, change: StepChange) -> dict:
        return StepSerializer(change.step, context=self.context).data

    def get_next_step(self, change: StepChange) -> int | None:
        return self.context["next_step"]


EXPORT = inline_serializer(
    "ExportTicket",
    {
        "id": serializers.IntegerField(),
        "download_url": serializers.URLField(
            help_text="Signed, short-lived; never public. Fetch it soon."
        ),
        "expires_at": serializers.DateTimeField(),
        "sha256": serializers.CharField(),
        "size": serializers.IntegerField(),
        "schema_version": serializers.CharField(),
        "generated_at": serializers.DateTimeField(),
        "model_versions": serializers.DictField(),
        "input_profile_hash": serializers.CharField(),
    },
)

JOB = inline_serializer(
    "RegenerationJob",
    {
        "id": serializers.IntegerField(),
        "state": serializers.CharField(),
        "regenerates": serializers.IntegerField(),
        "base_version": serializers.IntegerField(),
        "url": serializers.URLField(),
    },
)


class ShareSerializer(serializers.Serializer):
    partner_id = serializers.IntegerField()
    partner = serializers.CharField(help_text="The partner's username.")
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SHARE_PERMISSIONS)),
        help_text="What the partner may do with the roadmap: read it, export it.",
    )


# -- input ----------------------------------------------------------------------------
class ShareInput(serializers.Serializer):
    partner = serializers.CharField(
        max_length=150, help_text="The username of a partner account."
    )


class StepUpdateInput(serializers.Serializer):
    pinned = serializers.BooleanField(required=False)
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=NOTES_MAX_LENGTH,
        help_text=f"Plain text, at most {NOTES_MAX_LENGTH} characters.",
    )


class MasteryInput(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=SHORT_NOTE_MAX_LENGTH, default=""
    )


class ResourcePinInput(serializers.Serializer):
    pinned = serializers.BooleanField()


class FeedbackInput(serializers.Serializer):
    helpful = serializers.BooleanField(
        allow_null=True, help_text="true, false, or null to withdraw your vote."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=SHORT_NOTE_MAX_LENGTH, default=""
    )


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# -- the viewset ----------------------------------------------------------------------
class RoadmapViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's roadmaps and those shared with it (a partner). A shared
    roadmap is read-only to the partner (403 on anything that changes it);
    any other roadmap answers 404."""

    serializer_class = RoadmapSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Roadmap]:
        return roadmap_list_for_reader(actor=self.request.user)

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        # No action: a method the route lacks, 405 to everyone alike.
        if (
            self.action in READ_ACTIONS
            or self.action is None
            or "pk" not in self.kwargs
        ):
            return
        # The services refuse anyone but the owner with 404; a partner who
        # can read the roadmap is told it may not change it instead.
        owner_id = (
            self.get_queryset()
            .filter(pk=self.kwargs["pk"])
            .values_list("owner_id", flat=True)
            .first()
        )
        if owner_id is not None and owner_id != request.user.pk:
            raise PermissionDenied("A roadmap shared with you is read-only.")

    def get_throttles(self) -> list:
        self.throttle_scope = THROTTLE_SCOPES.get(self.action)
        return super().get_throttles()

    def _roadmap(self, queryset: QuerySet[Roadmap] | None = None) -> Roadmap:
        queryset = self.get_queryset() if queryset is None else queryset
        roadmap = queryset.filter(pk=self.kwargs["pk"]).first()
        if roadmap is None or roadmap.current is None:
            raise NotFound("No such roadmap.")
        return roadmap

    def _steps_context(self, version: RoadmapVersion) -> dict[str, Any]:
        read = version_steps_read(version=version, actor=self.request.user)
        return {
            "steps": read.steps,
            "step_ids": read.step_ids,
            "states": read.states,
            "votes": read.votes,
            "next_step": read.next_step.pk if read.next_step else None,
            "current_id": version.roadmap.current_id,
            "owner": version.roadmap.owner_id == self.request.user.pk,
        }

    @extend_schema(responses=RoadmapDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        roadmap = self._roadmap(with_catalog_version(self.get_queryset()))
        version, catalog_version = roadmap.current, roadmap.catalog_version_now
        part = plan_part_get(version, catalog_version=catalog_version)
        progress = version_progress_read(version=version, actor=request.user)
        read = progress.read
        context = {
            "step_ids": read.step_ids,
            "states": read.states,
            "owner": roadmap.owner_id == request.user.pk,
            "current_id": roadmap.current_id,
            "next_step": read.next_step.pk if read.next_step else None,
            "schedule": schedule_status(
                version=version, steps=read.steps, today=timezone.localdate()
            ).as_dict(),
        }
        output = steps_output(part, progress, context)
        if output is None:
            part = plan_part_get(version, catalog_version=catalog_version, rebuild=True)
            output = steps_output(part, progress, context)
        context["steps_output"] = output
        return Response(RoadmapDetailSerializer(roadmap, context=context).data)

    def _change(self, change: StepChange) -> Response:
        roadmap = self._roadmap()
        context = self._steps_context(roadmap.current)
        return Response(StepChangeSerializer(change, context=context).data)

    def _act(self, service, step_id: str) -> Response:
        change = service(
            roadmap_id=int(self.kwargs["pk"]),
            step_id=int(step_id),
            actor=self.request.user,
        )
        return self._change(change)

    @extend_schema(request=None, responses=StepChangeSerializer)
    @action(detail=True, methods=["post"], url_path=STEP + "/start")
    def start(self, request: Request, pk: str, step_id: str) -> Response:
        """Start a step whose required steps are done (409 while it is blocked)."""
        return self._act(step_start, step_id)

    @extend_schema(request=None, responses=StepChangeSerializer)
    @action(detail=True, methods=["post"], url_path=STEP + "/complete")
    def complete(self, request: Request, pk: str, step_id: str) -> Response:
        """Complete a step (409 while it is blocked); warns when its mastery
        check is not marked passed."""
        return self._act(step_complete, step_id)

    @extend_schema(request=None, responses=StepChangeSerializer)
    @action(detail=True, methods=["post"], url_path=STEP + "/skip")
    def skip(self, request: Request, pk: str, step_id: str) -> Response:
        """Skip a step: it counts as done for the steps that require it."""
        return self._act(step_skip, step_id)

    @extend_schema(request=None, responses=StepChangeSerializer)
    @action(detail=True, methods=["post"], url_path=STEP + "/undo")
    def undo(self, request: Request, pk: str, step_id: str) -> Response:
        """Take back a completed or skipped step; says which dependents are
        blocked again and which were left alone."""
        return self._act(step_undo, step_id)

    @extend_schema(request=StepUpdateInput, responses=StepChangeSerializer)
    @action(detail=True, methods=["patch"], url_path=STEP)
    def step(self, request: Request, pk: str, step_id: str) -> Response:
        """Pin or unpin a step, or replace its notes."""
        data = _valid(StepUpdateInput, request)
        change = step_update(
            roadmap_id=int(pk), step_id=int(step_id), actor=request.user, **data
        )
        return self._change(change)

    @extend_schema(request=MasteryInput, responses=StepChangeSerializer)
    @action(detail=True, methods=["post"], url_path=STEP + "/mastery")
    def mastery(self, request: Request, pk: str, step_id: str) -> Response:
        """Mark the step's mastery check passed (or not), with an optional note."""
        data = _valid(MasteryInput, request)
        change = step_mastery_set(
            roadmap_id=int(pk), step_id=int(step_id), actor=request.user, **data
        )
        return self._change(change)

    @extend_schema(request=ResourcePinInput, responses=StepResourceSerializer)
    @action(detail=True, methods=["patch"], url_path=RESOURCE)
    def resource(
        self, request: Request, pk: str, step_id: str, resource_id: str
    ) -> Response:
        """Pin or unpin one of a step's resources (by its id in the step)."""
        data = _valid(ResourcePinInput, request)
        row = step_resource_pin(
            roadmap_id=int(pk),
            step_id=int(step_id),
            resource_id=int(resource_id),
            actor=request.user,
            **data,
        )
        return self._resource(row)

    @extend_schema(request=FeedbackInput, responses=StepResourceSerializer)
    @action(detail=True, methods=["put"], url_path=RESOURCE + "/feedback")
    def feedback(
        self, request: Request, pk: str, step_id: str, resource_id: str
    ) -> Response:
        """Vote a resource helpful or not (one vote per resource, changeable;
        null withdraws it)."""
        data = _valid(FeedbackInput, request)
        resource_feedback_set(
            roadmap_id=int(pk),
            step_id=int(step_id),
            resource_id=int(resource_id),
            actor=request.user,
            **data,
        )
        return self._resource(StepResource.objects.get(pk=resource_id))

    def _resource(self, row: StepResource) -> Response:
        row = StepResource.objects.select_related("resource__provider").get(pk=row.pk)
        votes = dict(
            ResourceFeedback.objects.filter(
                learner_id=self.request.user.pk, resource_id=row.resource_id
            ).values_list("resource_id", "helpful")
        )
        return Response(StepResourceSerializer(row, context={"votes": votes}).data)

    @extend_schema(responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request: Request, pk: str) -> Response:
        """Every version of the roadmap, oldest first."""
        roadmap = self._roadmap()
        versions = RoadmapVersion.objects.filter(roadmap=roadmap).order_by("number")
        context = {"current_id": roadmap.current_id}
        return Response(VersionSerializer(versions, many=True, context=context).data)

    def _version(self, number: str) -> RoadmapVersion:
        roadmap = self._roadmap()
        version = (
            RoadmapVersion.objects.filter(roadmap=roadmap, number=int(number))
            .select_related("roadmap")
            .first()
        )
        if version is None:
            raise NotFound(f"This roadmap has no version {number}.")
        return version

    @extend_schema(responses=VersionDetailSerializer)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]+)")
    def version(self, request: Request, pk: str, number: str) -> Response:
        """One version with its steps (read-only once replaced)."""
        version = self._version(number)
        context = self._steps_context(version)
        return Response(VersionDetailSerializer(version, context=context).data)

    @extend_schema(
        responses={
            200: OpenApiResponse(description="What changed from the version before.")
        }
    )
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]+)/diff")
    def diff(self, request: Request, pk: str, number: str) -> Response:
        """The diff of a version against the one it replaced."""
        version = self._version(number)
        if version.diff is None:
            raise NotFound(f"Version {number} replaced no version: it has no diff.")
        return Response(version.diff)

    @extend_schema(request=None, responses={200: EXPORT})
    @action(detail=True, methods=["post"])
    def export(self, request: Request, pk: str) -> Response:
        """Store the current version as JSON (docs/export-contract.md) and
        answer a short-lived download link; unchanged content reuses the file."""
        ticket = roadmap_export(roadmap_id=int(pk), actor=request.user)
        body = {
            "id": ticket.id,
            "download_url": request.build_absolute_uri(ticket.download_url),
            "expires_at": ticket.expires_at,
            "sha256": ticket.sha256,
            "size": ticket.size,
            "schema_version": ticket.schema_version,
            "generated_at": ticket.generated_at,
            "model_versions": public_model_versions(ticket.model_versions),
            "input_profile_hash": ticket.input_profile_hash,
        }
        return Response(body)

    @extend_schema(request=None, responses={202: JOB})
    @action(detail=True, methods=["post"])
    def regenerate(self, request: Request, pk: str) -> Response:
        """Re-plan into a new version, keeping what the learner made theirs.
        202 with the planning job; 409 with the running one if a regeneration
        is already under way."""
        job = roadmap_regenerate(roadmap_id=int(pk), actor=request.user)
        url = reverse("planningjob-detail", kwargs={"pk": job.pk}, request=request)
        body = {
            "id": job.pk,
            "state": job.state,
            "regenerates": job.regenerates_id,
            "base_version": job.base_version,
            "url": url,
        }
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": url}
        )

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=ShareSerializer(many=True),
        description="The partners this roadmap is shared with, by username. "
        "Owner only (403 to a partner it is shared with).",
    )
    @extend_schema(
        methods=["POST"],
        request=ShareInput,
        responses={200: ShareSerializer, 201: ShareSerializer},
        description="Share this roadmap with a partner account: it may then "
        "read and export it. 201, or 200 when it was shared already; 400 "
        "`no_such_partner` for any name that is not an active partner's. "
        "Owner only.",
    )
    @action(
        detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[]
    )
    def shares(self, request: Request, pk: str) -> Response:
        """List the roadmap's shares, or share it with a partner."""
        if request.method == "GET":
            shares = roadmap_shares_get(roadmap_id=int(pk), actor=request.user)
            return Response(ShareSerializer(shares, many=True).data)
        data = _valid(ShareInput, request)
        share, created = roadmap_share_grant(
            roadmap_id=int(pk), partner=data["partner"], actor=request.user
        )
        return Response(
            ShareSerializer(share).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"shares/(?P<partner_id>[0-9]+)",
    )
    def share(self, request: Request, pk: str, partner_id: str) -> Response:
        """Stop sharing this roadmap with a partner (204, also when it was not
        shared with them). Owner only."""
        roadmap_share_revoke(
            roadmap_id=int(pk), partner_id=int(partner_id), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
