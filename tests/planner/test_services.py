"""Profiles, questions, jobs and the reaper through the services and the database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

import pytest

from catalog.models import Resource
from learners.models import Answer, ClarifyingQuestion
from learners.selectors import answers_latest
from planner.domain import SCORE_PARTS
from planner.domain import Answer as DomainAnswer
from planner.models import JobState, PlanningJob
from planner.selectors import catalog_graph_get
from planner.services import (
    answer_record,
    job_enqueue,
    job_execute,
    jobs_reap,
    profile_domain,
    profile_hash,
    profile_plan,
    profile_submit,
    questions_next,
)
from planner.services import jobs as services
from roadmaps.models import Roadmap, RoadmapStep, StepResource, StepState
from roadmaps.services import roadmap_create_from_plan
from taxonomy.models import Topic
from taxonomy.services import catalog_version_bump
from tests.factories import UserFactory
from wayfinder.errors import InvalidInput

from .conftest import (
    TODAY_ISO,
    profile_raw,
    small_catalog_build,
    small_catalog_levels,
)

TODAY = date.fromisoformat(TODAY_ISO)


def submit(owner, **overrides):
    return profile_submit(owner=owner, raw=profile_raw(**overrides), today=TODAY)


# -- profiles -------------------------------------------------------------------------
def test_a_profile_is_stored_normalised_with_the_raw_answers(small_catalog, learner):
    profile = submit(
        learner,
        level="total beginner",
        language="Español",
        cost="free only",
        formats_liked="videos",
        known_topics="Setup",
        deadline="2026-06-30",
    )
    profile.refresh_from_db()
    assert profile.owner == learner
    assert profile.subject.slug == "python"
    assert profile.track.slug == "python-basics"
    assert (profile.level, profile.language) == ("beginner", "es")
    assert profile.cost_preference == "free_only"
    assert profile.formats_liked == ["video"]
    assert profile.weekly_hours == Decimal("5.0")
    assert profile.deadline == date(2026, 6, 30)
    assert profile.start_date == TODAY
    assert [t.slug for t in profile.known_topics.all()] == ["py-setup"]
    assert profile.raw_answers["level"] == "total beginner"


def test_impossible_onboarding_answers_are_refused_field_by_field(
    small_catalog, learner
):
    with pytest.raises(InvalidInput) as caught:
        submit(
            learner,
            subject="cooking",
            weekly_hours=200,
            deadline="2025-12-31",
            favourite_colour="blue",
        )
    errors = caught.value.fields
    assert set(errors) == {"subject", "weekly_hours", "deadline", "favourite_colour"}
    assert errors["weekly_hours"] == ["Must be between 0.5 and 80 hours a week."]
    assert errors["deadline"] == ["2025-12-31 is in the past."]
    assert not learner.learner_profiles.exists()


def test_an_age_the_subject_does_not_serve_is_refused(small_catalog, learner):
    with pytest.raises(InvalidInput) as caught:
        submit(learner, age_range="8")
    assert list(caught.value.fields) == ["age_range"]


def test_profile_hash_is_stable_and_follows_the_inputs(small_catalog, learner):
    graph = catalog_graph_get()
    first = profile_domain(profile=submit(learner), graph=graph)
    second = profile_domain(profile=submit(learner), graph=graph)
    assert profile_hash(first, {}) == profile_hash(second, {})
    assert len(profile_hash(first, {})) == 64
    answered = {"placement:py-loops": DomainAnswer("yes")}
    assert profile_hash(first, answered) != profile_hash(first, {})
    other = profile_domain(profile=submit(learner, weekly_hours=6), graph=graph)
    assert profile_hash(other, {}) != profile_hash(first, {})


# -- questions --------------------------------------------------------------------------
def test_a_confident_profile_gets_no_question(small_catalog, learner):
    assert questions_next(profile=submit(learner)) == []


def test_questions_are_stored_once_with_stable_ids_and_their_options(
    small_catalog, learner
):
    profile = submit(learner, level="intermediate")

    (question,) = questions_next(profile=profile)
    (again,) = questions_next(profile=profile)

    assert again.pk == question.pk
    assert question.question_id.startswith("placement:")
    assert (question.kind, question.order) == ("placement", 1)
    assert question.text.startswith("Can you already ")
    assert question.reason.startswith("placement:")
    assert [o["value"] for o in question.options] == ["yes", "no", "not_sure"]
    assert ClarifyingQuestion.objects.filter(profile=profile).count() == 1


def test_answers_lead_to_the_next_question_and_never_past_three(small_catalog, learner):
    small_catalog_levels(small_catalog, "intermediate")
    profile = submit(learner, level="intermediate")
    asked = []
    while pending := questions_next(profile=profile):
        asked.append(pending[0].question_id)
        answer_record(profile=profile, question_id=asked[-1], value="no")
        assert len(asked) <= 3
    assert len(asked) == 3
    assert len(set(asked)) == 3
    assert [q.order for q in profile.questions.order_by("order")] == [1, 2, 3]

    # A changed first answer sends the questioning down another path; the
    # history already holds three questions, so none is added.
    answer_record(profile=profile, question_id=asked[0], value="yes")
    assert questions_next(profile=profile) == []
    assert profile.questions.count() == 3
    assert answers_latest(profile=profile)[asked[0]].value == "yes"
    assert Answer.objects.filter(question__profile=profile).count() == 4


def test_a_skipped_question_is_recorded_as_a_skip(small_catalog, learner):
    profile = submit(learner, level="intermediate")
    (question,) = questions_next(profile=profile)
    answer = answer_record(
        profile=profile, question_id=question.question_id, value=None
    )
    assert answer.skipped and answer.value == ""
    assert answers_latest(profile=profile)[question.question_id].skipped


def test_answers_the_planner_would_refuse_are_field_errors(small_catalog, learner):
    profile = submit(learner, level="intermediate")
    (question,) = questions_next(profile=profile)
    with pytest.raises(InvalidInput) as caught:
        answer_record(profile=profile, question_id="goal:python", value="x")
    assert list(caught.value.fields) == ["question_id"]
    with pytest.raises(InvalidInput) as caught:
        answer_record(
            profile=profile, question_id=question.question_id, value="perhaps"
        )
    assert "is not one of" in caught.value.fields["value"][0]
    with pytest.raises(InvalidInput) as caught:
        answer_record(
            profile=profile, question_id=question.question_id, value="y", confidence=2
        )
    assert list(caught.value.fields) == ["confidence"]
    assert not Answer.objects.exists()


# -- jobs ------------------------------------------------------------------------------
def test_the_same_input_twice_is_one_job(
    small_catalog, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as enqueued:
        job = job_enqueue(profile=submit(learner), actor=learner)
        again = job_enqueue(profile=submit(learner), actor=learner)
    assert again.pk == job.pk
    assert len(enqueued) == 1  # one Huey task, for the new job only
    assert job.state == JobState.QUEUED
    assert job.catalog_version == catalog_graph_get().version
    assert PlanningJob.objects.count() == 1
    other = job_enqueue(profile=submit(learner, weekly_hours=8), actor=learner)
    assert other.pk != job.pk


def test_the_database_holds_job_idempotency(small_catalog, learner):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanningJob.objects.create(
            owner=learner,
            profile=job.profile,
            profile_hash=job.profile_hash,
            catalog_version=job.catalog_version,
        )


def test_only_the_learner_plans_from_a_profile(small_catalog, learner):
    with pytest.raises(PermissionDenied):
        job_enqueue(profile=submit(learner), actor=UserFactory(), enqueue=False)


def test_a_job_runs_to_one_roadmap_in_bounded_queries(
    small_catalog, learner, django_assert_max_num_queries
):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)

    with django_assert_max_num_queries(30):
        done = job_execute(job_id=job.pk, worker_id="test")

    assert done.state == JobState.SUCCEEDED
    assert (done.attempts, done.percent, done.error) == (1, 100, "")
    assert done.lease_expires_at is None and done.finished_at is not None
    assert {
        "snapshot",
        "normalize",
        "uncertainty",
        "plan",
        "rank",
        "validate",
        "store",
    } <= set(done.timings)
    roadmap = done.roadmap
    assert roadmap.owner == learner and roadmap.profile_id == job.profile_id
    steps = list(roadmap.current.steps.order_by("position"))
    assert [s.topic_slug for s in steps] == [
        "py-setup",
        "py-style",  # curated second (tests/planner/conftest.py)
        "py-variables",
        "py-loops",
        "py-functions",
    ]
    assert [s.state for s in steps] == [StepState.ACTIVE] + [StepState.LOCKED] * 4
    assert [s.recommended for s in steps] == [False, True, False, False, False]
    resource = steps[0].resources.order_by("position").first()
    assert resource.url.startswith("https://example.org/")
    # A set: PostgreSQL's jsonb does not keep key order (SCORE_PARTS does).
    assert set(resource.score_parts) == {*SCORE_PARTS, "variety_penalty"}

    again = job_execute(job_id=job.pk, worker_id="test")
    assert again.roadmap_id == roadmap.pk
    assert Roadmap.objects.count() == 1


def test_a_job_assumes_pending_questions_skipped(small_catalog, learner):
    small_catalog_levels(small_catalog, "intermediate")
    profile = submit(learner, level="intermediate")
    job = job_enqueue(profile=profile, actor=learner, enqueue=False)
    done = job_execute(job_id=job.pk, worker_id="test")
    assert done.state == JobState.SUCCEEDED
    # Skipped placement answers count as "not known": the whole path.
    assert done.roadmap.current.steps.first().topic_slug == "py-setup"
    assert not profile.questions.exists()  # a job asks nothing, it assumes


def test_a_plan_that_fails_validation_fails_the_job_naming_stage_and_rule(db, learner):
    small_catalog_build()
    # A write around the model's validation leaves a topic without a mastery
    # check: broken content, which no plan may carry.
    Topic.objects.filter(slug="py-loops").update(mastery_description="")
    catalog_version_bump()
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)

    done = job_execute(job_id=job.pk, worker_id="test")

    assert done.state == JobState.FAILED
    assert done.error.startswith("Stage validate failed: rule step-content")
    assert "py-loops" in done.error
    assert done.roadmap is None and not Roadmap.objects.exists()
    assert done.lease_expires_at is None


def test_a_catalog_that_cannot_form_a_snapshot_fails_the_job(small_catalog, learner):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)
    # A write that skips validation and signals, then the version moves on.
    Resource.objects.filter(slug="py-loops-video").update(language="xx")
    catalog_version_bump()

    done = job_execute(job_id=job.pk, worker_id="test")

    assert done.state == JobState.FAILED
    assert done.error.startswith("Stage snapshot failed:")
    assert "py-loops-video" in done.error


def test_a_transient_error_puts_the_job_back_for_a_retry(
    small_catalog, learner, monkeypatch
):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "roadmap_create_from_plan", database_gone)
    with pytest.raises(OperationalError):
        job_execute(job_id=job.pk, worker_id="test")
    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_expires_at) == (JobState.QUEUED, 1, None)
    assert job.error == (
        "Stage store failed: OperationalError: "
        "server closed the connection unexpectedly"
    )

    monkeypatch.undo()
    done = job_execute(job_id=job.pk, worker_id="test")
    assert (done.state, done.attempts, done.error) == (JobState.SUCCEEDED, 2, "")


def test_transient_errors_give_up_after_max_attempts_quoting_the_last(
    small_catalog, learner, monkeypatch
):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)

    def database_gone(**kwargs):
        raise OperationalError("timeout")

    monkeypatch.setattr(services, "roadmap_create_from_plan", database_gone)
    for _ in range(3):  # Huey's retries
        with pytest.raises(OperationalError):
            job_execute(job_id=job.pk, worker_id="test")
    done = job_execute(job_id=job.pk, worker_id="test")
    assert (done.state, done.attempts) == (JobState.FAILED, 3)
    assert done.error == (
        "Gave up after 3 attempts. Last error: "
        "Stage store failed: OperationalError: timeout"
    )


def test_a_worker_that_lost_its_lease_stops_without_a_roadmap(
    small_catalog, learner, monkeypatch
):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)

    def taken_over(**kwargs):
        # Another worker claims the job while this one is planning.
        PlanningJob.objects.filter(pk=job.pk).update(attempts=2)
        return profile_plan(**kwargs)

    monkeypatch.setattr(services, "profile_plan", taken_over)
    result = job_execute(job_id=job.pk, worker_id="slow")

    assert (result.state, result.attempts) == (JobState.RUNNING, 2)
    assert not Roadmap.objects.exists()


def test_a_job_is_claimed_by_one_worker_at_a_time(small_catalog, learner):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)
    assert services._job_claim(job_id=job.pk) == 1
    assert services._job_claim(job_id=job.pk) is None  # the lease is held
    PlanningJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services._job_claim(job_id=job.pk) == 2  # an expired lease is taken over


# -- the reaper -------------------------------------------------------------------------
def make_job(profile, **fields) -> PlanningJob:
    return PlanningJob.objects.create(
        owner=profile.owner,
        profile=profile,
        profile_hash=uuid.uuid4().hex,
        catalog_version=1,
        **fields,
    )


def test_the_reaper_requeues_a_lost_job_and_fails_it_after_max_attempts(
    small_catalog, learner, django_capture_on_commit_callbacks
):
    profile = submit(learner)
    now = timezone.now()
    expired = now - timedelta(seconds=5)
    lost_once = make_job(profile, state="running", attempts=1, lease_expires_at=expired)
    lost_thrice = make_job(
        profile, state="running", attempts=3, lease_expires_at=expired
    )
    alive = make_job(
        profile, state="running", attempts=1, lease_expires_at=now + timedelta(60)
    )
    forgotten = make_job(profile, state="queued", heartbeat_at=now - timedelta(hours=1))
    waiting = make_job(profile, state="queued", heartbeat_at=now)
    finished = make_job(
        profile, state="succeeded", attempts=1, lease_expires_at=expired
    )

    with django_capture_on_commit_callbacks() as enqueued:
        counts = jobs_reap(now=now)

    assert counts == {"requeued": 2, "failed": 1, "skipped": 0}
    assert len(enqueued) == 2
    states = {
        job.pk: (job.state, job.attempts, job.error)
        for job in PlanningJob.objects.all()
    }
    assert states[lost_once.pk] == (JobState.QUEUED, 1, "")
    assert states[lost_thrice.pk] == (
        JobState.FAILED,
        3,
        "Worker lost 3 times: gave up after 3 attempts.",
    )
    assert states[alive.pk] == (JobState.RUNNING, 1, "")
    assert states[finished.pk] == (JobState.SUCCEEDED, 1, "")
    assert states[forgotten.pk] == (JobState.QUEUED, 0, "")
    assert states[waiting.pk] == (JobState.QUEUED, 0, "")
    # Re-queued jobs are not re-queued again at the next pass.
    assert jobs_reap(now=now) == {"requeued": 0, "failed": 0, "skipped": 0}


def test_a_requeued_job_runs_to_success_on_its_next_attempt(small_catalog, learner):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)
    PlanningJob.objects.filter(pk=job.pk).update(
        state="running", attempts=1, lease_expires_at=timezone.now() - timedelta(1)
    )
    assert jobs_reap()["requeued"] == 1
    done = job_execute(job_id=job.pk, worker_id="test")
    assert (done.state, done.attempts) == (JobState.SUCCEEDED, 2)


def test_a_job_out_of_attempts_is_not_run_again(small_catalog, learner):
    job = job_enqueue(profile=submit(learner), actor=learner, enqueue=False)
    PlanningJob.objects.filter(pk=job.pk).update(attempts=3)
    done = job_execute(job_id=job.pk, worker_id="test")
    assert done.state == JobState.FAILED
    assert done.error == "Gave up after 3 attempts."
    assert not Roadmap.objects.exists()


# -- roadmaps ---------------------------------------------------------------------------
def test_a_roadmap_is_stored_in_constant_queries(
    small_catalog, learner, django_assert_num_queries
):
    profile = submit(learner, language="es")
    plan = profile_plan(profile=profile, today=TODAY).plan
    profile.subject  # noqa: B018 -- loaded, as the job has it
    graph = catalog_graph_get()

    # savepoint, track, roadmap, version, the catalog version (ids, titles
    # and URLs from the snapshot), step ids, the steps' and the resources'
    # COPY, the roadmap's current version, release
    with django_assert_num_queries(10):
        roadmap = roadmap_create_from_plan(
            profile=profile,
            plan=plan,
            graph=graph,
            input_profile_hash="a" * 64,
            llm={"phraser": "m-1"},
        )

    assert roadmap.title == "Python programming: Python basics"
    version = roadmap.current
    assert version.catalog_version == plan.catalog_version
    assert version.model_versions == {"phraser": "m-1"}
    assert version.input_profile_hash == "a" * 64
    assert version.total_hours == Decimal(str(plan.total_hours))
    assert version.feasible and version.shortfall is None
    assert RoadmapStep.objects.filter(version=version).count() == len(plan.steps)
    resources = StepResource.objects.filter(step__version__roadmap=roadmap)
    assert resources.count() == sum(len(s.resources) for s in plan.steps)
    assert all(r.language_fallback for r in resources)
    fallbacks = [n for n in version.notices if n["kind"] == "language_fallback"]
    assert [n["step"] for n in fallbacks] == [s.topic for s in plan.steps]


def test_a_missed_deadline_is_stored_as_a_shortfall(small_catalog, learner):
    profile = submit(learner, weekly_hours=1, deadline="2026-01-20")
    answers = {q.question_id for q in questions_next(profile=profile)}
    assert answers == {"deadline:2026-01-20"}
    answer_record(profile=profile, question_id="deadline:2026-01-20", value="keep")
    job = job_enqueue(profile=profile, actor=learner, enqueue=False)
    version = job_execute(job_id=job.pk, worker_id="test").version
    assert not version.feasible
    assert version.shortfall["hours_available"] < version.shortfall["hours_needed"]
    assert version.shortfall["earliest_feasible_deadline"] > "2026-01-20"


def test_asking_again_after_a_failed_job_retries_it(small_catalog, learner):
    profile = submit(learner)
    job = job_enqueue(profile=profile, actor=learner, enqueue=False)
    PlanningJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, attempts=3, error="Stage rank failed: boom"
    )

    again = job_enqueue(profile=profile, actor=learner, enqueue=False)

    assert again.pk == job.pk
    assert (again.state, again.attempts) == (JobState.QUEUED, 0)
    done = job_execute(job_id=job.pk, worker_id="test")
    assert done.state == JobState.SUCCEEDED and done.error == ""
