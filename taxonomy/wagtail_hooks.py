"""Admin viewsets for subjects, topics and tracks.

They are registered as snippets, with the catalog's, in one "Catalog" menu by
``catalog.wagtail_hooks`` (a SnippetViewSetGroup spans both apps).

Topic and track listings search through the catalog search backend
(``search.admin_search``): the ranking, typo correction and prefixes learners
get. Subjects, and the fallback when the engines are down, use the ORM over
``search_fields`` (``search_backend_name = None``), not Wagtail's own index.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import HttpRequest

from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from search.admin_search import catalog_search_index_view

from .models import Subject, Topic, Track
from .views import TopicCreateView, TopicDeleteView, TopicDependentsPanel, TopicEditView


class SubjectViewSet(SnippetViewSet):
    model = Subject
    icon = "tag"
    menu_label = "Subjects"
    list_display = [
        "name",
        "slug",
        Column(
            "languages", label="Languages", accessor=lambda s: ", ".join(s.languages)
        ),
        Column("topic_count", label="Topics", sort_key="topic_count"),
    ]
    list_export = ["slug", "name", "languages", "topic_count"]
    export_headings = {"topic_count": "Topics"}
    search_fields = ["name", "slug", "description"]
    search_backend_name = None
    ordering = "name"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subject]:
        return Subject.objects.annotate(topic_count=Count("topics"))


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "list-ul"
    menu_label = "Topics"
    index_view_class = catalog_search_index_view("topic")
    add_view_class = TopicCreateView
    edit_view_class = TopicEditView
    delete_view_class = TopicDeleteView
    delete_template_name = "taxonomy/admin/topic_confirm_delete.html"
    list_display = [
        "name",
        "subject",
        "level",
        Column("estimated_hours", label="Hours", sort_key="estimated_hours"),
        Column(
            "prerequisite_count", label="Prerequisites", sort_key="prerequisite_count"
        ),
        Column("dependent_count", label="Dependents", sort_key="dependent_count"),
        UpdatedAtColumn(),
    ]
    list_filter = ["subject", "level"]
    list_export = [
        "slug",
        "name",
        "subject",
        "level",
        "estimated_hours",
        "prerequisite_count",
        "dependent_count",
    ]
    export_headings = {
        "prerequisite_count": "Prerequisites",
        "dependent_count": "Dependents",
    }
    search_fields = ["name", "slug", "summary", "subject__name"]
    search_backend_name = None
    ordering = ["subject__name", "name"]
    edit_handler = ObjectList(
        [
            *Topic.panels,
            TopicDependentsPanel(
                heading="Dependents: topics that require this one",
                icon="arrow-right-full",
            ),
        ]
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return Topic.objects.select_related("subject").annotate(
            prerequisite_count=Count("prerequisites", distinct=True),
            dependent_count=Count("dependents", distinct=True),
        )


class TrackViewSet(SnippetViewSet):
    index_view_class = catalog_search_index_view("track")
    model = Track
    icon = "crosshairs"
    menu_label = "Tracks"
    list_display = [
        "name",
        "subject",
        "goal_kind",
        Column("target_count", label="Targets", sort_key="target_count"),
    ]
    list_filter = ["subject", "goal_kind"]
    list_export = ["slug", "name", "subject", "goal_kind", "target_count"]
    export_headings = {"target_count": "Targets"}
    search_fields = ["name", "slug", "description", "subject__name"]
    search_backend_name = None
    ordering = ["subject__name", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Track]:
        return Track.objects.select_related("subject").annotate(
            target_count=Count("targets")
        )
