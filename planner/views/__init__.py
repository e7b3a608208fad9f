"""The learner's planning pages: the onboarding wizard, its review, the
clarifying questions, and a planning job's live progress.

The wizard keeps the answers in the session (anonymous visitors can go
through it). The answers become a profile (``profile_submit``) once the
learner is signed in; the questions follow, then the planning job, whose
page polls a partial of itself until the roadmap is ready.
``planner/urls.py`` reads the views from here.
"""

from __future__ import annotations

from .jobs import job_detail, job_retry
from .questions import wizard_questions
from .review import wizard_review
from .screens import SCREENS, SESSION_KEY
from .wizard import wizard_screen, wizard_start

__all__ = [
    "SCREENS",
    "SESSION_KEY",
    "job_detail",
    "job_retry",
    "wizard_questions",
    "wizard_review",
    "wizard_screen",
    "wizard_start",
]
