"""Admin views and read-only panels for topics (registered in ``wagtail_hooks``)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from wagtail.admin.panels import Panel
from wagtail.snippets.views.snippets import (
    CreateView,
    DeleteView,
    EditView,
    ReorderView,
)

from search.admin_search import catalog_search_index_view

from .models import Topic
from .ordering import TEACHING_ORDER, topic_move
from .services import catalog_version_lock, topic_dependents


def _topic_rows(topics: list[Topic]) -> list[dict[str, Any]]:
    """Topics with the URL of their edit view, for the templates."""
    url_name = Topic.snippet_viewset.get_url_name("edit")
    return [
        {"topic": topic, "edit_url": reverse(url_name, args=[topic.pk])}
        for topic in topics
    ]


class TopicDependentsPanel(Panel):
    """Lists, read-only, the topics that require the edited topic."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "taxonomy/admin/panels/topic_dependents.html"

        def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            topic = self.instance
            saved = topic is not None and topic.pk is not None
            context["saved"] = saved
            context["dependents"] = (
                _topic_rows(topic_dependents(topic=topic)) if saved else []
            )
            return context


class _CatalogLockMixin:
    """Validate and save a topic (or a choice group) while holding the
    catalog version row lock.

    The DAG check reads the whole graph; holding the lock (the one
    the import takes) from validation to commit stops two curators
    from each adding half of a cycle at the same time.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with transaction.atomic():
            catalog_version_lock()
            return super().post(request, *args, **kwargs)


class TopicCreateView(_CatalogLockMixin, CreateView):
    pass


class CatalogEditView(EditView):
    """A snippet edit that changes nothing writes nothing.

    Saving would still send ``post_save`` and move the catalog version (and
    drop every planner snapshot) for no change; the curator is told instead.
    """

    def save_instance(self) -> Any:
        if not self.form.has_changed():
            return self.form.instance
        return super().save_instance()

    def get_success_message(self) -> str | None:
        if not self.form.has_changed():
            return f"No changes to save for “{self.object}”."
        return super().get_success_message()


class TopicEditView(_CatalogLockMixin, CatalogEditView):
    pass


class ChoiceGroupCreateView(_CatalogLockMixin, CreateView):
    """Checks and saves a choice group under the catalog lock (its members
    close cycles as prerequisites do)."""


class ChoiceGroupEditView(_CatalogLockMixin, CatalogEditView):
    pass


class SubjectDeleteView(DeleteView):
    """Before deleting, say how many learners' profiles and roadmaps name it."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["profile_count"] = self.object.learner_profiles.count()
        context["roadmap_count"] = self.object.roadmaps.count()
        return context


class TopicDeleteView(DeleteView):
    """Before deleting, say which topics require this one and what happens to them."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        topic = self.object
        context["dependents"] = _topic_rows(topic_dependents(topic=topic))
        context["covering_resource_count"] = topic.resource_coverage.count()
        context["track_count"] = topic.tracks.count()
        return context


class TopicIndexView(catalog_search_index_view("topic")):
    """The topic listing; "Sort item order" shows it subject by subject, in
    teaching order, for curators to drag topics within their subject."""

    def order_queryset(self, queryset: QuerySet[Topic]) -> QuerySet[Topic]:
        queryset = super().order_queryset(queryset)
        if self.show_ordering_column:
            return queryset.order_by(*TEACHING_ORDER)
        return queryset


class TopicReorderView(ReorderView):
    """Drop a dragged topic at ``?position=<index in the listing>``.

    Wagtail's own view renumbers the whole table as one list; a topic's
    position counts within its subject, so the move is made there
    (``taxonomy.ordering.topic_move``).
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        topic = get_object_or_404(Topic, pk=unquote(str(kwargs.get("pk"))))
        try:
            index = int(request.GET.get("position", ""))
        except ValueError:
            index = -1
        topic_move(topic=topic, index=index)
        return JsonResponse({"success": True})
