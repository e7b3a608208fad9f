"""Admin views of the catalog: the health report, import and export, and the
read-only link health panel and dashboard panel they share their wording with.

Link health is always shown as text with an icon, never as colour alone.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.generic import FormView, TemplateView

from wagtail.admin import messages
from wagtail.admin.panels import Panel
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from taxonomy.enums import LinkHealth
from taxonomy.models import ChoiceGroup, Subject, Topic
from wayfinder.errors import ApplicationError, InvalidInput, error_response

from .forms import CatalogImportForm
from .groups import user_can_see_catalog_health, user_can_transfer_catalog
from .models import Provider, Resource, ResourceLink
from .reports import CatalogHealthReport, catalog_health_report_cached
from .selectors import resource_links_for_admin
from .services import CatalogDeletion, catalog_delete
from .transfer import (
    CatalogImportError,
    catalog_dumps,
    catalog_export,
    catalog_import,
)

# The health report shows each problem class a page at a time: at 45k
# resources the whole of it was an 8 MB page. ``manage.py catalog_report
# --json`` prints everything.
REPORT_PAGE_SIZE = 50
REPORT_PAGE_SIZE_MAX = 500
REPORT_PAGE_SIZE_PARAM = "per_page"

# Wagtail admin icon and text colour for each state; the label always goes with them.
_HEALTH_STYLE = {
    LinkHealth.HEALTHY: ("success", "w-text-positive-100"),
    LinkHealth.DEGRADED: ("warning", "w-text-warning-100"),
    LinkHealth.BROKEN: ("error", "w-text-critical-200"),
    LinkHealth.UNCHECKED: ("help", "w-text-grey-400"),
}


def health_badge(state: str, label: str) -> dict[str, str]:
    """What ``catalog/admin/includes/health_badge.html`` renders for a state."""
    icon, colour = _HEALTH_STYLE[LinkHealth(state)]
    return {"state": state, "label": label, "icon": icon, "colour": colour}


def resource_health_badge(resource: Resource) -> dict[str, str]:
    return health_badge(resource.link_health, resource.get_link_health_display())


def link_health_badge(link: ResourceLink) -> dict[str, str]:
    state = {True: LinkHealth.HEALTHY, False: LinkHealth.BROKEN}.get(
        link.healthy, LinkHealth.UNCHECKED
    )
    return health_badge(state, link.health_label.capitalize())


def _admin_urls() -> dict[str, str]:
    """URL names of the snippet views the report links to."""
    return {
        "topic_edit": Topic.snippet_viewset.get_url_name("edit"),
        "group_edit": ChoiceGroup.snippet_viewset.get_url_name("edit"),
        "resource_edit": Resource.snippet_viewset.get_url_name("edit"),
        "resource_list": Resource.snippet_viewset.get_url_name("list"),
        "provider_edit": Provider.snippet_viewset.get_url_name("edit"),
    }


class ResourceLinkHealthPanel(Panel):
    """Lists, read-only, each link of the resource as the link checker left it."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "catalog/admin/panels/link_health.html"

        def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            resource = self.instance
            saved = resource is not None and resource.pk is not None
            context["saved"] = saved
            context["overall"] = resource_health_badge(resource) if saved else None
            context["links"] = [
                {"link": link, "badge": link_health_badge(link)}
                for link in resource_links_for_admin(resource=resource)
            ]
            return context


class CatalogHealthPanel(Component):
    """Dashboard panel: problem counts, each linking to its part of the report.

    Added by the ``construct_homepage_panels`` hook for users who may see it.
    """

    name = "catalog_health"
    template_name = "catalog/admin/home_health_panel.html"
    order = 90

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        report = catalog_health_report_cached()
        counts = report.counts()
        return {
            "report": report,
            "problems": [
                {"name": name, "label": label, "count": counts[name]}
                for name, label in CatalogHealthReport.PROBLEMS
            ],
            "report_url": reverse("catalog_admin:health"),
        }


class CatalogHealthReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "catalog/admin/health_report.html"
    page_title = "Catalog health"
    header_icon = "tasks"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not user_can_see_catalog_health(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = catalog_health_report_cached()
        context["report"] = report
        counts = report.counts()
        context["counts"] = counts
        context["labels"] = dict(CatalogHealthReport.PROBLEMS)
        context["sections"] = [
            {"name": name, "label": label, "count": counts[name]}
            for name, label in CatalogHealthReport.PROBLEMS
        ]
        # One row per problem; broken links regrouped by provider per page.
        rows = {name: getattr(report, name) for name, _ in report.PROBLEMS}
        rows["broken_links"] = report.broken_link_rows()
        per_page = _report_page_size(self.request)
        pages = {
            name: _report_page(self.request, name=name, items=items, per_page=per_page)
            for name, items in rows.items()
        }
        context["pages"] = pages
        context["per_page"] = per_page
        context["broken_link_groups"] = _broken_link_groups(pages["broken_links"])
        context["urls"] = _admin_urls()
        return context


def _broken_link_groups(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The broken links on the section's page, under their providers again."""
    groups = []
    for _, rows in groupby(
        section["page"].object_list, key=lambda row: row[0].provider_id
    ):
        rows = list(rows)
        groups.append({"group": rows[0][0], "links": [link for _, link in rows]})
    return groups


def _report_page_size(request: HttpRequest) -> int:
    """``?per_page=N`` within 1..REPORT_PAGE_SIZE_MAX; anything else, the default."""
    try:
        size = int(request.GET.get(REPORT_PAGE_SIZE_PARAM, ""))
    except ValueError:
        return REPORT_PAGE_SIZE
    return min(max(size, 1), REPORT_PAGE_SIZE_MAX)


def _report_page(
    request: HttpRequest, *, name: str, items: Any, per_page: int
) -> dict[str, Any]:
    """One section's page (``?<name>_page=N``) and links to its neighbours.

    The links keep the other sections' pages and the page size, and land on
    the section.
    """
    param = f"{name}_page"
    page: Page = Paginator(items, per_page).get_page(request.GET.get(param))

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}#{name}"

    return {
        "page": page,
        "previous_url": url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": url(page.next_page_number()) if page.has_next() else "",
    }


class CatalogImportView(WagtailAdminTemplateMixin, FormView):
    """Upload a catalog JSON file; check it only, or import it."""

    template_name = "catalog/admin/transfer.html"
    form_class = CatalogImportForm
    page_title = "Import and export the catalog"
    header_icon = "download"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not user_can_transfer_catalog(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def form_invalid(self, form: CatalogImportForm) -> HttpResponse:
        # A file the form refuses (not JSON, not UTF-8, too big, too deep) is a
        # bad request; the page shows why.
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: CatalogImportForm) -> HttpResponse:
        dry_run = form.cleaned_data["dry_run"]
        try:
            summary = catalog_import(
                data=form.cleaned_data["catalog_file"], dry_run=dry_run
            )
        except CatalogImportError as error:
            count = len(error.errors)
            messages.error(
                self.request,
                f"The catalog was not imported: {count} "
                f"{'problem' if count == 1 else 'problems'} in the file. "
                "Nothing was written.",
            )
            return self.render_to_response(
                self.get_context_data(form=form, issues=error.errors, dry_run=dry_run)
            )
        if dry_run:
            messages.success(self.request, "The file is valid. Nothing was written.")
        elif summary.changed:
            messages.success(self.request, "The catalog was imported.")
        else:
            messages.success(self.request, "The catalog already matched the file.")
        return self.render_to_response(
            self.get_context_data(
                form=self.form_class(), summary=summary, dry_run=dry_run
            )
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["export_url"] = reverse("catalog_admin:export")
        context["action_url"] = reverse("catalog_admin:import")
        return context


@require_GET
def catalog_export_view(request: HttpRequest) -> HttpResponse:
    """Download the whole catalog as ``catalog.json``."""
    if not user_can_transfer_catalog(request.user):
        raise PermissionDenied
    response = HttpResponse(
        catalog_dumps(catalog_export()), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="catalog.json"'
    return response


# -- bulk deletes -----------------------------------------------------------------
#: What deleting a subject with everything under it takes.
SUBJECT_DELETE_PERMISSIONS = (
    "taxonomy.delete_subject",
    "taxonomy.delete_topic",
    "taxonomy.delete_track",
    "taxonomy.delete_choicegroup",
    "catalog.delete_resource",
)
DELETE_TEMPLATE = "catalog/admin/bulk_delete.html"
DELETE_ERROR_TEMPLATE = "catalog/admin/bulk_delete_error.html"
SHOWN_ITEMS = 20


def deletion_rows(deletion: CatalogDeletion) -> list[dict[str, Any]]:
    """The counts of a deletion as the confirmation page lists them, each
    named in the singular or the plural as its count asks."""
    rows = []
    for kind, counts in (
        ("deleted", deletion.deleted),
        ("unlinked", deletion.unlinked),
    ):
        for label, count in counts.items():
            meta = apps.get_model(label)._meta
            name = meta.verbose_name if count == 1 else meta.verbose_name_plural
            rows.append({"count": count, "name": name, "kind": kind})
    return rows


class SubjectDeleteEverythingView(WagtailAdminTemplateMixin, TemplateView):
    """Delete a subject with its topics, tracks, choice groups and the
    resources only it uses, after a page saying how many rows go."""

    template_name = DELETE_TEMPLATE
    header_icon = "bin"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perms(SUBJECT_DELETE_PERMISSIONS):
            raise PermissionDenied
        self.subject = get_object_or_404(Subject, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return f"Delete “{self.subject}” with everything under it"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.deletion = catalog_delete(subject_ids=[self.subject.pk], dry_run=True)
        except ApplicationError as error:
            return error_response(request, error, template=DELETE_ERROR_TEMPLATE)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = deletion_rows(self.deletion)
        context["what"] = f"the subject “{self.subject}”"
        context["cancel_url"] = reverse(Subject.snippet_viewset.get_url_name("list"))
        context["submit_url"] = self.request.get_full_path()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        name = str(self.subject)
        try:
            deletion = catalog_delete(subject_ids=[self.subject.pk])
        except ApplicationError as error:
            return error_response(request, error, template=DELETE_ERROR_TEMPLATE)
        messages.success(
            request,
            f"“{name}” was deleted with {deletion.count('taxonomy.Topic')} topics "
            f"and {deletion.count('catalog.Resource')} resources.",
        )
        return redirect(Subject.snippet_viewset.get_url_name("list"))


class ResourceBulkDeleteAction(SnippetBulkAction):
    """The resource listing's bulk "Delete": one bulk delete, however many
    are ticked ("select all" included), through ``catalog_delete``; the
    confirmation says how many rows go. Registered after Wagtail's own
    snippet delete, which it replaces for resources only."""

    display_name = "Delete"
    action_type = "delete"
    aria_label = "Delete selected resources"
    template_name = DELETE_TEMPLATE
    action_priority = 30
    classes = {"serious"}
    models = [Resource]  # noqa: RUF012 (Wagtail reads a plain list)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm("catalog.delete_resource"):
            raise PermissionDenied
        try:
            self.resource_ids = _selected_ids(request)
        except ApplicationError as error:
            return error_response(request, error, template=DELETE_ERROR_TEMPLATE)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.deletion = catalog_delete(resource_ids=self.resource_ids, dry_run=True)
        except ApplicationError as error:
            return error_response(request, error, template=DELETE_ERROR_TEMPLATE)
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        shown = Resource.objects.filter(pk__in=self.resource_ids[:SHOWN_ITEMS])
        count = len(self.resource_ids)
        return {
            **kwargs,
            "view": self,
            "page_title": f"Delete {count} resource{'s' if count != 1 else ''}",
            "header_icon": "bin",
            "rows": deletion_rows(self.deletion),
            "items": list(shown.order_by("title")),
            "more": max(0, count - SHOWN_ITEMS),
            "what": f"{count} resource{'s' if count != 1 else ''}",
            "cancel_url": self.next_url,
            "submit_url": self.request.get_full_path(),
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            deletion = catalog_delete(resource_ids=self.resource_ids)
        except ApplicationError as error:
            return error_response(request, error, template=DELETE_ERROR_TEMPLATE)
        count = deletion.count("catalog.Resource")
        messages.success(
            request, f"{count} resource{'s' if count != 1 else ''} deleted."
        )
        return redirect(self.next_url)


def _selected_ids(request: HttpRequest) -> list[int]:
    """The ticked ids (``?id=1&id=2``), or every resource for ``?id=all``."""
    values = request.GET.getlist("id")
    if "all" in values:
        return list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    try:
        ids = sorted({int(value) for value in values})
    except ValueError:
        raise InvalidInput("Resource ids are whole numbers.") from None
    if not ids:
        raise InvalidInput("No resource was selected.")
    return ids
