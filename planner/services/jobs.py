"""Planning jobs: enqueue, claim with a lease, run, finish, and the reaper.

A ``PlanningJob`` row is the source of truth for a generation: Huey delivers at
most once, so a worker claims the row with a lease it renews at every stage,
and :func:`jobs_reap` puts back (or fails) a job whose worker vanished.
docs/planner.md ("Jobs") describes the states.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

import structlog

from learners.models import LearnerProfile
from learners.selectors import profile_get_for_planning
from roadmaps.models import DONE_STATES, Roadmap, RoadmapStep
from roadmaps.services import (
    roadmap_create_from_plan,
    roadmap_version_create_from_plan,
)
from wayfinder.errors import Conflict, NotFound

from ..domain import (
    CatalogGraph,
    CatalogGraphError,
    Phraser,
    PipelineResult,
    PlanValidationError,
    ProfileErrors,
)
from ..models import JobState, PlanningJob
from ..selectors import catalog_graph_get
from .profiles import (
    TRANSIENT_ERRORS,
    LeaseLost,
    Replan,
    answers_domain,
    core_errors_translated,
    lease_seconds,
    phraser_get,
    profile_domain,
    profile_hash,
    profile_plan,
)

logger = structlog.get_logger(__name__)


# -- jobs ---------------------------------------------------------------------------
def job_enqueue(
    *, profile: LearnerProfile, actor: AbstractBaseUser, enqueue: bool = True
) -> PlanningJob:
    """The planning job for the profile's current inputs, created if new.

    Jobs are unique per (owner, profile hash, catalog version), a database
    constraint: asking again for the same inputs returns the queued, running
    or finished job instead of a second one. A new job's Huey task is
    enqueued when the transaction commits (``enqueue=False`` leaves that to
    the caller, e.g. to run it inline). Pending questions do not block a job:
    it assumes them skipped. A job that failed is retried: queued again with
    fresh attempts. Raises PermissionDenied when ``actor`` is not
    the profile's owner (or a superuser), InvalidInput when the profile no
    longer fits the catalog (its subject or track was deleted, say).
    """
    if actor.pk != profile.owner_id and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only the learner can plan from this profile.")
    with core_errors_translated():
        graph = catalog_graph_get()
    with transaction.atomic():
        # Hashed under the profile's row lock, which profile_update takes
        # too: an edit either lands before (and is what gets hashed) or
        # after (and finds this job queued and refuses).
        profile = LearnerProfile.objects.select_for_update().get(pk=profile.pk)
        with core_errors_translated():
            digest = profile_hash(
                profile_domain(profile=profile, graph=graph),
                answers_domain(profile=profile),
            )
        job, created = PlanningJob.objects.get_or_create(
            owner_id=profile.owner_id,
            regenerates__isnull=True,
            profile_hash=digest,
            catalog_version=graph.version,
            defaults={
                "profile": profile,
                "max_attempts": settings.PLANNER_MAX_ATTEMPTS,
            },
        )
        retried = not created and job.state == JobState.FAILED and _job_retry(job)
        if (created or retried) and enqueue:
            _enqueue_on_commit(job.pk)
    logger.info("planning job", job_id=job.pk, created=created, state=job.state)
    return job


def roadmap_regenerate(*, roadmap_id: int, actor: AbstractBaseUser) -> PlanningJob:
    """A planning job that re-plans the actor's roadmap into a new version.

    The job plans with the profile's current inputs and the current catalog,
    keeping what the learner made theirs (see ``Replan`` and
    ``roadmaps.services.roadmap_version_create_from_plan``). One regeneration
    per roadmap at a time: while one is queued or running, asking again
    raises Conflict carrying that job's id (``details["job"]``). Raises
    NotFound when the roadmap is not the actor's, InvalidInput when its
    profile no longer fits the catalog.
    """
    roadmap = _owned_roadmap(roadmap_id=roadmap_id, actor=actor)
    with core_errors_translated():
        graph = catalog_graph_get()
        digest = profile_hash(
            profile_domain(profile=roadmap.profile, graph=graph),
            answers_domain(profile=roadmap.profile),
        )
    try:
        with transaction.atomic():
            locked = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
            running = _regeneration_running(roadmap_id=locked.pk)
            if running is None:
                job = PlanningJob.objects.create(
                    owner_id=locked.owner_id,
                    profile_id=locked.profile_id,
                    profile_hash=digest,
                    catalog_version=graph.version,
                    regenerates=locked,
                    base_version=locked.current.number if locked.current else None,
                    max_attempts=settings.PLANNER_MAX_ATTEMPTS,
                )
                _enqueue_on_commit(job.pk)
    except IntegrityError:  # another request created one between check and insert
        running = _regeneration_running(roadmap_id=roadmap.pk)
        if running is None:
            raise
    if running is not None:
        raise Conflict(
            "This roadmap is already being regenerated: wait for that job.",
            code="regeneration_running",
            details={"job": running.pk, "state": running.state},
        )
    logger.info("regeneration job", job_id=job.pk, roadmap_id=roadmap.pk)
    return job


def _owned_roadmap(*, roadmap_id: int, actor: AbstractBaseUser) -> Roadmap:
    roadmap = (
        Roadmap.objects.filter(pk=roadmap_id, owner_id=actor.pk)
        .select_related("profile", "current")
        .first()
    )
    if roadmap is None:
        raise NotFound("No such roadmap.")
    return roadmap


def _regeneration_running(*, roadmap_id: int) -> PlanningJob | None:
    return (
        PlanningJob.objects.filter(
            regenerates_id=roadmap_id, state__in=[JobState.QUEUED, JobState.RUNNING]
        )
        .order_by("pk")
        .first()
    )


def _replan(*, job: PlanningJob) -> Replan | None:
    """A regeneration's additions, read from the roadmap's current version as
    it is when the job runs (changes after that are carried by the store)."""
    if job.regenerates_id is None:
        return None
    current = Roadmap.objects.filter(pk=job.regenerates_id).values("current_id")
    steps = RoadmapStep.objects.filter(version_id__in=current).values_list(
        "topic_slug", "state", "pinned", "notes"
    )
    done = tuple(slug for slug, state, _, _ in steps if state in DONE_STATES)
    keep = tuple(slug for slug, _, pinned, notes in steps if pinned or notes)
    return Replan(done=done, keep=keep, start_date=timezone.localdate())


def _job_retry(job: PlanningJob) -> bool:
    """Give a failed job a fresh set of attempts: asking again for the same
    inputs is how a learner retries (the failed run's error is kept until
    the new run starts)."""
    retried = PlanningJob.objects.filter(pk=job.pk, state=JobState.FAILED).update(
        state=JobState.QUEUED,
        attempts=0,
        stage="",
        percent=0,
        lease_expires_at=None,
        finished_at=None,
        enqueue_failed_at=None,
    )
    if retried:
        job.refresh_from_db()
    return bool(retried)


def _enqueue_on_commit(job_id: int) -> None:
    transaction.on_commit(lambda: job_hand_to_queue(job_id=job_id))


def job_hand_to_queue(*, job_id: int) -> bool:
    """Hand a committed job to the task queue; True when the broker took it.

    The job row is already committed, so a broker that is down must not turn
    the caller's request into an error for a job that exists: the failure is
    logged and stamped on the job (``enqueue_failed_at``; the job reads as
    "waiting for a worker"), and :func:`jobs_reap` hands it over again after
    ``PLANNER_ENQUEUE_RETRY_SECONDS`` instead of the much longer stale-queue
    delay. A later success clears the stamp.
    """
    from ..tasks import plan_execute_task

    try:
        plan_execute_task(job_id)
    except Exception:  # noqa: BLE001 -- any broker failure: the reaper retries
        logger.warning(
            "planning job: task queue unreachable", job_id=job_id, exc_info=True
        )
        PlanningJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            enqueue_failed_at=timezone.now()
        )
        return False
    PlanningJob.objects.filter(pk=job_id, enqueue_failed_at__isnull=False).update(
        enqueue_failed_at=None
    )
    return True


def job_execute(
    *, job_id: int, worker_id: str, phraser: Phraser | None = None
) -> PlanningJob | None:
    """Claim a job, run the pipeline and store its roadmap; idempotent.

    The claim is one conditional UPDATE (queued, or running with an expired
    lease, and still the attempt count read) that makes the job running in
    its first stage, counts the attempt and takes a lease; a job someone
    else holds or that has finished is left alone. Each stage renews the
    lease; when it cannot (another worker took over) the run stops quietly.
    The roadmap is created in the transaction that marks the job succeeded,
    under a row lock that re-checks the attempt, so a job yields exactly one
    roadmap however often it is delivered.

    A stage that raises fails the job with a message naming the stage (and
    the rule, for a validation refusal); a transient database error puts the
    job back in the queue and is re-raised for Huey's retry. Returns the job
    (None when it does not exist).
    """
    token = _job_claim(job_id=job_id)
    if token is None:
        logger.info("planning job not claimed", job_id=job_id, worker=worker_id)
        return PlanningJob.objects.filter(pk=job_id).first()
    with structlog.contextvars.bound_contextvars(
        job_id=job_id, attempt=token, worker=worker_id
    ):
        logger.info("planning job claimed")
        return _job_run(job_id=job_id, token=token, phraser=phraser)


def _job_run(*, job_id: int, token: int, phraser: Phraser | None) -> PlanningJob:
    progress = _Progress(job_id=job_id, token=token)
    try:
        graph = catalog_graph_get()
        job = PlanningJob.objects.get(pk=job_id)
        profile = profile_get_for_planning(profile_id=job.profile_id)
        phraser = phraser or phraser_get()
        result = profile_plan(
            profile=profile,
            graph=graph,
            phraser=phraser,
            on_stage=progress,
            replan=_replan(job=job),
        )
        progress("store", 95)
        return _job_finish(
            job=job,
            token=token,
            profile=profile,
            result=result,
            graph=graph,
            timings=progress.finished(result),
            llm=models_used(phraser, result),
        )
    except LeaseLost:
        logger.warning("planning job lease lost: another worker holds it")
        return PlanningJob.objects.get(pk=job_id)
    except TRANSIENT_ERRORS as exc:
        logger.warning("planning job: transient error, retrying", exc_info=True)
        _job_release(job_id=job_id, token=token, message=_failure(progress, exc))
        raise
    except Exception as exc:  # noqa: BLE001 -- any other stage error fails the job
        if not isinstance(exc, PlanValidationError | ProfileErrors | CatalogGraphError):
            logger.exception("planning job: stage raised", stage=progress.stage)
        return _job_fail(
            job_id=job_id,
            token=token,
            stage=progress.stage,
            message=_failure(progress, exc),
        )


#: The stage a job starts in, written by the claim itself: the snapshot,
#: from the cache or the database.
CLAIMED_STAGE = "snapshot"
#: Stages that wait on something outside the process (a language model, the
#: store): always written to the job row, so whoever watches a slow job sees
#: where it waits.
WRITTEN_STAGES = frozenset({"wording", "store"})
#: The pure stages between them take milliseconds: one is written (stage,
#: percent, lease) only when this long has passed since the last write, which
#: spares a typical job five commits and stays far inside any lease.
PROGRESS_INTERVAL_S = 0.5


class _Progress:
    """``on_stage``: records stage, percent and timings, renews the lease
    (see ``WRITTEN_STAGES``); starts in the stage the claim wrote."""

    def __init__(self, *, job_id: int, token: int) -> None:
        self.job_id, self.token = job_id, token
        self.stage = CLAIMED_STAGE
        self.started = self.written = time.perf_counter()
        self.timings: dict[str, float] = {}

    def __call__(self, stage: str, percent: int) -> None:
        self._close_stage()
        self.stage = stage
        now = time.perf_counter()
        if stage in WRITTEN_STAGES or now - self.written >= PROGRESS_INTERVAL_S:
            _lease_renew(
                job_id=self.job_id, token=self.token, stage=stage, percent=percent
            )
            self.written = time.perf_counter()
        logger.info("planning stage", stage=stage, percent=percent)
        self.started = time.perf_counter()

    def _close_stage(self) -> None:
        elapsed = (time.perf_counter() - self.started) * 1000
        self.timings[self.stage] = round(elapsed, 3)

    def finished(self, result: PipelineResult) -> dict[str, float]:
        """Milliseconds per stage: ours for the snapshot and the profile, the
        pipeline's own clock for its stages (without our bookkeeping)."""
        timings = dict(self.timings)
        timings.update({k: round(v, 3) for k, v in result.timings_ms().items()})
        return timings


def _job_claim(*, job_id: int) -> int | None:
    """Take the job if it may be run now; the new attempt number, or None."""
    now = timezone.now()
    row = (
        PlanningJob.objects.filter(pk=job_id)
        .values("state", "attempts", "max_attempts", "lease_expires_at", "error")
        .first()
    )
    if row is None:
        return None
    expired = row["lease_expires_at"] is None or row["lease_expires_at"] <= now
    if not (
        row["state"] == JobState.QUEUED
        or (row["state"] == JobState.RUNNING and expired)
    ):
        return None
    claimable = PlanningJob.objects.filter(
        Q(state=JobState.QUEUED)
        | Q(state=JobState.RUNNING)
        & (Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)),
        pk=job_id,
        attempts=row["attempts"],
    )
    if row["attempts"] >= row["max_attempts"]:
        last = f" Last error: {row['error']}" if row["error"] else ""
        claimable.update(
            state=JobState.FAILED,
            error=f"Gave up after {row['attempts']} attempts.{last}"[:2000],
            lease_expires_at=None,
            finished_at=now,
        )
        return None
    token = row["attempts"] + 1
    claimed = claimable.update(
        state=JobState.RUNNING,
        attempts=token,
        stage=CLAIMED_STAGE,
        percent=0,
        error="",
        heartbeat_at=now,
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
        started_at=Coalesce(F("started_at"), Value(now)),
        finished_at=None,
    )
    return token if claimed else None


def _lease_renew(*, job_id: int, token: int, stage: str, percent: int) -> None:
    """Record progress and extend the lease, if this attempt still holds the job.

    A job the reaper re-queued but nobody claimed yet (same attempt) is taken
    back; one another worker claimed raises LeaseLost.
    """
    now = timezone.now()
    renewed = PlanningJob.objects.filter(
        pk=job_id,
        attempts=token,
        state__in=[JobState.RUNNING, JobState.QUEUED],
    ).update(
        state=JobState.RUNNING,
        stage=stage,
        percent=percent,
        heartbeat_at=now,
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
    )
    if not renewed:
        raise LeaseLost(job_id)


def _job_finish(
    *,
    job: PlanningJob,
    token: int,
    profile: LearnerProfile,
    result: PipelineResult,
    graph: CatalogGraph,
    timings: dict[str, float],
    llm: dict,
) -> PlanningJob:
    """Store the roadmap (or its new version) and mark the job succeeded, in
    one transaction."""
    started = time.perf_counter()
    job_id = job.pk
    with transaction.atomic():
        job = PlanningJob.objects.select_for_update().get(pk=job_id)
        if (
            job.attempts != token
            or job.version_id is not None
            or job.state not in {JobState.RUNNING, JobState.QUEUED}
        ):
            raise LeaseLost(job_id)
        stored = {
            "plan": result.plan,
            "graph": graph,
            "input_profile_hash": job.profile_hash,
            "repairs": result.repairs,
            "llm": llm,
        }
        if job.regenerates_id is None:
            job.roadmap = roadmap_create_from_plan(profile=profile, **stored)
            job.version = job.roadmap.current
        else:
            job.version = roadmap_version_create_from_plan(
                roadmap_id=job.regenerates_id, **stored
            )
            job.roadmap_id = job.regenerates_id
        timings["store"] = round((time.perf_counter() - started) * 1000, 3)
        job.state, job.stage, job.percent = JobState.SUCCEEDED, "", 100
        job.timings, job.error, job.lease_expires_at = timings, "", None
        job.finished_at = job.heartbeat_at = timezone.now()
        job.save(
            update_fields=[
                "roadmap",
                "version",
                "state",
                "stage",
                "percent",
                "timings",
                "error",
                "lease_expires_at",
                "finished_at",
                "heartbeat_at",
            ]
        )
    logger.info(
        "planning job succeeded",
        roadmap_id=job.roadmap_id,
        steps=len(result.plan.steps),
        timings=timings,
    )
    return job


def models_used(phraser: Phraser | None, result: PipelineResult) -> dict:
    """What ``RoadmapVersion.model_versions`` records: the embeddings model
    that matched goals, with the version its endpoint reported when that
    differs (or "none"), and the models whose text was used, if any."""
    from embeddings.selectors import embeddings_model_label

    return {
        "embeddings": embeddings_model_label(),
        **_phraser_record(phraser, result),
    }


def _phraser_record(phraser: Phraser | None, result: PipelineResult) -> dict:
    if phraser is None:
        return {}
    phrased = sum(1 for s in result.plan.steps if s.phrased_summary)
    # The LLM phraser knows the exact model and version that answered.
    as_record = getattr(phraser, "as_record", None)
    record = dict(as_record()) if callable(as_record) else {}
    if not record and not phrased:
        return {}
    return {
        **record,
        "phraser": str(getattr(phraser, "name", "")),
        "phrased_steps": phrased,
    }


def _failure(progress: _Progress, exc: Exception) -> str:
    stage = progress.stage
    if isinstance(exc, PlanValidationError):
        where = f" at step {exc.step}" if exc.step else ""
        return f"Stage {stage} failed: rule {exc.rule}{where}: {exc.message}"
    if isinstance(exc, ProfileErrors | CatalogGraphError):
        return f"Stage {stage} failed: {exc}"
    return f"Stage {stage} failed: {type(exc).__name__}: {exc}"


def _job_fail(*, job_id: int, token: int, stage: str, message: str) -> PlanningJob:
    PlanningJob.objects.filter(pk=job_id, attempts=token).exclude(
        state=JobState.SUCCEEDED
    ).update(
        state=JobState.FAILED,
        stage=stage,
        error=message[:2000],
        lease_expires_at=None,
        finished_at=timezone.now(),
    )
    logger.warning("planning job failed", error=message)
    return PlanningJob.objects.get(pk=job_id)


def _job_release(*, job_id: int, token: int, message: str) -> None:
    """Put a job hit by a transient error back in the queue for the retry,
    keeping the error (the claim that gives up quotes it)."""
    try:
        PlanningJob.objects.filter(
            pk=job_id, attempts=token, state=JobState.RUNNING
        ).update(state=JobState.QUEUED, lease_expires_at=None, error=message[:2000])
    except TRANSIENT_ERRORS:
        # The database is still away: the lease runs out and the reaper acts.
        logger.warning("planning job: could not release", exc_info=True)


# -- the reaper -----------------------------------------------------------------------
def jobs_reap(*, now: datetime | None = None) -> dict[str, int]:
    """Put lost jobs back in the queue, or fail them; no job stays running forever.

    - running with an expired lease (its worker died or hung): queued again
      and re-enqueued while ``attempts < max_attempts``, else failed with
      "Worker lost N times";
    - queued and untouched for ``PLANNER_QUEUED_STALE_SECONDS`` (its task
      may have been lost with a broker or a worker), or refused by the broker
      more than ``PLANNER_ENQUEUE_RETRY_SECONDS`` ago: re-enqueued (failed
      when out of attempts).

    Each change is a conditional UPDATE on the attempt count, so the reaper
    never races a worker that claims or renews at the same moment. Returns
    how many jobs were requeued and failed.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.PLANNER_QUEUED_STALE_SECONDS)
    refused = now - timedelta(seconds=settings.PLANNER_ENQUEUE_RETRY_SECONDS)
    counts = {"requeued": 0, "failed": 0, "skipped": 0}
    expired = PlanningJob.objects.filter(
        state=JobState.RUNNING, lease_expires_at__lt=now
    )
    forgotten = PlanningJob.objects.annotate(
        touched=Coalesce("heartbeat_at", "created_at")
    ).filter(
        Q(touched__lt=stale) | Q(enqueue_failed_at__lt=refused),
        state=JobState.QUEUED,
    )
    lost = "Worker lost {n} time{s}"
    for queryset, reason in ((expired, lost), (forgotten, "Queued job not run")):
        for job_id, state, attempts, max_attempts in queryset.values_list(
            "pk", "state", "attempts", "max_attempts"
        ):
            why = reason.format(n=attempts, s="" if attempts == 1 else "s")
            outcome = _reap_one(job_id, state, attempts, max_attempts, why, now)
            counts[outcome] += 1
    if counts["requeued"] or counts["failed"]:
        logger.warning("planning jobs reaped", **counts)
    return counts


def _reap_one(
    job_id: int,
    state: str,
    attempts: int,
    max_attempts: int,
    reason: str,
    now: datetime,
) -> str:
    same = PlanningJob.objects.filter(pk=job_id, state=state, attempts=attempts)
    if state == JobState.RUNNING:
        same = same.filter(lease_expires_at__lt=now)
    if attempts >= max_attempts:
        done = same.update(
            state=JobState.FAILED,
            error=f"{reason}: gave up after {attempts} attempts.",
            lease_expires_at=None,
            finished_at=now,
        )
        return "failed" if done else "skipped"
    with transaction.atomic():
        done = same.update(
            state=JobState.QUEUED, lease_expires_at=None, heartbeat_at=now
        )
        if done:
            _enqueue_on_commit(job_id)
    return "requeued" if done else "skipped"
