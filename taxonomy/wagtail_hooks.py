"""Admin viewsets for subjects, topics, tracks and choice groups.

They are registered as snippets, with the catalog's, in one "Catalog" menu by
``catalog.wagtail_hooks`` (a SnippetViewSetGroup spans both apps).

Listings and choosers search through ``search.admin_search``: topics and
tracks in the catalog search index, with the ranking, typo correction and
prefixes learners get; subjects, and every kind when the engines are down, in
the database over the viewset's ``search_fields``. Wagtail's own search index
is not used.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest

from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from search.admin_search import catalog_chooser_viewset, catalog_search_index_view

from .forms import ChoiceGroupAdminForm
from .models import ChoiceGroup, ChoiceGroupMember, Subject, Topic, Track
from .views import (
    CatalogEditView,
    ChoiceGroupCreateView,
    ChoiceGroupEditView,
    SubjectDeleteView,
    TopicCreateView,
    TopicDeleteView,
    TopicDependentsPanel,
    TopicEditView,
    TopicIndexView,
    TopicReorderView,
)


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
    index_view_class = catalog_search_index_view("subject")
    chooser_viewset_class = catalog_chooser_viewset(
        "subject", fields=search_fields, columns=[Column("slug", label="Slug")]
    )
    ordering = "name"
    delete_view_class = SubjectDeleteView
    edit_view_class = CatalogEditView
    delete_template_name = "taxonomy/admin/subject_confirm_delete.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subject]:
        return Subject.objects.annotate(topic_count=Count("topics"))


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "list-ul"
    menu_label = "Topics"
    index_view_class = TopicIndexView
    reorder_view_class = TopicReorderView
    sort_order_field = "position"
    add_view_class = TopicCreateView
    edit_view_class = TopicEditView
    delete_view_class = TopicDeleteView
    delete_template_name = "taxonomy/admin/topic_confirm_delete.html"
    list_display = [
        "name",
        "subject",
        Column("position", label="Position", sort_key="position"),
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
        "position",
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
    chooser_viewset_class = catalog_chooser_viewset(
        "topic",
        fields=search_fields,
        columns=[
            Column("subject", label="Subject"),
            Column("level", label="Level", accessor="get_level_display"),
        ],
        related=["subject"],
    )
    ordering = ["subject__name", "position", "slug"]
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
    edit_view_class = CatalogEditView
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
    chooser_viewset_class = catalog_chooser_viewset(
        "track",
        fields=search_fields,
        columns=[Column("subject", label="Subject")],
        related=["subject"],
    )
    ordering = ["subject__name", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Track]:
        return Track.objects.select_related("subject").annotate(
            target_count=Count("targets")
        )


def _member_names(group: ChoiceGroup) -> str:
    return ", ".join(member.topic.name for member in group.members.all())


class ChoiceGroupViewSet(SnippetViewSet):
    """Choice groups ("one of these topics"), with their members inline.

    The form (``ChoiceGroupAdminForm``) keeps the group's rules; saving holds
    the catalog lock, as topic edits do. Searched in the database (no search
    document holds groups).
    """

    model = ChoiceGroup
    icon = "list-ol"
    menu_label = "Choice groups"
    add_view_class = ChoiceGroupCreateView
    edit_view_class = ChoiceGroupEditView
    index_view_class = catalog_search_index_view("choicegroup")
    list_display = [
        "name",
        "subject",
        Column("min_choices", label="At least", sort_key="min_choices"),
        Column("members", label="Members", accessor=_member_names),
        Column("default_member", label="Default"),
    ]
    list_filter = ["subject"]
    list_export = ["slug", "name", "subject", "min_choices", "member_count"]
    export_headings = {"member_count": "Members"}
    search_fields = ["name", "slug", "description", "subject__name"]
    chooser_viewset_class = catalog_chooser_viewset(
        "choicegroup",
        fields=search_fields,
        columns=[Column("subject", label="Subject")],
        related=["subject"],
    )
    ordering = ["subject__name", "name"]
    edit_handler = ObjectList(ChoiceGroup.panels, base_form_class=ChoiceGroupAdminForm)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChoiceGroup]:
        return (
            ChoiceGroup.objects.select_related("subject", "default_member")
            .prefetch_related(
                Prefetch(
                    "members",
                    queryset=ChoiceGroupMember.objects.select_related("topic"),
                )
            )
            .annotate(member_count=Count("members"))
        )
