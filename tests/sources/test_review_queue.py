"""The review queue in the admin: accept, reject, defer, duplicates and bulk
actions, through the admin's own URLs with the real database."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from catalog.models import Provider, Resource
from sources.canonical import url_canonical
from sources.models import Candidate, CandidateStatus, DuplicateKind, RejectedUrl
from tests.admin import curator_user, learner_user
from tests.factories import ResourceFactory, TopicFactory, UserFactory

from .helpers import make_candidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator(client):
    client.force_login(curator_user())
    return client


@pytest.fixture
def topic():
    return TopicFactory(slug="recursion", name="Recursion", level="intermediate")


def review_url(candidate: Candidate) -> str:
    return reverse("sources_admin:review", args=[candidate.pk])


def list_url() -> str:
    return reverse(Candidate.snippet_viewset.get_url_name("list"))


def bulk_url(action: str, *candidates: Candidate) -> str:
    ids = "&".join(f"id={c.pk}" for c in candidates)
    return (
        reverse("wagtail_bulk_action", args=["sources", "candidate", action])
        + f"?{ids}&next={list_url()}"
    )


def test_accepting_makes_a_curated_resource_and_opens_its_form(curator, topic):
    candidate = make_candidate(
        topic,
        url="https://openlibrary.org/works/OL1W",
        title="Thinking Recursively",
        description="By Eric Roberts.",
        language="",
        gap_language="fr",
    )

    response = curator.post(review_url(candidate), {"action": "accept"})

    resource = Resource.objects.get(title="Thinking Recursively")
    edit = reverse(Resource.snippet_viewset.get_url_name("edit"), args=[resource.pk])
    assert response.status_code == 302 and response["Location"] == edit
    assert resource.slug == "thinking-recursively"
    assert resource.provider == Provider.objects.get(slug="open-library")
    assert resource.format == "book"
    assert resource.language == "fr"  # the gap's, as the source said nothing
    assert resource.difficulty == "intermediate"
    assert resource.duration_minutes == 600  # a first guess for a book
    assert resource.description == "By Eric Roberts."
    assert list(resource.topic_coverage.values_list("topic", "coverage")) == [
        (topic.pk, Decimal("1.00"))
    ]
    assert resource.primary_url == "https://openlibrary.org/works/OL1W"
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.ACCEPTED
    assert candidate.resource == resource
    assert candidate.reviewed_by.username == "curator"
    # The normal resource form opens on it.
    assert curator.get(edit).status_code == 200


def test_a_second_accept_reuses_the_provider_and_a_free_slug(curator, topic):
    first = make_candidate(topic, title="Recursion", url="https://a.example.org/1")
    second = make_candidate(topic, title="Recursion", url="https://a.example.org/2")
    curator.post(review_url(first), {"action": "accept"})
    curator.post(review_url(second), {"action": "accept"})
    assert sorted(Resource.objects.values_list("slug", flat=True)) == [
        "recursion",
        "recursion-2",
    ]
    assert Provider.objects.filter(slug="open-library").count() == 1


def test_a_url_already_in_the_catalog_cannot_be_accepted(curator, topic):
    existing = ResourceFactory(
        primary_url="https://www.example.org/sicp/", topics=[topic]
    )
    candidate = make_candidate(
        topic,
        url="https://example.org/sicp",
        duplicate=DuplicateKind.URL,
        duplicate_of=existing,
    )

    response = curator.post(review_url(candidate), {"action": "accept"})

    assert response.status_code == 409
    assert "already in the catalog" in response.content.decode()
    assert Resource.objects.count() == 1
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING


def test_the_review_page_flags_the_duplicate(curator, topic):
    existing = ResourceFactory(title="Recursion, explained", topics=[topic])
    candidate = make_candidate(
        topic,
        title="Recursion explained",
        duplicate=DuplicateKind.TITLE,
        duplicate_of=existing,
    )
    page = curator.get(review_url(candidate)).content.decode()
    assert "Possible duplicate (near-identical title)" in page
    assert "Recursion, explained" in page
    assert "Suggested, not yet reviewed" in page


def test_rejecting_needs_a_reason(curator, topic):
    candidate = make_candidate(topic)
    response = curator.post(review_url(candidate), {"action": "reject", "reason": " "})
    assert response.status_code == 400
    assert "Say why the candidate is rejected." in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING
    assert not RejectedUrl.objects.exists()


def test_rejecting_remembers_the_url_for_every_topic(curator, topic):
    url = "https://example.org/spam?utm_source=x"
    candidate = make_candidate(topic, url=url)
    elsewhere = make_candidate(TopicFactory(), url="http://www.example.org/spam/")

    response = curator.post(
        review_url(candidate), {"action": "reject", "reason": "Advertising"}
    )

    assert response.status_code == 302 and response["Location"] == list_url()
    rejected = RejectedUrl.objects.get()
    assert rejected.canonical_url == url_canonical(url) == "example.org/spam"
    assert rejected.reason == "Advertising"
    for row in (candidate, elsewhere):
        row.refresh_from_db()
        assert row.status == CandidateStatus.REJECTED
        assert row.reject_reason == "Advertising"


def test_deferring_keeps_the_candidate_open(curator, topic):
    candidate = make_candidate(topic)
    response = curator.post(review_url(candidate), {"action": "defer"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DEFERRED
    # Still open: it can be accepted later.
    curator.post(review_url(candidate), {"action": "accept"})
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.ACCEPTED


def test_a_reviewed_candidate_cannot_be_reviewed_again(curator, topic):
    candidate = make_candidate(topic)
    curator.post(review_url(candidate), {"action": "reject", "reason": "No"})
    response = curator.post(review_url(candidate), {"action": "accept"})
    assert response.status_code == 409
    assert not Resource.objects.exists()


def test_an_unknown_action_is_bad_input(curator, topic):
    response = curator.post(review_url(make_candidate(topic)), {"action": "publish"})
    assert response.status_code == 400


def test_learners_cannot_review(client, topic):
    client.force_login(learner_user())
    candidate = make_candidate(topic)
    response = client.post(review_url(candidate), {"action": "accept"})
    # Learners are sent out of the admin before any view runs.
    assert response.status_code == 302
    assert not Resource.objects.exists()
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING


def test_admin_users_without_the_review_permission_are_refused(client, topic):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="editor")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    candidate = make_candidate(topic)
    topic_find = reverse("sources_admin:topic_find", args=[topic.pk])
    # The admin answers a PermissionDenied with a redirect to its dashboard.
    for response in (
        client.get(review_url(candidate)),
        client.post(review_url(candidate), {"action": "accept"}),
        client.post(topic_find),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING
    assert not Resource.objects.exists()


def test_the_listing_costs_the_same_queries_however_many_candidates(curator, topic):
    existing = ResourceFactory(topics=[topic])

    def add(count: int) -> None:
        for _ in range(count):
            n = Candidate.objects.count()
            make_candidate(
                topic,
                url=f"https://example.org/{n}",
                duplicate=DuplicateKind.URL if n % 3 == 0 else "",
                duplicate_of=existing if n % 3 == 0 else None,
            )

    def listing_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = curator.get(list_url())
        assert response.status_code == 200
        return len(queries), response.content.decode()

    add(3)
    few, _ = listing_queries()
    add(27)
    many, page = listing_queries()

    assert many == few
    assert many <= 25
    assert "Same URL" in page
    assert reverse("sources_admin:review", args=[Candidate.objects.first().pk]) in page
    # Bulk actions are offered on the listing.
    assert "/admin/bulk/sources/candidate/accept/" in page
    assert "/admin/bulk/sources/candidate/reject/" in page


def test_the_listing_searches_and_filters(curator, topic):
    make_candidate(topic, title="Structure and Interpretation", source="openlibrary")
    make_candidate(topic, title="Recursion repo", source="github")
    found = curator.get(list_url(), {"q": "interpretation"}).content.decode()
    assert "Structure and Interpretation" in found
    assert "Recursion repo" not in found
    filtered = curator.get(list_url(), {"source": "github"}).content.decode()
    assert "Recursion repo" in filtered
    assert "Structure and Interpretation" not in filtered


def test_correcting_the_url_moves_its_canonical_form(curator, topic):
    candidate = make_candidate(topic, url="https://example.org/old")
    edit = reverse(Candidate.snippet_viewset.get_url_name("edit"), args=[candidate.pk])
    response = curator.post(
        edit,
        {
            "title": candidate.title,
            "url": "https://www.example.org/new/",
            "provider_name": candidate.provider_name,
            "description": "",
            "format": "book",
            "language": "en",
            "duration_minutes": "",
        },
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.canonical_url == "example.org/new"


def test_the_catalog_menu_links_the_review_queue(curator):
    page = curator.get(reverse("wagtailadmin_home")).content.decode()
    assert list_url() in page


def test_bulk_reject_asks_for_one_reason(curator, topic):
    first, second = make_candidate(topic), make_candidate(topic)
    confirm = curator.get(bulk_url("reject", first, second))
    assert confirm.status_code == 200
    assert 'name="reason"' in confirm.content.decode()

    refused = curator.post(bulk_url("reject", first, second), {"reason": ""})
    assert refused.status_code == 200
    assert "Say why the candidates are rejected." in refused.content.decode()
    assert Candidate.objects.filter(status=CandidateStatus.PENDING).count() == 2

    done = curator.post(bulk_url("reject", first, second), {"reason": "Too shallow"})
    assert done.status_code == 302
    assert set(Candidate.objects.values_list("status", "reject_reason")) == {
        (CandidateStatus.REJECTED, "Too shallow")
    }
    assert RejectedUrl.objects.count() == 2


def test_bulk_accept_accepts_what_it_can_and_says_what_it_could_not(curator, topic):
    existing = ResourceFactory(primary_url="https://example.org/taken", topics=[topic])
    fine = make_candidate(topic, url="https://example.org/new", title="New one")
    taken = make_candidate(topic, url="https://example.org/taken", title="Taken")

    response = curator.post(bulk_url("accept", fine, taken), follow=True)

    page = response.content.decode()
    assert "Accepted 1 candidate." in page
    assert "Taken: https://example.org/taken is already in the catalog" in page
    fine.refresh_from_db()
    taken.refresh_from_db()
    assert fine.status == CandidateStatus.ACCEPTED and fine.resource is not None
    assert taken.status == CandidateStatus.PENDING
    assert set(Resource.objects.values_list("pk", flat=True)) == {
        existing.pk,
        fine.resource_id,
    }


def test_bulk_defer(curator, topic):
    candidates = [make_candidate(topic) for _ in range(3)]
    response = curator.post(bulk_url("defer", *candidates))
    assert response.status_code == 302
    assert set(Candidate.objects.values_list("status", flat=True)) == {
        CandidateStatus.DEFERRED
    }
