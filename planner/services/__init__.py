"""The planner's writes: profiles in the core's terms, questions, planning jobs.

``profiles`` stores onboarding profiles and answers, reads a stored profile
into the core's types and stores the questions; ``jobs`` runs generations as
leased ``PlanningJob`` rows and reaps the ones whose worker vanished;
``plans`` plans without a job, for operators.
"""

from .choices import roadmap_choice_change
from .jobs import job_enqueue, job_execute, jobs_reap, roadmap_regenerate
from .plans import StoredPlan, plan_preview, profile_plan_store
from .profiles import (
    TRANSIENT_ERRORS,
    LeaseLost,
    Replan,
    answer_record,
    answers_check,
    answers_domain,
    lease_seconds,
    phraser_get,
    profile_domain,
    profile_hash,
    profile_plan,
    profile_submit,
    profile_update,
    profile_validate,
    questions_next,
)

__all__ = [
    "TRANSIENT_ERRORS",
    "LeaseLost",
    "Replan",
    "StoredPlan",
    "answer_record",
    "answers_check",
    "answers_domain",
    "job_enqueue",
    "job_execute",
    "jobs_reap",
    "lease_seconds",
    "phraser_get",
    "plan_preview",
    "profile_domain",
    "profile_hash",
    "profile_plan",
    "profile_plan_store",
    "profile_submit",
    "profile_update",
    "profile_validate",
    "questions_next",
    "roadmap_choice_change",
    "roadmap_regenerate",
]
