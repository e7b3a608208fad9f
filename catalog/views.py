"""Admin views of the catalog: the health report, import and export, and the
read-only link health panel and dashboard panel they share their wording with.

Link health is always shown as text with an icon, never as colour alone.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.generic import FormView, TemplateView

from wagtail.admin import messages
from wagtail.admin.panels import Panel
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from taxonomy.enums import LinkHealth
from taxonomy.models import Topic

from .forms import CatalogImportForm
from .groups import user_can_see_catalog_health, user_can_transfer_catalog
from .models import Provider, Resource, ResourceLink
from .reports import CatalogHealthReport, catalog_health_report
from .selectors import resource_links_for_admin
from .transfer import (
    CatalogImportError,
    catalog_dumps,
    catalog_export,
    catalog_import,
)

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
        report = catalog_health_report()
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
        report = catalog_health_report()
        context["report"] = report
        counts = report.counts()
        context["counts"] = counts
        context["labels"] = dict(CatalogHealthReport.PROBLEMS)
        context["sections"] = [
            {"name": name, "label": label, "count": counts[name]}
            for name, label in CatalogHealthReport.PROBLEMS
        ]
        context["urls"] = _admin_urls()
        return context


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
