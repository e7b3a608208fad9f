"""Background work of the catalog: the periodic link check."""

from __future__ import annotations

import structlog
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = structlog.get_logger(__name__)


# Hourly rather than daily: each run checks only the links that are due, so the
# load spreads over the day, and a link due a few seconds after a run's start
# waits one hour, not a whole day. The lock keeps a long run from overlapping
# the next one (which would check the same links twice).
@db_periodic_task(crontab(minute="17"))
@lock_task("catalog-links-check")
def links_check_periodic() -> None:
    """Check the resource links that are due and log what was found."""
    from .services import links_check

    summary = links_check()
    logger.info(
        "links_checked",
        checked=summary.checked,
        healthy=summary.healthy,
        broken=summary.broken,
        transient=summary.transient,
        skipped=summary.skipped,
        resources_now_broken=list(summary.resources_now_broken),
    )
