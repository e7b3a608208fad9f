"""The taxonomy over the API: subjects, topics, tracks and choice groups.

Anyone reads the catalog; curators (the Curators group, or anyone holding the
model's add/change/delete permission, superusers included) write it through
the same services and validation as the admin. The pieces every catalog
viewset shares live here too (the permission, the strict pagination, the
write verbs and the documented error responses); ``catalog.api`` reuses them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, QuerySet

import django_filters
from django_filters.fields import ModelMultipleChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import (
    SAFE_METHODS,
    DjangoModelPermissionsOrAnonReadOnly,
    IsAuthenticatedOrReadOnly,
)
from rest_framework.request import Request
from rest_framework.response import Response

from .choice_groups import choice_group_save
from .enums import Language, Level, PrerequisiteKind
from .models import (
    TRACK_TARGET_ORDER,
    ChoiceGroup,
    ChoiceGroupMember,
    GroupPrerequisite,
    Prerequisite,
    Subject,
    Topic,
    Track,
    TrackTarget,
)
from .services import catalog_record_delete, catalog_record_save, topic_save, track_save
from .validators import OBJECTIVE_MAX, OBJECTIVES_MAX_ITEMS, TAG_MAX, TAGS_MAX_ITEMS

# -- what every catalog viewset shares -------------------------------------------


class CatalogWritePermission(DjangoModelPermissionsOrAnonReadOnly):
    """Reads for anyone; a write needs the model's add, change or delete
    permission, which the Curators group holds (``catalog.groups``).

    Paired with ``IsAuthenticatedOrReadOnly`` on the viewsets: an anonymous
    write is refused as unauthenticated, and drf-spectacular shows the reads
    without a lock.
    """


# The error shape's component, added to the schema by the project's hook
# (``wayfinder.api_errors``, which the apps do not import).
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ERROR_REF, description=description)


def catalog_schema(
    serializer: type[serializers.Serializer],
    *,
    noun: str,
    request: type[serializers.Serializer] | None = None,
    list_parameters: list[Any] | None = None,
) -> Callable[[type], type]:
    """The catalog viewset's operations, with every error they can answer."""
    request = request or serializer
    refused = {
        401: _error("No credentials, or wrong ones (some clients see a 403)."),
        403: _error("Only curators write the catalog."),
    }
    invalid = _error("Invalid input: `fields` names each problem.")
    missing = _error(f"No such {noun}.")
    return extend_schema_view(
        list=extend_schema(
            parameters=list_parameters,
            responses={
                200: serializer(many=True),
                400: _error(
                    "A filter value or `page_size` is invalid: `fields` names it."
                ),
                404: _error("No such page."),
            },
        ),
        retrieve=extend_schema(responses={200: serializer, 404: missing}),
        create=extend_schema(
            request=request,
            responses={201: serializer, 400: invalid, **refused},
        ),
        partial_update=extend_schema(
            request=request,
            responses={200: serializer, 400: invalid, **refused, 404: missing},
        ),
        destroy=extend_schema(
            responses={
                204: None,
                **refused,
                404: missing,
                409: _error(f"Other records still depend on this {noun}."),
            }
        ),
    )


class CatalogViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Public reads; curators' POST, PATCH and DELETE by slug.

    A write validates ``input_serializer_class`` (the read serializer unless
    set), calls :meth:`record_save` (a service), and answers with the record
    as a read shows it. Server-owned fields are read-only in both. There is
    no PUT: a PATCH names what changes.
    """

    permission_classes = [IsAuthenticatedOrReadOnly, CatalogWritePermission]
    lookup_field = "slug"
    input_serializer_class: type[serializers.Serializer] | None = None
    #: Model field names as the API spells them, for the services' errors.
    api_field_names: ClassVar[Mapping[str, str]] = {}

    def record_save(self, *, record: Model | None, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self._validated_save(record=None, data=request.data)
        return Response(self._read(record), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self._validated_save(record=self.get_object(), data=request.data)
        return Response(self._read(record))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        catalog_record_delete(record=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _validated_save(self, *, record: Model | None, data: Any) -> Model:
        serializer_class = self.input_serializer_class or self.get_serializer_class()
        serializer = serializer_class(
            record,
            data=data,
            partial=record is not None,
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        try:
            return self.record_save(record=record, data=dict(serializer.validated_data))
        except ValidationError as error:
            raise self._api_names(error) from error

    def _api_names(self, error: ValidationError) -> ValidationError:
        if not hasattr(error, "error_dict") or not self.api_field_names:
            return error
        return ValidationError(
            {
                self.api_field_names.get(name, name): errors
                for name, errors in error.error_dict.items()
            }
        )

    def _read(self, record: Model) -> Any:
        """The record re-read as a GET returns it (relations prefetched anew)."""
        fresh = self.get_queryset().get(pk=record.pk)
        return self.get_serializer(fresh).data

    def is_write(self) -> bool:
        return self.request is not None and self.request.method not in SAFE_METHODS


def string_list(*, max_items: int, max_length: int, **kwargs: Any) -> Any:
    """A list of short strings (tags, objectives) in and out of the API."""
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length),
        max_length=max_items,
        **kwargs,
    )


class _SlugsField(ModelMultipleChoiceField):
    """Blank values are no choice at all: ``?provider=`` filters nothing,
    as the schema (a plain string) lets a client send it."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            value = [item for item in value if item not in ("", None)]
        return super().clean(value)


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Objects by slug, the parameter repeated for alternatives; an unknown
    slug is a 400, a blank one is ignored. (Described as a string: the schema
    cannot see slugs.)"""

    field_class = _SlugsField

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("distinct", False)
        super().__init__(**kwargs)


# -- serializers ------------------------------------------------------------------


class SubjectSerializer(serializers.ModelSerializer):
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), required=False
    )

    class Meta:
        model = Subject
        fields = ["slug", "name", "description", "languages"]


class PrerequisiteSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(
        source="requires", slug_field="slug", queryset=Topic.objects.all()
    )
    kind = serializers.ChoiceField(
        choices=PrerequisiteKind.choices, default=PrerequisiteKind.REQUIRED
    )

    class Meta:
        model = Prerequisite
        fields = ["topic", "kind"]


class GroupPrerequisiteSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(
        slug_field="slug", queryset=ChoiceGroup.objects.all()
    )
    kind = serializers.ChoiceField(
        choices=PrerequisiteKind.choices, default=PrerequisiteKind.REQUIRED
    )

    class Meta:
        model = GroupPrerequisite
        fields = ["group", "kind"]


@extend_schema_field(OpenApiTypes.STR)
class MemberTopicField(serializers.SlugRelatedField):
    """A group member (or track target) row, shown (and given) as its topic's
    slug."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", **kwargs)

    def to_representation(self, value: ChoiceGroupMember | TrackTarget) -> str:
        return value.topic.slug


@extend_schema_field(OpenApiTypes.STR)
class MembershipGroupField(serializers.SlugRelatedField):
    """A topic's membership row, shown as its group's slug."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", **kwargs)

    def to_representation(self, value: ChoiceGroupMember) -> str:
        return value.group.slug


class TopicSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(
        slug_field="slug", queryset=Subject.objects.all()
    )
    objectives = string_list(
        max_items=OBJECTIVES_MAX_ITEMS, max_length=OBJECTIVE_MAX, allow_empty=False
    )
    tags = string_list(max_items=TAGS_MAX_ITEMS, max_length=TAG_MAX, required=False)
    prerequisites = PrerequisiteSerializer(many=True, required=False)
    group_prerequisites = GroupPrerequisiteSerializer(
        many=True,
        required=False,
        help_text="Choice groups whose chosen member(s) the learner needs first.",
    )
    choice_groups = MembershipGroupField(
        many=True,
        read_only=True,
        source="choice_memberships",
        help_text="The choice groups this topic is a member of (read-only).",
    )

    class Meta:
        model = Topic
        fields = [
            "slug",
            "name",
            "subject",
            "level",
            "estimated_hours",
            "summary",
            "objectives",
            "mastery_kind",
            "mastery_description",
            "tags",
            "prerequisites",
            "group_prerequisites",
            "choice_groups",
        ]


class TrackSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(
        slug_field="slug", queryset=Subject.objects.all()
    )
    targets = MemberTopicField(
        many=True,
        source="target_links",
        queryset=Topic.objects.all(),
        allow_empty=False,
        help_text="Topic slugs in the curator's order: the planner teaches what "
        "an earlier target needs first, wherever prerequisites allow.",
    )
    target_groups = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        queryset=ChoiceGroup.objects.all(),
        required=False,
        help_text="Choice groups the track aims for: the learner gets their "
        "chosen member(s).",
    )

    class Meta:
        model = Track
        fields = [
            "slug",
            "name",
            "subject",
            "description",
            "goal_kind",
            "targets",
            "target_groups",
        ]


class ChoiceGroupSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(
        slug_field="slug", queryset=Subject.objects.all()
    )
    members = MemberTopicField(
        many=True,
        queryset=Topic.objects.all(),
        allow_empty=False,
        help_text="Topic slugs of the group's subject, in the curator's order "
        "(at least 2).",
    )
    default = serializers.SlugRelatedField(
        source="default_member",
        slug_field="slug",
        queryset=Topic.objects.all(),
        allow_null=True,
        required=False,
        help_text="The member chosen when nothing the learner said decides.",
    )

    class Meta:
        model = ChoiceGroup
        fields = [
            "slug",
            "name",
            "subject",
            "description",
            "min_choices",
            "default",
            "members",
        ]


# -- filters ----------------------------------------------------------------------


class TopicFilter(django_filters.FilterSet):
    subject = SlugsFilter(queryset=Subject.objects.all(), field_name="subject__slug")
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, distinct=False)

    class Meta:
        model = Topic
        fields: list[str] = []


class TrackFilter(django_filters.FilterSet):
    subject = SlugsFilter(queryset=Subject.objects.all(), field_name="subject__slug")

    class Meta:
        model = Track
        fields: list[str] = []


class ChoiceGroupFilter(django_filters.FilterSet):
    subject = SlugsFilter(queryset=Subject.objects.all(), field_name="subject__slug")

    class Meta:
        model = ChoiceGroup
        fields: list[str] = []


# -- viewsets ---------------------------------------------------------------------


@catalog_schema(SubjectSerializer, noun="subject")
class SubjectViewSet(CatalogViewSet):
    """Subjects, by name."""

    serializer_class = SubjectSerializer
    queryset = Subject.objects.order_by("name")

    def record_save(self, *, record: Model | None, data: dict[str, Any]) -> Model:
        return catalog_record_save(record=record or Subject(), changes=data)


@catalog_schema(TopicSerializer, noun="topic")
class TopicViewSet(CatalogViewSet):
    """Topics with their prerequisites and prerequisite choice groups (slugs)
    and the groups they belong to, by subject then name. A write that would
    make the prerequisites cyclic (a group counting as an edge to each of its
    members) is refused with the cycle named under `prerequisites` or
    `group_prerequisites`."""

    serializer_class = TopicSerializer
    filterset_class = TopicFilter

    def get_queryset(self) -> QuerySet[Topic]:
        return (
            Topic.objects.select_related("subject")
            .prefetch_related(
                Prefetch(
                    "prerequisites",
                    queryset=Prerequisite.objects.select_related("requires"),
                ),
                Prefetch(
                    "group_prerequisites",
                    queryset=GroupPrerequisite.objects.select_related("group"),
                ),
                Prefetch(
                    "choice_memberships",
                    queryset=ChoiceGroupMember.objects.select_related("group").order_by(
                        "group__slug"
                    ),
                ),
            )
            .order_by("subject__name", "name", "pk")
        )

    def record_save(self, *, record: Model | None, data: dict[str, Any]) -> Model:
        rows = data.pop("prerequisites", None)
        groups = data.pop("group_prerequisites", None)
        # A PATCH applies no defaults, the nested rows' included.
        return topic_save(
            topic=record or Topic(),
            changes=data,
            prerequisites=None
            if rows is None
            else [
                (row["requires"], row.get("kind", PrerequisiteKind.REQUIRED))
                for row in rows
            ],
            group_prerequisites=None
            if groups is None
            else [
                (row["group"], row.get("kind", PrerequisiteKind.REQUIRED))
                for row in groups
            ],
        )


@catalog_schema(TrackSerializer, noun="track")
class TrackViewSet(CatalogViewSet):
    """Goal tracks with their target topics (slugs)."""

    serializer_class = TrackSerializer
    filterset_class = TrackFilter

    def get_queryset(self) -> QuerySet[Track]:
        return (
            Track.objects.select_related("subject")
            .prefetch_related(
                Prefetch(
                    "target_links",
                    queryset=TrackTarget.objects.select_related("topic")
                    .only("track_id", "sort_order", "topic__slug", "topic__position")
                    .order_by(*TRACK_TARGET_ORDER),
                ),
                Prefetch("target_groups", queryset=ChoiceGroup.objects.only("slug")),
            )
            .order_by("subject__name", "name", "pk")
        )

    def record_save(self, *, record: Model | None, data: dict[str, Any]) -> Model:
        targets = data.pop("target_links", None)
        groups = data.pop("target_groups", None)
        return track_save(
            track=record or Track(), changes=data, targets=targets, target_groups=groups
        )


@catalog_schema(ChoiceGroupSerializer, noun="choice group")
class ChoiceGroupViewSet(CatalogViewSet):
    """Choice groups ("one of these topics"), by subject then name, with their
    members in the curator's order. Writes keep the admin's rules: members of
    the group's subject, at least 2, `min_choices` at most their number, the
    default one of them, and no member requiring the group (the cycle named
    under `members`)."""

    serializer_class = ChoiceGroupSerializer
    filterset_class = ChoiceGroupFilter
    api_field_names = {"default_member": "default"}

    def get_queryset(self) -> QuerySet[ChoiceGroup]:
        return (
            ChoiceGroup.objects.select_related("subject", "default_member")
            .prefetch_related(
                Prefetch(
                    "members",
                    queryset=ChoiceGroupMember.objects.select_related("topic"),
                )
            )
            .order_by("subject__name", "name", "pk")
        )

    def record_save(self, *, record: Model | None, data: dict[str, Any]) -> Model:
        members = data.pop("members", None)
        return choice_group_save(
            group=record or ChoiceGroup(), changes=data, members=members
        )
