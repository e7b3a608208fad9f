"""The learner's planning pages: the onboarding wizard (under ``onboarding/``,
namespace ``onboarding``) and a planning job's live progress (under
``jobs/``, namespace ``jobs``). wayfinder/urls.py mounts each list."""

from __future__ import annotations

from django.urls import path

from . import views

#: Under ``onboarding/``, namespace ``onboarding``.
onboarding_urlpatterns: list = [
    path("", views.wizard_start, name="start"),
    path("review/", views.wizard_review, name="review"),
    path(
        "profiles/<int:profile_id>/questions/",
        views.wizard_questions,
        name="questions",
    ),
    path("<slug:screen>/", views.wizard_screen, name="screen"),
]

#: Under ``jobs/``, namespace ``jobs``.
job_urlpatterns: list = [
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/retry/", views.job_retry, name="retry"),
]
