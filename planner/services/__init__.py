"""The planner's writes: profiles in the core's terms, questions, planning jobs.

``profiles`` reads a stored profile into the core's types and stores the
questions; ``jobs`` runs generations as leased ``PlanningJob`` rows and reaps
the ones whose worker vanished.
"""

from .jobs import job_enqueue, job_execute, jobs_reap
from .profiles import (
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    QUEUED_STALE_SECONDS,
    TRANSIENT_ERRORS,
    LeaseLost,
    answers_check,
    answers_domain,
    lease_seconds,
    phraser_get,
    profile_domain,
    profile_hash,
    profile_plan,
    questions_next,
)

__all__ = [
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "QUEUED_STALE_SECONDS",
    "TRANSIENT_ERRORS",
    "LeaseLost",
    "answers_check",
    "answers_domain",
    "job_enqueue",
    "job_execute",
    "jobs_reap",
    "lease_seconds",
    "phraser_get",
    "profile_domain",
    "profile_hash",
    "profile_plan",
    "questions_next",
]
