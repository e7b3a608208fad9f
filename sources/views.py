"""The curator's review of one candidate: accept, reject with a reason, defer;
and the topic page's "Find candidates" action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from catalog.models import Resource
from taxonomy.models import Topic
from wayfinder.errors import TRANSLATED, InvalidInput, error_response

from .groups import user_can_review_candidates
from .models import Candidate
from .selectors import candidate_list_for_admin
from .services import candidate_accept, candidate_defer, candidate_reject


class RejectForm(forms.Form):
    # The rule (a reason is required) is the service's; the form only shows it.
    reason = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 255}),
        help_text="Why it does not belong in the catalog; the URL is never "
        "suggested again.",
    )


def candidate_list_url() -> str:
    return reverse(Candidate.snippet_viewset.get_url_name("list"))


def resource_edit_url(resource: Resource) -> str:
    return reverse(Resource.snippet_viewset.get_url_name("edit"), args=[resource.pk])


class CandidateReviewView(WagtailAdminTemplateMixin, TemplateView):
    """GET shows the candidate, its gap and any duplicate; POST ``action``
    accepts (then opens the new resource's edit form), rejects or defers."""

    template_name = "sources/admin/candidate_review.html"
    page_title = "Review candidate"
    header_icon = "search"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not user_can_review_candidates(request.user):
            raise PermissionDenied
        self.candidate = get_object_or_404(candidate_list_for_admin(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.candidate.title

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            *self.breadcrumbs_items,
            {"url": candidate_list_url(), "label": "Review queue"},
            {"url": "", "label": self.candidate.title},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        candidate = self.candidate
        context.update(
            candidate=candidate,
            reject_form=kwargs.get("reject_form") or RejectForm(),
            list_url=candidate_list_url(),
            edit_url=reverse(
                Candidate.snippet_viewset.get_url_name("edit"), args=[candidate.pk]
            ),
            duplicate_url=resource_edit_url(candidate.duplicate_of)
            if candidate.duplicate_of
            else "",
            resource_url=resource_edit_url(candidate.resource)
            if candidate.resource
            else "",
            topic_url=reverse(
                Topic.snippet_viewset.get_url_name("edit"), args=[candidate.topic_id]
            ),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action", "")
        reject_form = RejectForm(request.POST if action == "reject" else None)
        try:
            return self._act(action, reject_form)
        except TRANSLATED as exc:
            self.candidate.refresh_from_db()
            return error_response(
                request,
                exc,
                template=self.template_name,
                context=self.get_context_data(reject_form=reject_form),
                form=reject_form if action == "reject" else None,
            )

    def _act(self, action: str, reject_form: RejectForm) -> HttpResponse:
        request, candidate = self.request, self.candidate
        if action == "accept":
            resource = candidate_accept(candidate=candidate, actor=request.user)
            messages.success(
                request,
                f"“{resource.title}” is now a curated resource: check its "
                "details and save.",
            )
            return HttpResponseRedirect(resource_edit_url(resource))
        if action == "reject":
            reject_form.is_valid()
            count = candidate_reject(
                candidate=candidate,
                actor=request.user,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _rejected_message(candidate, count))
            return HttpResponseRedirect(candidate_list_url())
        if action == "defer":
            candidate_defer(candidate=candidate, actor=request.user)
            messages.success(request, f"“{candidate.title}” deferred.")
            return HttpResponseRedirect(candidate_list_url())
        raise InvalidInput("Choose accept, reject or defer.")


def _rejected_message(candidate: Candidate, count: int) -> str:
    others = count - 1
    text = f"“{candidate.title}” rejected; its URL will not be suggested again."
    if others > 0:
        text += f" {others} other candidate{'s' if others != 1 else ''} with it too."
    return text


@require_POST
def topic_find_candidates_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a search of the sources for one topic, on commit; back to the topic."""
    from .tasks import candidates_find_for_topic_task

    if not user_can_review_candidates(request.user):
        raise PermissionDenied
    topic = get_object_or_404(Topic, pk=pk)
    transaction.on_commit(lambda: candidates_find_for_topic_task(topic.pk))
    messages.success(
        request,
        f"Searching the sources for “{topic.name}”: candidates appear in the "
        "review queue in a minute or two.",
    )
    return HttpResponseRedirect(
        reverse(Topic.snippet_viewset.get_url_name("edit"), args=[topic.pk])
    )
