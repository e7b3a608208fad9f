"""The REST API's one router, mounted at ``/api/v1/``; each app's ``api.py``
holds its serializers and viewsets."""

from __future__ import annotations

from typing import Any

from rest_framework import routers
from rest_framework.permissions import AllowAny

from catalog.api import ProviderViewSet, ResourceViewSet
from planner.api import LearnerProfileViewSet, PlanningJobViewSet
from roadmaps.api import RoadmapViewSet
from taxonomy.api import (
    ChoiceGroupViewSet,
    SubjectViewSet,
    TopicViewSet,
    TrackViewSet,
)

from .auth_api import MeViewSet


class APIRootView(routers.APIRootView):
    """Wayfinder's API: the catalog, public and read-only; the caller's
    roadmaps and planning jobs."""

    permission_classes = [AllowAny]


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router()
router.register("subjects", SubjectViewSet, basename="subject")
router.register("topics", TopicViewSet, basename="topic")
router.register("tracks", TrackViewSet, basename="track")
router.register("choice-groups", ChoiceGroupViewSet, basename="choicegroup")
router.register("providers", ProviderViewSet, basename="provider")
router.register("resources", ResourceViewSet, basename="resource")
router.register("roadmaps", RoadmapViewSet, basename="roadmap")
router.register("jobs", PlanningJobViewSet, basename="planningjob")
router.register("me", MeViewSet, basename="me")
router.register("profiles", LearnerProfileViewSet, basename="profile")


def spectacular_only_api_paths(
    endpoints: list[tuple[str, str, str, Any]], **kwargs: Any
) -> list[tuple[str, str, str, Any]]:
    """drf-spectacular preprocessing hook: describe ``/api/`` only.

    Wagtail's admin API lives under ``/admin/api/`` and is not ours to document.
    """
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
