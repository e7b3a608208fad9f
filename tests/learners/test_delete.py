"""Deleting an account: the page, the confirmation, and that nothing of the
learner remains (rows per model, files in storage, votes in the catalog's
counts) while another learner's data is untouched."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

import pytest
from allauth.account.models import EmailAddress
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from catalog.models import Resource
from learners.models import Answer, ClarifyingQuestion, LearnerProfile
from learners.roles import PARTNERS_GROUP
from learners.services import account_delete
from planner.models import PlanningJob
from roadmaps.models import (
    ResourceFeedback,
    Roadmap,
    RoadmapExport,
    RoadmapStep,
    RoadmapUserObjectPermission,
    RoadmapVersion,
    StepResource,
)
from roadmaps.services import resource_feedback_set
from roadmaps.services.export import roadmap_export
from roadmaps.services.sharing import roadmap_share_grant
from tests.factories import UserFactory
from tests.roadmaps.conftest import roadmap_plan
from wayfinder.errors import Conflict

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
DELETE = "/accounts/delete/"


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path) -> Path:
    location = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def owned_rows(user) -> dict[str, int]:
    """Rows per model that belong to ``user``."""
    return {
        "user": get_user_model().objects.filter(pk=user.pk).count(),
        "email addresses": EmailAddress.objects.filter(user=user).count(),
        "profiles": LearnerProfile.objects.filter(owner=user).count(),
        "questions": ClarifyingQuestion.objects.filter(profile__owner=user).count(),
        "answers": Answer.objects.filter(question__profile__owner=user).count(),
        "jobs": PlanningJob.objects.filter(owner=user).count(),
        "roadmaps": Roadmap.objects.filter(owner=user).count(),
        "versions": RoadmapVersion.objects.filter(roadmap__owner=user).count(),
        "steps": RoadmapStep.objects.filter(version__roadmap__owner=user).count(),
        "step resources": StepResource.objects.filter(
            step__version__roadmap__owner=user
        ).count(),
        "exports": RoadmapExport.objects.filter(roadmap__owner=user).count(),
        "shares": RoadmapUserObjectPermission.objects.filter(
            content_object__owner=user
        ).count(),
        "votes": ResourceFeedback.objects.filter(learner=user).count(),
        "api tokens": OutstandingToken.objects.filter(user=user).count(),
    }


def learner_with_everything(username: str, partner) -> tuple:
    """A learner with a roadmap, a question answered, an export, a share, a
    vote, a confirmed email address and an API token."""
    user = UserFactory(username=username)
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    roadmap = roadmap_plan(user)
    question = ClarifyingQuestion.objects.create(
        profile=roadmap.profile,
        question_id="placement:python-loops",
        kind="placement",
        text="Do you know loops?",
        reason="Decides whether loops are in the plan.",
        order=1,
    )
    Answer.objects.create(question=question, value="yes")
    PlanningJob.objects.create(
        owner=user,
        profile=roadmap.profile,
        profile_hash="0" * 64,
        catalog_version=1,
        state="succeeded",
        roadmap=roadmap,
    )
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=user)
    roadmap_share_grant(roadmap_id=roadmap.pk, partner=partner.username, actor=user)
    row = StepResource.objects.filter(step__version=roadmap.current_id).first()
    resource_feedback_set(
        roadmap_id=roadmap.pk,
        step_id=row.step_id,
        resource_id=row.pk,
        actor=user,
        helpful=True,
    )
    RefreshToken.for_user(user)
    return user, roadmap, ticket, row.resource_id


@pytest.fixture
def partner(db):
    user = UserFactory(username="acme")
    user.groups.add(Group.objects.get_or_create(name=PARTNERS_GROUP)[0])
    return user


def test_delete_page_explains_what_goes(client):
    client.force_login(UserFactory())
    html = client.get(DELETE).content.decode()
    assert html.count("<h1") == 1
    for words in ("profiles", "roadmaps", "version", "exports", "shared", "votes"):
        assert words in html
    assert 'for="id_email"' in html and 'for="id_password"' in html


def test_delete_page_needs_a_signed_in_user(client):
    response = client.get(DELETE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/delete/"


def test_deletion_removes_everything_of_the_learner_and_nothing_else(
    client, small_catalog, partner, exports_dir, django_capture_on_commit_callbacks
):
    user, _, _, resource_id = learner_with_everything("ada", partner)
    other, other_roadmap, _, other_resource_id = learner_with_everything("bob", partner)
    assert resource_id == other_resource_id  # both voted on the same resource
    before = owned_rows(user)
    assert all(before.values()), before
    other_before = owned_rows(other)
    files = sorted(p.relative_to(exports_dir) for p in exports_dir.rglob("*.json"))
    assert len(files) == 2
    assert Resource.objects.get(pk=resource_id).feedback_up == 2

    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            DELETE, {"email": user.email.upper(), "password": PASSWORD}
        )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/goodbye/"
    assert owned_rows(user) == dict.fromkeys(before, 0)
    assert owned_rows(other) == other_before
    remaining = [p.relative_to(exports_dir) for p in exports_dir.rglob("*.json")]
    assert remaining == [
        Path(f"roadmaps/{other_roadmap.pk}")
        / Path(RoadmapExport.objects.get(roadmap=other_roadmap).file.name).name
    ]
    assert Resource.objects.get(pk=resource_id).feedback_up == 1
    # The partner keeps the other learner's share, and only that one.
    assert RoadmapUserObjectPermission.objects.filter(user=partner).count() == 2
    # Signed out, and the goodbye page says so.
    assert client.session.get("_auth_user_id") is None
    goodbye = client.get("/accounts/goodbye/").content.decode()
    assert "Your account is deleted" in goodbye
    assert "Sign in" in goodbye


def test_wrong_email_or_password_deletes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(DELETE, {"email": "someone@else.org", "password": "nope"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert 'id="id_password_error"' in html
    assert "This password is not correct." in html
    assert get_user_model().objects.filter(pk=user.pk).exists()
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_an_empty_confirmation_is_a_form_error_not_a_500(client):
    client.force_login(UserFactory())
    response = client.post(DELETE, {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_and_superusers_cannot_delete_themselves_here(client, flag):
    user = UserFactory(**{flag: True})
    client.force_login(user)
    page = client.get(DELETE).content.decode()
    assert "cannot be deleted here" in page
    assert 'name="password"' not in page
    response = client.post(DELETE, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 409
    assert get_user_model().objects.filter(pk=user.pk).exists()
    with pytest.raises(Conflict):
        account_delete(user=user)


def test_a_failed_deletion_keeps_rows_and_files(
    small_catalog, partner, exports_dir, django_capture_on_commit_callbacks
):
    user, *_ = learner_with_everything("ada", partner)
    before = owned_rows(user)

    def refuse(_user) -> None:
        raise RuntimeError("the storage said no")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        account_delete(user=user, erasers=[refuse])
    assert callbacks == []
    assert owned_rows(user) == before
    assert len(list(exports_dir.rglob("*.json"))) == 1


def test_the_service_reports_rows_and_files(
    small_catalog, partner, django_capture_on_commit_callbacks
):
    user, *_ = learner_with_everything("ada", partner)
    with django_capture_on_commit_callbacks(execute=True):
        deletion = account_delete(user=user)
    assert deletion.files == 1
    assert deletion.rows["roadmaps.Roadmap"] == 1
    assert deletion.rows["auth.User"] == 1


def test_delete_page_query_count(client, django_assert_max_num_queries):
    client.force_login(UserFactory())
    with django_assert_max_num_queries(5):
        assert client.get(DELETE).status_code == 200
