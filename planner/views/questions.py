"""The clarifying questions (0 to 3) after the wizard, then the planning
job."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from learners.models import LearnerProfile
from wayfinder.errors import TRANSLATED, application_error, error_response

from ..forms import QuestionForm
from ..services import answer_record, job_enqueue, questions_next
from .common import PROBLEM_TEMPLATE, QUESTION_TEMPLATE, field_views, go, render


def _profile_owned(request: HttpRequest, profile_id: int) -> LearnerProfile:
    profile = LearnerProfile.objects.filter(pk=profile_id, owner=request.user).first()
    if profile is None:
        raise Http404("No such profile.")
    return profile


def after_answers(request: HttpRequest, profile: LearnerProfile) -> HttpResponse:
    """The next clarifying question, or (none left) the planning job."""
    if questions_next(profile=profile):
        return redirect("onboarding:questions", profile_id=profile.pk)
    job = job_enqueue(profile=profile, actor=request.user)
    return go(request, reverse("jobs:detail", args=[job.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def wizard_questions(request: HttpRequest, profile_id: int) -> HttpResponse:
    """``/onboarding/profiles/<id>/questions/``: the clarifying question to
    answer now (0-3 in all), why it is asked, its options and Skip. POST
    records the answer, then the next question or the planning job. With
    none left, GET offers to build the roadmap."""
    profile = _profile_owned(request, profile_id)
    if request.method == "POST" and request.POST.get("build"):
        job = job_enqueue(profile=profile, actor=request.user)
        return go(request, reverse("jobs:detail", args=[job.pk]))
    try:
        pending = questions_next(profile=profile)
    except TRANSLATED as exc:
        return error_response(request, exc, template=PROBLEM_TEMPLATE)
    question = pending[0] if pending else None
    form = QuestionForm(options=question.options if question else [])
    status = 200
    if request.method == "POST" and question is not None:
        skipped = bool(request.POST.get("skip"))
        form = QuestionForm(request.POST, options=question.options)
        if skipped or form.is_valid():
            value = None if skipped else form.cleaned_data["value"]
            try:
                answer_record(
                    profile=profile,
                    question_id=question.question_id,
                    value=value,
                    skipped=skipped,
                )
            except TRANSLATED as exc:
                error = application_error(exc)
                messages = [m for ms in error.fields.values() for m in ms]
                form.add_error("value", messages or [error.public_message])
            else:
                return after_answers(request, profile)
        status = 400
    why = ""
    if question is not None:
        why = question.reason.removeprefix(f"{question.kind}: ")
        why = why[:1].upper() + why[1:]
    context = {
        "profile": profile,
        "question": question,
        "why": why,
        "form": form,
        "fields": field_views(form, {}),
    }
    return render(
        request,
        QUESTION_TEMPLATE,
        context,
        partial="wizard",
        status=status,
        navigation=True,
    )
