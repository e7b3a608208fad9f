"""The learner's planning pages: the onboarding wizard (under ``onboarding/``,
namespace ``onboarding``) and a planning job's live progress (under
``jobs/``, namespace ``jobs``). wayfinder/urls.py mounts each list."""

from __future__ import annotations

#: Under ``onboarding/``, namespace ``onboarding``.
onboarding_urlpatterns: list = []

#: Under ``jobs/``, namespace ``jobs``.
job_urlpatterns: list = []
