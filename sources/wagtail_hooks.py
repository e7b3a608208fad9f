"""The review queue in the admin: the Candidate snippet listing (under
Catalog > Review queue), the review page, bulk accept/reject/defer, and the
topic edit page's "Find candidates" action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import include, path, reverse, reverse_lazy
from django.utils.html import format_html

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.snippets.action_menu import ActionMenuItem
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from catalog.wagtail_hooks import CATALOG_SUBMENU_HOOK
from taxonomy.models import Topic
from wayfinder.errors import TRANSLATED, application_error

from .groups import user_can_review_candidates
from .models import Candidate
from .selectors import candidate_list_for_admin
from .services import candidate_accept, candidate_defer, candidate_reject
from .views import CandidateReviewView, topic_find_candidates_view


class ReviewColumn(Column):
    """A link to the candidate's review page."""

    def get_value(self, instance: Candidate) -> Any:
        url = reverse("sources_admin:review", args=[instance.pk])
        label = "Review" if instance.is_open else "Details"
        return format_html('<a href="{}">{}</a>', url, label)


class DuplicateColumn(Column):
    def get_value(self, instance: Candidate) -> str:
        if not instance.duplicate:
            return ""
        return f"{instance.get_duplicate_display()}: {instance.duplicate_of or '?'}"


class CandidateViewSet(SnippetViewSet):
    model = Candidate
    icon = "search"
    menu_label = "Review queue"
    add_to_admin_menu = False
    list_display = [
        "title",
        ReviewColumn("review", label="Review"),
        Column("topic", label="Topic"),
        Column("gap", label="Gap", accessor="get_gap_display"),
        Column("source", label="Source", sort_key="source"),
        Column(
            "status", label="Status", accessor="get_status_display", sort_key="status"
        ),
        DuplicateColumn("duplicate", label="Duplicate of"),
    ]
    list_filter = ["status", "source", "gap", "duplicate", "gap_language"]
    search_fields = ["title", "url", "provider_name"]
    # Candidates are not in the search index: the listing searches the table.
    search_backend_name = None
    list_export = ["title", "url", "source", "topic", "gap", "status", "duplicate"]
    ordering = "-found_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Candidate]:
        return candidate_list_for_admin()


register_snippet(CandidateViewSet)


class _ReviewMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return user_can_review_candidates(request.user)


@hooks.register(CATALOG_SUBMENU_HOOK)
def candidates_menu_item() -> MenuItem:
    return _ReviewMenuItem(
        "Review queue",
        reverse_lazy(Candidate.snippet_viewset.get_url_name("list")),
        name="candidate-review",
        icon_name="search",
        order=120,
    )


@hooks.register("register_admin_urls")
def sources_admin_urls() -> list[Any]:
    urls = [
        path("candidates/<int:pk>/", CandidateReviewView.as_view(), name="review"),
        path(
            "topics/<int:pk>/find/",
            topic_find_candidates_view,
            name="topic_find",
        ),
    ]
    return [path("sources/", include((urls, "sources_admin")))]


class FindCandidatesMenuItem(ActionMenuItem):
    """On a topic's edit page: search the sources for it (a Huey task)."""

    name = "action-find-candidates"
    label = "Find candidates"
    icon_name = "search"
    template_name = "sources/admin/find_candidates_menu_item.html"
    order = 90

    def is_shown(self, context: dict[str, Any]) -> bool:
        return (
            context.get("view") == "edit"
            and context.get("instance") is not None
            and user_can_review_candidates(context["request"].user)
        )

    def get_context_data(self, parent_context: dict[str, Any]) -> dict[str, Any]:
        context = super().get_context_data(parent_context)
        context["action_url"] = reverse(
            "sources_admin:topic_find", args=[parent_context["instance"].pk]
        )
        return context


@hooks.register("register_snippet_action_menu_item")
def topic_find_candidates_menu_item(model: type) -> ActionMenuItem | None:
    return FindCandidatesMenuItem() if model is Topic else None


def _message(exc: Exception) -> str:
    error = application_error(exc)
    texts = [text for texts in error.fields.values() for text in texts]
    return " ".join([error.message, *texts]) if texts else error.public_message


# -- bulk actions -------------------------------------------------------------------
class _CandidateBulkAction(SnippetBulkAction):
    models = [Candidate]
    template_name = "sources/admin/bulk_confirm.html"
    verb = ""

    def check_perm(self, obj: Candidate) -> bool:
        return user_can_review_candidates(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["verb"] = self.verb
        return context

    @classmethod
    def execute_action(cls, objects: list[Candidate], **kwargs: Any) -> tuple[int, int]:
        action = kwargs["self"]
        action.problems = []
        done = 0
        for candidate in objects:
            try:
                cls.review(candidate, action)
            except TRANSLATED as exc:
                action.problems.append(f"{candidate.title}: {_message(exc)}")
            else:
                done += 1
        return done, len(action.problems)

    @classmethod
    def review(cls, candidate: Candidate, action: Any) -> None:
        raise NotImplementedError

    def get_success_message(
        self, num_parent_objects: int, num_child_objects: int
    ) -> str:
        text = f"{self.verb.capitalize()} {num_parent_objects} candidate" + (
            "s." if num_parent_objects != 1 else "."
        )
        if self.problems:
            text += f" Not {self.verb}: " + "; ".join(self.problems)
        return text


class AcceptBulkAction(_CandidateBulkAction):
    display_name = "Accept"
    action_type = "accept"
    aria_label = "Accept the selected candidates as curated resources"
    action_priority = 10
    verb = "accepted"

    @classmethod
    def review(cls, candidate: Candidate, action: Any) -> None:
        candidate_accept(candidate=candidate, actor=action.request.user)


class RejectBulkForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        help_text="Why none of them belongs in the catalog; their URLs are "
        "never suggested again.",
        error_messages={"required": "Say why the candidates are rejected."},
    )


class RejectBulkAction(_CandidateBulkAction):
    display_name = "Reject"
    action_type = "reject"
    aria_label = "Reject the selected candidates"
    action_priority = 20
    form_class = RejectBulkForm
    verb = "rejected"

    @classmethod
    def review(cls, candidate: Candidate, action: Any) -> None:
        candidate_reject(
            candidate=candidate,
            actor=action.request.user,
            reason=action.cleaned_form.cleaned_data.get("reason", ""),
        )


class DeferBulkAction(_CandidateBulkAction):
    display_name = "Defer"
    action_type = "defer"
    aria_label = "Defer the selected candidates"
    action_priority = 30
    verb = "deferred"

    @classmethod
    def review(cls, candidate: Candidate, action: Any) -> None:
        candidate_defer(candidate=candidate, actor=action.request.user)


for _action in (AcceptBulkAction, RejectBulkAction, DeferBulkAction):
    hooks.register("register_bulk_action", _action)
