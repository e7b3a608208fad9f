"""Planning jobs over the API: their owner polls one until it is done."""

from __future__ import annotations

from django.db.models import QuerySet

from rest_framework import mixins, serializers, viewsets

from .models import PlanningJob


class PlanningJobSerializer(serializers.ModelSerializer):
    waiting_for_worker = serializers.BooleanField(source="is_waiting_for_worker")
    version = serializers.IntegerField(
        source="version.number", allow_null=True, default=None
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
            "regenerates",
            "base_version",
            "roadmap",
            "version",
            "created_at",
            "started_at",
            "finished_at",
        ]


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
