"""The onboarding wizard through the Django client on PostgreSQL: each
screen with and without htmx, Back and Skip, the planner's messages inline,
the review, sign-up with the answers kept, the clarifying questions.

On the small catalog of the planner's tests (``python``: setup -> variables
-> loops -> functions -> classes; tracks ``python-basics`` and
``python-objects``).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from learners.models import Answer, ClarifyingQuestion, LearnerProfile
from planner.models import PlanningJob
from planner.views import SCREENS, SESSION_KEY
from tests.factories import UserFactory
from tests.planner.conftest import (
    small_catalog_build,
    small_catalog_levels,
)

HX = {"HTTP_HX_REQUEST": "true"}
LATER = (timezone.localdate() + timedelta(days=300)).isoformat()
#: What a learner answers on each screen to get a profile with no questions.
GOOD = {
    "subject": {"subject": "python"},
    "goal": {"track": "python-basics"},
    "level": {"level": "beginner"},
    "known": {"known": ["py-setup"]},
    "hours": {"weekly_hours": "5"},
    "deadline": {"deadline": LATER},
    "language": {"language": "en"},
    "preferences": {"formats_liked": ["video"], "cost": "free"},
    "age": {"age_range": "adult"},
}


@pytest.fixture
def catalog(db):
    return small_catalog_build()


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


def screen_url(slug: str) -> str:
    return reverse("onboarding:screen", args=[slug])


def answered(client, **overrides) -> None:
    """Go through every screen (plain POSTs), ``overrides`` replacing a
    screen's answer."""
    for screen in SCREENS:
        data = overrides.get(screen.slug, GOOD[screen.slug])
        response = client.post(screen_url(screen.slug), data)
        if screen.slug == "language" and response.status_code == 200:
            # The language notice, shown once: Continue goes on.
            response = client.post(screen_url(screen.slug), data)
        assert response.status_code == 302, (screen.slug, response.content[:2000])


def session_answers(client) -> dict:
    return client.session.get(SESSION_KEY, {})


# -- the screens ---------------------------------------------------------------------
def test_start_goes_to_the_subject_screen_and_a_subject_link_skips_ahead(
    client, catalog
):
    assert client.get("/onboarding/")["Location"] == screen_url("subject")
    answer = client.get("/onboarding/?subject=python")
    assert answer["Location"] == screen_url("goal")
    assert session_answers(client) == {"subject": "python"}
    # An unknown subject is not chosen: the first screen asks.
    assert client.get("/onboarding/?subject=cobol")["Location"] == screen_url("subject")


@pytest.mark.parametrize("screen", [s.slug for s in SCREENS])
def test_every_screen_renders_a_page_and_for_htmx_the_region_alone(
    client, catalog, screen
):
    client.get("/onboarding/?subject=python")
    page = client.get(screen_url(screen))
    assert page.status_code == 200
    html = page.content.decode()
    position = [s.slug for s in SCREENS].index(screen) + 1
    assert f"Step {position} of {len(SCREENS)}" in html
    assert html.count("<h1") == 1 and "autofocus" in html
    assert "<html" in html and 'id="wizard"' in html
    assert ("Skip this question" in html) == SCREENS[position - 1].optional
    assert (">Back<" in html) == (position > 1)
    assert page["Vary"] and "HX-Request" in page["Vary"]

    fragment = client.get(screen_url(screen), **HX)
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in body and body.count('id="wizard"') == 1
    assert f"Step {position} of {len(SCREENS)}" in body
    assert "<title>" in body  # htmx updates the document's title from it
    # Reached by htmx (after a POST's redirect), the address follows.
    assert fragment["HX-Push-Url"] == screen_url(screen)


@pytest.mark.parametrize("screen", [s.slug for s in SCREENS])
def test_every_screen_posts_its_answer_with_and_without_htmx(client, catalog, screen):
    client.get("/onboarding/?subject=python")
    position = [s.slug for s in SCREENS].index(screen)
    following = (
        screen_url(SCREENS[position + 1].slug)
        if position + 1 < len(SCREENS)
        else reverse("onboarding:review")
    )
    plain = client.post(screen_url(screen), GOOD[screen])
    assert plain.status_code == 302 and plain["Location"] == following
    # htmx follows the redirect and swaps in the next screen's region.
    swapped = client.post(screen_url(screen), GOOD[screen], follow=True, **HX)
    assert swapped.redirect_chain == [(following, 302)]
    assert 'id="wizard"' in swapped.content.decode()
    assert "<html" not in swapped.content.decode()


def test_screens_before_a_subject_is_chosen_send_back_to_the_subject(client, catalog):
    assert client.get(screen_url("goal"))["Location"] == screen_url("subject")
    assert client.get(screen_url("nowhere")).status_code == 404


def test_goal_screen_lists_the_subjects_tracks_with_hours(client, catalog):
    client.get("/onboarding/?subject=python")
    html = client.get(screen_url("goal")).content.decode()
    assert "What is your goal in Python programming?" in html
    assert "Python basics" in html and "Object-oriented Python" in html
    assert "hours for a beginner" in html
    assert "Something else: I will describe it" in html


def test_back_keeps_the_answers_given(client, catalog):
    client.get("/onboarding/?subject=python")
    client.post(screen_url("goal"), {"track": "python-objects"})
    client.post(screen_url("level"), {"level": "intermediate"})
    client.post(screen_url("known"), {"known_text": "Setup, Loops"})
    # Back from "hours" to "known", then "level", then "goal": all prefilled.
    hours = client.get(screen_url("hours")).content.decode()
    assert f'href="{screen_url("known")}"' in hours
    known = client.get(screen_url("known"), **HX).content.decode()
    assert 'value="Setup, Loops"' in known
    level = client.get(screen_url("level")).content.decode()
    assert 'value="intermediate" checked' in level
    goal = client.get(screen_url("goal")).content.decode()
    assert 'value="python-objects" checked' in goal


def test_skip_clears_an_optional_answer_and_moves_on(client, catalog):
    client.get("/onboarding/?subject=python")
    client.post(screen_url("deadline"), {"deadline": LATER})
    assert session_answers(client)["deadline"] == LATER
    skipped = client.post(screen_url("deadline"), {"deadline": LATER, "skip": "1"})
    assert skipped["Location"] == screen_url("language")
    assert "deadline" not in session_answers(client)
    # Skip on a required question is not a skip: the answer is checked.
    refused = client.post(screen_url("hours"), {"skip": "1"})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("screen", "data", "field_id", "message"),
    [
        (
            "hours",
            {"weekly_hours": "100"},
            "id_weekly_hours",
            "Must be between 0.5 and 80 hours a week.",
        ),
        ("hours", {"weekly_hours": ""}, "id_weekly_hours", "Tell us how many hours"),
        ("deadline", {"deadline": "2020-01-01"}, "id_deadline", "is in the past."),
        ("deadline", {"deadline": "soon"}, "id_deadline", "Enter a date"),
        (
            "goal",
            {"track": "other", "goal_text": "x" * 501},
            "id_goal_text",
            "at most 500 characters",
        ),
        ("goal", {}, "id_track", "Choose a goal, or describe it"),
        ("known", {"known_text": "Quantum loops"}, "id_known_text", "Unknown topic"),
        (
            "preferences",
            {"formats_liked": ["video"], "formats_disliked": ["video"]},
            "id_formats_disliked",
            "Video cannot be both liked and disliked.",
        ),
        ("preferences", {"likes": "Quantum loops"}, "id_likes", "Unknown topic"),
        (
            "preferences",
            {"likes": "x" * 1001},
            "id_likes",
            "at most 1000 characters",
        ),
        (
            "age",
            {"age_range": "child"},
            "id_age_range",
            "no resources for ages under 13",
        ),
        ("subject", {"subject": "cobol"}, "id_subject", "Select a valid choice"),
    ],
)
def test_the_planners_objection_shows_next_to_the_field(
    client, catalog, screen, data, field_id, message
):
    client.get("/onboarding/?subject=python")
    for htmx in ({}, HX):
        response = client.post(screen_url(screen), data, **htmx)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert f'id="{field_id}-error"' in html
        assert 'aria-invalid="true"' in html
        # The id on the message, and aria-describedby pointing at it.
        assert html.count(f'{field_id}-error"') >= 2
    assert set(session_answers(client)) == {"subject"}


def test_a_goal_matching_no_track_is_kept_for_the_goal_question(client, catalog):
    # Never a refusal: the planner asks which track is closest later on.
    client.get("/onboarding/?subject=python")
    page = client.get(screen_url("goal")).content.decode()
    assert 'maxlength="500"' in page and "at most 500 characters" in page
    response = client.post(
        screen_url("goal"), {"track": "other", "goal_text": "juggle torches"}
    )
    assert response.status_code in (200, 302)
    assert session_answers(client)["goals"] == "juggle torches"


def test_a_new_subject_clears_the_answers_that_depend_on_it(client, catalog):
    from tests.factories import SubjectFactory, TrackFactory

    go = SubjectFactory(slug="go", name="Go")
    TrackFactory(slug="go-basics", subject=go, name="Go basics", targets=[])
    client.get("/onboarding/?subject=python")
    client.post(screen_url("goal"), {"track": "python-basics"})
    client.post(screen_url("hours"), {"weekly_hours": "6"})
    client.post(screen_url("subject"), {"subject": "go"})
    assert session_answers(client) == {"subject": "go", "weekly_hours": "6"}


def test_language_defaults_to_the_browsers_language(client, catalog):
    client.get("/onboarding/?subject=python")
    html = client.get(screen_url("language"), HTTP_ACCEPT_LANGUAGE="es").content
    assert b'<option value="es" selected>' in html


def test_liked_technologies_are_asked_kept_and_shown_again(client, catalog):
    client.get("/onboarding/?subject=python")
    page = client.get(screen_url("preferences")).content.decode()
    assert "Technologies you like (optional)" in page
    assert 'maxlength="1000"' in page and 'aria-describedby="id_likes-help"' in page
    answer = {**GOOD["preferences"], "likes": " Loops, py-classes "}
    assert client.post(screen_url("preferences"), answer).status_code == 302
    # Kept as typed (the planner reads names and slugs alike).
    assert session_answers(client)["likes"] == "Loops, py-classes"
    again = client.get(screen_url("preferences"), **HX).content.decode()
    assert 'value="Loops, py-classes"' in again
    # Skipping the screen clears them with the other preferences.
    client.post(screen_url("preferences"), {"skip": "1"})
    assert "likes" not in session_answers(client)


# -- the language notice ---------------------------------------------------------------
GAP = "Python programming has no resources in Japanese yet: your plan will use"


def test_a_language_without_resources_brings_a_notice_once_then_goes_on(
    client, catalog
):
    client.get("/onboarding/?subject=python")
    for htmx in ({}, HX):
        client.post(screen_url("language"), {"language": "en"})
        chosen = client.post(screen_url("language"), {"language": "ja"}, **htmx)
        # Not an error: the answer is kept and the notice takes the focus.
        assert chosen.status_code == 200
        html = chosen.content.decode()
        assert GAP in html and 'role="status"' in html
        assert 'id="wizard-notice" role="status" tabindex="-1" autofocus' in html
        assert 'id="wizard-heading" tabindex="-1">' in html
        assert '<option value="ja" selected>' in html
        assert "errorlist" not in html
        assert session_answers(client)["language"] == "ja"
        # Continue with the same language goes on.
        on = client.post(screen_url("language"), {"language": "ja"})
        assert on["Location"] == screen_url("preferences")
    # Coming back, the notice is there (the heading has the focus).
    back = client.get(screen_url("language")).content.decode()
    assert GAP in back and 'id="wizard-heading" tabindex="-1" autofocus' in back
    assert 'id="wizard-notice" role="status" tabindex="-1">' in back
    # A language with resources goes straight on, without a notice.
    en = client.post(screen_url("language"), {"language": "en"})
    assert en["Location"] == screen_url("preferences")
    assert GAP not in client.get(screen_url("language")).content.decode()


def test_the_browsers_language_without_resources_shows_the_notice_at_once(
    client, catalog
):
    client.get("/onboarding/?subject=python")
    page = client.get(screen_url("language"), HTTP_ACCEPT_LANGUAGE="ja")
    assert GAP in page.content.decode()
    # Already shown: Continue goes on.
    on = client.post(
        screen_url("language"), {"language": "ja"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert on["Location"] == screen_url("preferences")


def test_review_shows_the_language_notice_and_the_liked_technologies(
    client, catalog, learner
):
    answered(
        client,
        language={"language": "ja"},
        preferences={"likes": "Loops"},
    )
    html = client.get(reverse("onboarding:review")).content.decode()
    assert "Japanese" in html and GAP in html
    assert "Technologies you like: Loops" in html
    assert "Some answers need a change" not in html
    client.force_login(learner)
    client.post(reverse("onboarding:review"))
    profile = LearnerProfile.objects.get(owner=learner)
    assert profile.raw_answers["likes"] == "Loops"
    assert profile.raw_answers["language"] == "ja"


# -- the review ------------------------------------------------------------------------
def test_review_lists_every_answer_with_a_change_link(client, catalog):
    answered(client)
    html = client.get(reverse("onboarding:review")).content.decode()
    for shown in (
        "Python programming",
        "Python basics",
        "Beginner",
        "Setup",
        "5 hours a week",
        LATER,
        "English",
        "Likes Video; Free only",
        "18 and over",
    ):
        assert shown in html, shown
    assert html.count(">Change<") == len(SCREENS)
    change = screen_url("hours") + "?return=review"
    assert change in html
    # Changing an answer from the review comes back to the review.
    back = client.post(change, {"weekly_hours": "7.5", "return": "review"})
    assert back["Location"] == reverse("onboarding:review")


def test_review_names_missing_answers_and_refuses_to_build(client, catalog, learner):
    client.get("/onboarding/?subject=python")
    client.force_login(learner)
    page = client.post(reverse("onboarding:review"))
    assert page.status_code == 400
    assert "Some answers need a change" in page.content.decode()
    assert not LearnerProfile.objects.exists()


def test_anonymous_is_sent_to_sign_up_and_the_answers_survive_sign_in(
    client, catalog, learner
):
    answered(client)
    before = session_answers(client)
    review = reverse("onboarding:review")
    sent = client.post(review)
    assert sent.status_code == 302
    assert (
        sent["Location"]
        == f"{reverse('account_signup')}?next=%2Fonboarding%2Freview%2F"
    )
    htmx = client.post(review, **HX)
    assert htmx["HX-Redirect"] == sent["Location"]
    page = client.get(review).content.decode()
    assert "?next=%2Fonboarding%2Freview%2F" in page and "Sign up" in page
    assert not LearnerProfile.objects.exists()

    client.force_login(learner)
    assert session_answers(client) == before
    built = client.post(review, **HX)
    profile = LearnerProfile.objects.get(owner=learner)
    assert (profile.subject_slug, profile.track.slug, profile.level) == (
        "python",
        "python-basics",
        "beginner",
    )
    assert [t.slug for t in profile.known_topics.all()] == ["py-setup"]
    assert profile.formats_liked == ["video"] and profile.cost_preference == "free_only"
    # No question for this profile: straight to the planning job.
    job = PlanningJob.objects.get(profile=profile)
    assert built["HX-Redirect"] == reverse("jobs:detail", args=[job.pk])
    assert SESSION_KEY not in client.session


def test_signed_in_without_htmx_is_redirected_to_the_job(client, catalog, learner):
    client.force_login(learner)
    answered(client)
    built = client.post(reverse("onboarding:review"))
    job = PlanningJob.objects.get(owner=learner)
    assert built.status_code == 302
    assert built["Location"] == reverse("jobs:detail", args=[job.pk])


# -- clarifying questions ----------------------------------------------------------------
@pytest.fixture
def asked(client, catalog, learner):
    """A signed-in learner who says "intermediate" and knows nothing: the
    planner places them with questions."""
    small_catalog_levels(catalog, "intermediate")
    client.force_login(learner)
    answered(client, level={"level": "intermediate"}, known={"skip": "1"})
    built = client.post(reverse("onboarding:review"))
    profile = LearnerProfile.objects.get(owner=learner)
    url = reverse("onboarding:questions", args=[profile.pk])
    assert built["Location"] == url
    return profile, url


def test_a_question_shows_why_it_is_asked_and_its_options(client, asked):
    profile, url = asked
    for htmx in ({}, HX):
        page = client.get(url, **htmx)
        html = page.content.decode()
        question = ClarifyingQuestion.objects.get(profile=profile)
        assert page.status_code == 200
        assert question.text in html and "Why we ask" in html
        assert question.reason.split(": ", 1)[-1][1:] in html
        assert "Question 1 of up to 3" in html
        assert "Skip this question" in html
        for option in question.options:
            assert f'value="{option["value"]}"' in html


def test_answers_and_skips_are_recorded_then_the_job_is_queued(client, asked):
    profile, url = asked
    first = ClarifyingQuestion.objects.get(profile=profile)
    nothing = client.post(url, {})
    assert nothing.status_code == 400
    assert "Choose an answer, or skip this question." in nothing.content.decode()
    bad = client.post(url, {"value": "perhaps"})
    assert bad.status_code == 400 and not Answer.objects.exists()

    answer = client.post(url, {"value": "yes"}, **HX, follow=True)
    assert Answer.objects.get(question=first).value == "yes"
    second = ClarifyingQuestion.objects.get(profile=profile, order=2)
    assert second.text in answer.content.decode()
    assert "Question 2 of up to 3" in answer.content.decode()

    for _ in range(3):
        response = client.post(url, {"skip": "1"})
        if "jobs" in response["Location"]:
            break
    job = PlanningJob.objects.get(profile=profile)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert Answer.objects.filter(question__profile=profile, skipped=True).exists()
    # Nothing left to ask: the page offers to build, and building is the same job.
    assert "Ready to build your roadmap" in client.get(url).content.decode()
    again = client.post(url, {"build": "1"})
    assert again["Location"] == reverse("jobs:detail", args=[job.pk])
    assert PlanningJob.objects.count() == 1


def test_someone_elses_profile_is_404_and_anonymous_signs_in(client, asked):
    profile, url = asked
    client.force_login(UserFactory(username="stranger"))
    assert client.get(url).status_code == 404
    assert client.post(url, {"skip": "1"}).status_code == 404
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("account_login"))


# -- queries --------------------------------------------------------------------------
def test_pages_run_a_bounded_number_of_queries(client, asked):
    profile, url = asked
    answered(client)  # the snapshot is loaded once per process
    for page in [screen_url(s.slug) for s in SCREENS] + [
        reverse("onboarding:review"),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code in {200, 302}
        # The catalog version, session, user, the header's permission check;
        # the goal screen reads the version once more per track it plans
        # (home's plan cache is off in tests); the review checks the answers.
        assert len(queries) <= 8, (page, [q["sql"] for q in queries])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The profile, its questions and answers, replayed: none per topic.
    assert len(queries) <= 16, [q["sql"] for q in queries]
