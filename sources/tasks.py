"""Background work of the sources: the daily gap search, and one topic's."""

from __future__ import annotations

import structlog
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

logger = structlog.get_logger(__name__)


# Daily: answers are cached for a day anyway, and curators review at their
# own pace; gaps that already have open candidates are skipped.
@db_periodic_task(crontab(hour="4", minute="41"))
@lock_task("sources-candidates-find")
def candidates_find_periodic() -> None:
    """Search the sources for the catalog's gaps and fill the review queue."""
    from .services import candidates_find_for_gaps

    summary = candidates_find_for_gaps()
    logger.info(
        "source_gap_search_done",
        searches=summary.searches,
        failures=len(summary.failures),
        queued=len(summary.queued),
    )


@db_task(retries=1, retry_delay=60)
def candidates_find_for_topic_task(topic_id: int) -> None:
    """Search the sources for one topic (the topic edit page's button)."""
    from taxonomy.models import Topic

    from .services import candidates_find

    topic = Topic.objects.select_related("subject").filter(pk=topic_id).first()
    if topic is None:
        return
    candidates_find(topic=topic)
