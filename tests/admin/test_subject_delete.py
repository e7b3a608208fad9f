"""A learner's profile or roadmap never stops a curator deleting a subject."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model

import pytest

from learners.models import LearnerProfile
from planner.models import JobState
from planner.services import job_enqueue, job_execute, profile_submit
from roadmaps.models import Roadmap
from taxonomy.models import Subject, Topic, Track
from tests.admin import snippet_url
from tests.planner.conftest import TODAY_ISO, profile_raw, small_catalog_build
from wayfinder.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned():
    """A learner with a profile and a roadmap on the small Python catalog."""
    catalog = small_catalog_build()
    learner = get_user_model().objects.create(username="learner")
    profile = profile_submit(
        owner=learner, raw=profile_raw(), today=date.fromisoformat(TODAY_ISO)
    )
    job = job_enqueue(profile=profile, actor=learner, enqueue=False)
    job = job_execute(job_id=job.pk, worker_id="test")
    assert job.state == JobState.SUCCEEDED, job.error
    return catalog, profile, job.roadmap


def _empty_subject(subject: Subject) -> None:
    """A curator merging subjects moves the topics and tracks away first."""
    Track.objects.filter(subject=subject).delete()
    Topic.objects.filter(subject=subject).delete()


def test_the_delete_page_counts_the_profiles_and_roadmaps(planned, curator_client):
    catalog, _, _ = planned
    _empty_subject(catalog.subject)
    page = curator_client.get(snippet_url(Subject, "delete", catalog.subject.pk))
    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    assert "1 learner profile and 1 roadmap name “Python programming”" in text


def test_deleting_the_subject_keeps_the_roadmap_with_its_name(planned, curator_client):
    catalog, profile, roadmap = planned
    _empty_subject(catalog.subject)

    response = curator_client.post(snippet_url(Subject, "delete", catalog.subject.pk))

    assert response.status_code == 302
    assert not Subject.objects.filter(slug="python").exists()
    kept = Roadmap.objects.get(pk=roadmap.pk)
    assert kept.subject is None
    assert (kept.subject_slug, kept.subject_name) == ("python", "Python programming")
    profile = LearnerProfile.objects.get(pk=profile.pk)
    assert profile.subject is None and profile.subject_slug == "python"


def test_a_profile_whose_subject_is_gone_is_refused_with_a_clear_message(planned):
    catalog, profile, _ = planned
    _empty_subject(catalog.subject)
    catalog.subject.delete()
    profile.refresh_from_db()

    with pytest.raises(InvalidInput) as refused:
        job_enqueue(profile=profile, actor=profile.owner, enqueue=False)

    assert refused.value.fields["subject"] == [
        "Unknown subject 'python'. Choose one of: ."
    ]
