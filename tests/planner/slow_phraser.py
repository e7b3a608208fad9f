"""A phraser that takes its time, so a test can kill a worker mid-job.

Named by dotted path in ``PLANNER_PHRASER`` for a consumer process a test
starts; the production code knows nothing of it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

#: Long enough for the test to see the wording stage and kill the worker.
SECONDS = 30.0


class SlowPhraser:
    name = "slow-test-phraser"

    def phrase_questions(self, questions: Sequence) -> list[str]:
        time.sleep(SECONDS)
        return []

    def phrase_summaries(self, steps: Sequence) -> list[str]:
        time.sleep(SECONDS)
        return []


def slow_phraser() -> SlowPhraser:
    return SlowPhraser()
