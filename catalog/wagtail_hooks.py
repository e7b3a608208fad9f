"""The curator admin: the "Catalog" menu of snippets, the health report, import
and export, and the dashboard panel.

The menu groups the taxonomy's viewsets (``taxonomy.wagtail_hooks``) with the
catalog's own, as one SnippetViewSetGroup; the health report and the import
page join it through the group's submenu hook.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import include, path, reverse, reverse_lazy
from django.utils.html import format_html

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from search.admin_search import catalog_chooser_viewset, catalog_search_index_view
from taxonomy.models import Subject
from taxonomy.views import CatalogEditView
from taxonomy.wagtail_hooks import (
    ChoiceGroupViewSet,
    SubjectViewSet,
    TopicViewSet,
    TrackViewSet,
)

from .filters import ResourceFilterSet
from .groups import user_can_see_catalog_health, user_can_transfer_catalog
from .models import Provider, Resource
from .selectors import provider_list_for_admin, resource_list_for_admin
from .views import (
    SUBJECT_DELETE_PERMISSIONS,
    CatalogHealthPanel,
    CatalogHealthReportView,
    CatalogImportView,
    ResourceBulkDeleteAction,
    ResourceLinkHealthPanel,
    SubjectDeleteEverythingView,
    catalog_export_view,
    resource_health_badge,
)

CATALOG_SUBMENU_HOOK = "register_catalog_menu_item"
# static/css/admin.css hides secondary columns on a narrow screen (extra ones
# below a wide one) and keeps the titles of their listing from breaking mid-word.
SECONDARY_COLUMN = "wf-col-secondary"
EXTRA_COLUMN = "wf-col-secondary wf-col-extra"


class LinkHealthColumn(Column):
    """The resource's link health as an icon and its text label."""

    cell_template_name = "catalog/admin/includes/link_health_cell.html"

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> Any:
        context = super().get_cell_context_data(instance, parent_context)
        context["badge"] = resource_health_badge(instance)
        return context


def _secondary(name: str, label: str, **kwargs: Any) -> Column:
    """A listing column that gives way to the title on narrow screens."""
    return Column(
        name, label=label, sort_key=name, classname=SECONDARY_COLUMN, **kwargs
    )


class ProviderViewSet(SnippetViewSet):
    model = Provider
    edit_view_class = CatalogEditView
    icon = "site"
    menu_label = "Providers"
    list_display = [
        "name",
        "url",
        "trust_score",
        Column("resource_count", label="Resources", sort_key="resource_count"),
        Column("broken_link_count", label="Broken links", sort_key="broken_link_count"),
    ]
    list_export = [
        "slug",
        "name",
        "url",
        "trust_score",
        "resource_count",
        "broken_link_count",
    ]
    export_headings = {
        "resource_count": "Resources",
        "broken_link_count": "Broken links",
    }
    search_fields = ["name", "slug", "url"]
    index_view_class = catalog_search_index_view("provider")
    chooser_viewset_class = catalog_chooser_viewset(
        "provider", fields=search_fields, columns=[Column("url", label="URL")]
    )
    ordering = "name"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Provider]:
        return provider_list_for_admin()


class ResourceViewSet(SnippetViewSet):
    index_view_class = catalog_search_index_view("resource")
    model = Resource
    edit_view_class = CatalogEditView
    icon = "doc-full"
    menu_label = "Resources"
    list_display = [
        "title",
        _secondary("provider", "Provider"),
        _secondary("format", "Format", accessor="get_format_display"),
        _secondary("language", "Language", accessor="get_language_display"),
        _secondary("cost", "Cost", accessor="get_cost_display"),
        _secondary("difficulty", "Level", accessor="get_difficulty_display"),
        LinkHealthColumn("link_health", label="Link health", sort_key="link_health"),
        _secondary("topic_count", "Topics"),
        UpdatedAtColumn(classname=EXTRA_COLUMN),
    ]
    filterset_class = ResourceFilterSet
    list_export = [
        "slug",
        "title",
        "provider",
        "format",
        "language",
        "cost",
        "difficulty",
        "link_health",
        "topic_count",
    ]
    export_headings = {"topic_count": "Topics"}
    search_fields = ["title", "slug", "description", "provider__name"]
    chooser_viewset_class = catalog_chooser_viewset(
        "resource",
        fields=search_fields,
        columns=[
            Column("provider", label="Provider"),
            Column("language", label="Language", accessor="get_language_display"),
        ],
        related=["provider"],
    )
    ordering = "title"
    edit_handler = ObjectList(
        [
            *Resource.panels,
            ResourceLinkHealthPanel(heading="Link health", icon="link"),
        ]
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Resource]:
        return resource_list_for_admin()


class CatalogViewSetGroup(SnippetViewSetGroup):
    items = (
        SubjectViewSet,
        TopicViewSet,
        TrackViewSet,
        ChoiceGroupViewSet,
        ProviderViewSet,
        ResourceViewSet,
    )
    menu_label = "Catalog"
    menu_name = "catalog"
    menu_icon = "folder-open-inverse"
    menu_order = 150
    submenu_hook = CATALOG_SUBMENU_HOOK


register_snippet(CatalogViewSetGroup)


class _PermissionMenuItem(MenuItem):
    def __init__(self, *args: Any, allowed: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def is_shown(self, request: HttpRequest) -> bool:
        return self.allowed(request.user)


@hooks.register(CATALOG_SUBMENU_HOOK)
def catalog_health_menu_item() -> MenuItem:
    return _PermissionMenuItem(
        "Health report",
        reverse_lazy("catalog_admin:health"),
        name="catalog-health",
        icon_name="tasks",
        order=100,
        allowed=user_can_see_catalog_health,
    )


@hooks.register(CATALOG_SUBMENU_HOOK)
def catalog_transfer_menu_item() -> MenuItem:
    return _PermissionMenuItem(
        "Import / export",
        reverse_lazy("catalog_admin:import"),
        name="catalog-transfer",
        icon_name="download",
        order=110,
        allowed=user_can_transfer_catalog,
    )


@hooks.register("register_admin_urls")
def catalog_admin_urls() -> list[Any]:
    urls = [
        path("health/", CatalogHealthReportView.as_view(), name="health"),
        path("import/", CatalogImportView.as_view(), name="import"),
        path("export/", catalog_export_view, name="export"),
        path(
            "subjects/<int:pk>/delete-everything/",
            SubjectDeleteEverythingView.as_view(),
            name="subject_delete_everything",
        ),
    ]
    return [path("catalog/", include((urls, "catalog_admin")))]


# After Wagtail's own snippet "Delete" (order 0), so it replaces it for resources.
hooks.register("register_bulk_action", ResourceBulkDeleteAction, order=1)


@hooks.register("register_snippet_listing_buttons")
def subject_delete_everything_button(
    snippet: Any, user: Any, next_url: str | None = None
) -> list[ListingButton]:
    if not isinstance(snippet, Subject) or not user.has_perms(
        SUBJECT_DELETE_PERMISSIONS
    ):
        return []
    return [
        ListingButton(
            "Delete with everything under it",
            reverse("catalog_admin:subject_delete_everything", args=[snippet.pk]),
            icon_name="bin",
            priority=60,
        )
    ]


@hooks.register("insert_global_admin_css")
def wayfinder_admin_css() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))


@hooks.register("construct_homepage_panels")
def catalog_health_homepage_panel(request: HttpRequest, panels: list[Any]) -> None:
    if user_can_see_catalog_health(request.user):
        panels.append(CatalogHealthPanel())
