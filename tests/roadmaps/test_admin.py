"""Roadmaps and planning jobs in the Wagtail admin: read-only, for curators
and staff with the view permissions, learner notes for superusers only."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.permissions import policy_registry

import pytest

from catalog.groups import CURATORS_GROUP
from learners.models import LearnerProfile
from planner.models import JobState, PlanningJob
from roadmaps.models import Roadmap, RoadmapStep
from tests.admin import curator_user, learner_user
from tests.factories import SubjectFactory, UserFactory
from tests.roadmaps.conftest import roadmap_plan

ROADMAPS = "roadmaps_admin"
JOBS = "planning_jobs_admin"


def roadmap_url(view: str, *args: Any) -> str:
    return reverse(f"{ROADMAPS}:{view}", args=args)


def job_url(view: str, *args: Any) -> str:
    return reverse(f"{JOBS}:{view}", args=args)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def make_job(roadmap: Roadmap, /, **fields: Any) -> PlanningJob:
    return PlanningJob.objects.create(
        owner=roadmap.owner,
        profile=roadmap.profile,
        profile_hash=uuid.uuid4().hex,
        catalog_version=1,
        **fields,
    )


pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client):
    """A client signed in as a member of the Curators group."""
    client.force_login(curator_user())
    return client


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


# -- who sees them -------------------------------------------------------------------
def test_the_curators_group_may_view_roadmaps_and_jobs_and_nothing_more():
    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=CURATORS_GROUP).permissions.select_related(
            "content_type"
        )
        if p.content_type.app_label in {"roadmaps", "planner", "learners"}
    }

    assert held == {"roadmaps.view_roadmap", "planner.view_planningjob"}


def test_the_learners_menu_lists_roadmaps_and_jobs_for_a_curator(curator_client):
    content = page(curator_client, reverse("wagtailadmin_home"))

    for label in ("Learners", "Roadmaps", "Planning jobs"):
        assert label in content
    assert roadmap_url("index") in content and job_url("index") in content


def test_a_learner_cannot_reach_the_admin_pages(client, roadmap):
    client.force_login(roadmap.owner)  # even their own roadmap
    job = make_job(roadmap, roadmap=roadmap)

    for url in (
        roadmap_url("index"),
        roadmap_url("inspect", roadmap.pk),
        job_url("index"),
        job_url("inspect", job.pk),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        # Sent to their own pages, not the admin (wayfinder/admin_access.py).
        assert response["Location"] == reverse("roadmaps:list"), url


def test_staff_need_the_view_permissions(client, roadmap):
    staff = learner_user("staff")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.add(
        Permission.objects.get(
            codename="access_admin", content_type__app_label="wagtailadmin"
        )
    )
    client.force_login(staff)

    response = client.get(roadmap_url("index"))
    # Wagtail turns PermissionDenied into a redirect to the dashboard.
    assert response.status_code in {302, 403}
    assert "Planning jobs" not in page(client, reverse("wagtailadmin_home"))

    staff.user_permissions.add(
        Permission.objects.get(codename="view_roadmap"),
        Permission.objects.get(codename="view_planningjob"),
    )
    staff = type(staff).objects.get(pk=staff.pk)  # a fresh permission cache
    client.force_login(staff)
    assert roadmap.title in page(client, roadmap_url("inspect", roadmap.pk))
    assert "Planning jobs" in page(client, job_url("index"))


# -- read-only ---------------------------------------------------------------------------
@pytest.mark.parametrize("namespace", [ROADMAPS, JOBS])
def test_no_add_edit_delete_view_is_routed(superuser_client, roadmap, namespace):
    job = make_job(roadmap, roadmap=roadmap)
    pk = roadmap.pk if namespace == ROADMAPS else job.pk

    for view, args in (
        ("add", []),
        ("edit", [pk]),
        ("delete", [pk]),
        ("copy", [pk]),
        ("history", [pk]),
        ("usage", [pk]),
    ):
        with pytest.raises(NoReverseMatch):
            reverse(f"{namespace}:{view}", args=args)
    prefix = reverse(f"{namespace}:index")
    for path in ("new/", f"edit/{pk}/", f"delete/{pk}/", f"copy/{pk}/"):
        assert superuser_client.get(prefix + path).status_code == 404, path
        assert superuser_client.post(prefix + path).status_code == 404, path
    assert (
        superuser_client.post(reverse(f"{namespace}:inspect", args=[pk])).status_code
        == 405
    )


@pytest.mark.parametrize("model", [Roadmap, PlanningJob])
def test_the_permission_policy_grants_view_only_even_to_superusers(db, model):
    root = UserFactory(username="root", is_superuser=True)
    policy = policy_registry.get_by_type(model)

    assert policy.user_has_permission(root, "view")
    for action in ("add", "change", "delete"):
        assert not policy.user_has_permission(root, action)
    assert not policy.users_with_any_permission(["add", "change", "delete"]).exists()


def test_the_admin_url_of_a_roadmap_or_job_is_its_inspect_page(roadmap):
    job = make_job(roadmap, roadmap=roadmap)
    root = UserFactory(username="root", is_superuser=True)

    assert AdminURLFinder(root).get_edit_url(roadmap) == roadmap_url(
        "inspect", roadmap.pk
    )
    assert AdminURLFinder(root).get_edit_url(job) == job_url("inspect", job.pk)
    assert AdminURLFinder(roadmap.owner).get_edit_url(roadmap) is None


def test_pages_offer_no_edit_or_delete_buttons(superuser_client, roadmap):
    job = make_job(roadmap, roadmap=roadmap, state=JobState.SUCCEEDED)

    for url in (
        roadmap_url("index"),
        roadmap_url("inspect", roadmap.pk),
        job_url("index"),
        job_url("inspect", job.pk),
    ):
        content = page(superuser_client, url)
        for word in (
            "/edit/",
            "/delete/",
            "/new/",
            "/copy/",
            "Add roadmap",
            "Add planning",
        ):
            assert word not in content, (url, word)


# -- the roadmap listing ------------------------------------------------------------------
def test_the_listing_shows_title_owner_subject_version_and_links_to_inspect(
    curator_client, roadmap
):
    content = page(curator_client, roadmap_url("index"))

    assert roadmap.title in content
    assert roadmap.owner.username in content
    assert roadmap.subject.name in content
    assert roadmap_url("inspect", roadmap.pk) in content


def test_the_listing_filters_by_subject_and_searches_title_and_owner(
    curator_client, roadmap
):
    other = roadmap_plan(UserFactory(username="ada"))
    Roadmap.objects.filter(pk=other.pk).update(
        subject=SubjectFactory(name="Cooking"), title="Knife skills"
    )

    by_subject = page(
        curator_client, f"{roadmap_url('index')}?subject={roadmap.subject_id}"
    )
    assert roadmap.title in by_subject and "Knife skills" not in by_subject

    by_owner = page(curator_client, f"{roadmap_url('index')}?q=ada")
    assert "Knife skills" in by_owner and roadmap.title not in by_owner

    by_title = page(curator_client, f"{roadmap_url('index')}?q=knife")
    assert "Knife skills" in by_title and roadmap.title not in by_title


def test_the_listing_query_count_does_not_grow_with_rows(curator_client, small_catalog):
    def count_for(total: int) -> int:
        while Roadmap.objects.count() < total:
            roadmap_plan(UserFactory())
        with CaptureQueriesContext(connection) as queries:
            page(curator_client, roadmap_url("index"))
        return len(queries)

    assert count_for(5) == count_for(30)


def test_the_job_listing_query_count_does_not_grow_with_rows(curator_client, roadmap):
    def count_for(total: int) -> int:
        while PlanningJob.objects.count() < total:
            make_job(roadmap, roadmap=roadmap, state=JobState.SUCCEEDED)
        with CaptureQueriesContext(connection) as queries:
            page(curator_client, job_url("index"))
        return len(queries)

    assert count_for(5) == count_for(30)


# -- the roadmap inspect view ------------------------------------------------------------
def test_inspect_shows_owner_profile_versions_steps_and_resources(
    curator_client, roadmap
):
    content = page(curator_client, roadmap_url("inspect", roadmap.pk))
    version = roadmap.current
    step = RoadmapStep.objects.get(version=version, topic_slug="py-loops")
    resource = step.resources.first()

    assert roadmap.title in content
    assert roadmap.owner.username in content
    assert "Beginner" in content  # the profile's level
    assert "v1" in content and "First version." in content
    assert f"catalog v{version.catalog_version}" in content
    assert version.input_profile_hash[:12] in content
    assert step.title in content and "Loops" in content
    assert resource.title in content and resource.url in content


def test_inspect_summarises_the_diff_of_a_regenerated_version(curator_client, roadmap):
    version = roadmap.current
    version.diff = {
        "from_version": 1,
        "to_version": 2,
        "added": [{"topic": "py-classes", "title": "Classes", "position": 6}],
        "removed": [],
        "kept": [],
        "moved": [{"topic": "py-style", "from": 2, "to": 4}],
        "resources": [],
        "total_hours": {"before": 12.5, "after": 15.0},
        "end_date": {"before": "2026-02-01", "after": "2026-02-15"},
    }
    version.save(update_fields=["diff"])

    content = page(curator_client, roadmap_url("inspect", roadmap.pk))

    assert "steps 1 added, 0 removed, 1 moved, 0 kept" in content
    assert "hours 12.5 → 15.0" in content and "ends 2026-02-01 → 2026-02-15" in content
    assert "added: Classes" in content and "moved: py-style from 2 to 4" in content


NOTE = "I keep mixing up while and for, ask Sam"
MASTERY_NOTE = "Passed on the second try"
GOAL = "Automate the invoices at my bakery"


@pytest.fixture
def noted_roadmap(roadmap) -> Roadmap:
    """The roadmap with text its learner wrote: a step note, a mastery note
    and the goal in their own words."""
    RoadmapStep.objects.filter(version=roadmap.current, topic_slug="py-loops").update(
        notes=NOTE, mastery_note=MASTERY_NOTE, mastery_passed_at=timezone.now()
    )
    LearnerProfile.objects.filter(pk=roadmap.profile_id).update(goal_text=GOAL)
    return roadmap


def test_learner_notes_are_hidden_from_curators(curator_client, noted_roadmap):
    content = page(curator_client, roadmap_url("inspect", noted_roadmap.pk))

    for text in (NOTE, MASTERY_NOTE, GOAL):
        assert text not in content
    assert "is hidden: only superusers see it" in content
    assert "mastery check passed" in content  # the fact, not the learner's words


def test_learner_notes_are_shown_to_superusers(superuser_client, noted_roadmap):
    content = page(superuser_client, roadmap_url("inspect", noted_roadmap.pk))

    for text in (NOTE, MASTERY_NOTE, GOAL):
        assert text in content
    assert "is hidden" not in content


def test_inspect_lists_the_jobs_that_made_and_regenerated_the_roadmap(
    curator_client, roadmap
):
    made = make_job(
        roadmap,
        roadmap=roadmap,
        version=roadmap.current,
        state=JobState.SUCCEEDED,
        timings={"plan": 12.5, "snapshot": 1.25},
    )
    failed = make_job(
        roadmap,
        regenerates=roadmap,
        base_version=1,
        state=JobState.FAILED,
        error="Stage rank failed: no resource for py-loops",
    )
    unrelated = make_job(roadmap_plan(UserFactory(username="other")), state="queued")

    content = page(curator_client, roadmap_url("inspect", roadmap.pk))

    assert job_url("inspect", made.pk) in content
    assert job_url("inspect", failed.pk) in content
    assert job_url("inspect", unrelated.pk) not in content
    assert "snapshot 1.3, plan 12.5" in content  # in the order the stages ran
    assert "Stage rank failed: no resource for py-loops" in content
    assert "regenerates from v1" in content


# -- planning jobs -------------------------------------------------------------------------
def test_the_job_listing_shows_state_stage_and_roadmap_and_filters_by_state(
    curator_client, roadmap
):
    running = make_job(
        roadmap, regenerates=roadmap, state="running", stage="rank", percent=50
    )
    done = make_job(roadmap, roadmap=roadmap, state=JobState.SUCCEEDED, percent=100)

    content = page(curator_client, job_url("index"))
    assert "Running" in content and "rank" in content and "50%" in content
    assert roadmap_url("inspect", roadmap.pk) in content  # linked from both rows

    running_only = page(curator_client, f"{job_url('index')}?state=running")
    assert job_url("inspect", running.pk) in running_only
    assert job_url("inspect", done.pk) not in running_only


def test_job_inspect_shows_the_error_of_a_failed_job(curator_client, roadmap):
    now = timezone.now()
    job = make_job(
        roadmap,
        regenerates=roadmap,
        base_version=1,
        state=JobState.FAILED,
        stage="validate",
        attempts=3,
        error="Gave up after 3 attempts. Last error: Stage validate failed: rule dag",
        lease_expires_at=now + timedelta(seconds=30),
        heartbeat_at=now,
        started_at=now,
        finished_at=now,
    )

    content = page(curator_client, job_url("inspect", job.pk))

    assert "Why it failed" in content
    assert (
        "Gave up after 3 attempts. Last error: Stage validate failed: rule dag"
        in content
    )
    assert "3 of at most 3" in content
    assert "Lease expires at" in content and "Heartbeat at" in content
    assert roadmap_url("inspect", roadmap.pk) in content


def test_job_inspect_shows_milliseconds_per_stage_in_order(curator_client, roadmap):
    timings = {
        "store": 4.5,
        "wording": 0.25,
        "plan": 12.125,
        "normalize": 0.5,
        "snapshot": 3.0,
        "rank": 6.0,
    }
    job = make_job(
        roadmap,
        roadmap=roadmap,
        version=roadmap.current,
        state=JobState.SUCCEEDED,
        timings=timings,
    )

    content = page(curator_client, job_url("inspect", job.pk))

    positions = [
        content.index(f"<td>{stage}</td>")
        for stage in ("snapshot", "normalize", "plan", "rank", "wording", "store")
    ]
    assert positions == sorted(positions)
    assert "12.125" in content and "26.375" in content  # the total
    assert "Version 1" in content
