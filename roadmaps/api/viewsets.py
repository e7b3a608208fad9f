"""The roadmap viewset: ``/api/v1/roadmaps/`` (see the package's docstring)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from planner.services import roadmap_regenerate
from wayfinder.errors import NotFound

from ..export import public_model_versions
from ..models import ResourceFeedback, Roadmap, RoadmapVersion, StepResource
from ..schedule import schedule_status
from ..selectors import (
    roadmap_detail_for_reader,
    roadmap_list_for_reader,
    version_progress_read,
    version_steps_read,
)
from ..services import (
    StepChange,
    resource_feedback_set,
    step_complete,
    step_mastery_set,
    step_resource_pin,
    step_skip,
    step_start,
    step_undo,
    step_update,
)
from ..services.export import roadmap_export
from ..services.sharing import (
    roadmap_share_grant,
    roadmap_share_revoke,
    roadmap_shares_get,
)
from .detail import (
    PLAN_CACHE_FORMAT,
    JSONText,
    JSONTextRenderer,
    PlanPart,
    plan_part_get,
    steps_output,
    steps_splice,
)
from .inputs import (
    FeedbackInput,
    MasteryInput,
    ResourcePinInput,
    ShareInput,
    StepUpdateInput,
)
from .serializers import (
    EXPORT,
    JOB,
    RoadmapDetailSerializer,
    RoadmapSerializer,
    ShareSerializer,
    StepChangeSerializer,
    StepResourceSerializer,
    StepSerializer,
    VersionDetailSerializer,
    VersionSerializer,
)

STEP = r"steps/(?P<step_id>[0-9]+)"
RESOURCE = STEP + r"/resources/(?P<resource_id>[0-9]+)"
PRIVATE = "null unless you own the roadmap: the learner's private text."

#: Actions that read: open to the owner and to partners it is shared with.
#: Every other action changes the roadmap or its shares: owner only.
READ_ACTIONS = frozenset({"list", "retrieve", "versions", "version", "diff", "export"})
#: Throttle scopes by action (rates: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]).
THROTTLE_SCOPES = {"regenerate": "regenerate", "export": "export"}


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class RoadmapViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's roadmaps and those shared with it (a partner). A shared
    roadmap is read-only to the partner (403 on anything that changes it);
    any other roadmap answers 404."""

    serializer_class = RoadmapSerializer
    lookup_value_regex = "[0-9]+"
    renderer_classes = [
        JSONTextRenderer if renderer is JSONRenderer else renderer
        for renderer in api_settings.DEFAULT_RENDERER_CLASSES
    ]

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

    def _roadmap(self) -> Roadmap:
        roadmap = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
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
        roadmap = roadmap_detail_for_reader(roadmap_id=int(pk), actor=request.user)
        if roadmap is None or roadmap.current is None:
            raise NotFound("No such roadmap.")
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
        detail = RoadmapDetailSerializer(roadmap, context=context).data
        return Response(JSONText(steps_splice(detail, output)))

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


__all__ = [
    "PLAN_CACHE_FORMAT",
    "PlanPart",
    "RoadmapViewSet",
    "StepResourceSerializer",
    "StepSerializer",
    "plan_part_get",
]
