"""Reads of roadmaps, scoped to the user asking: who may read which roadmap
(``access``), a version's steps and resources (``steps``), what changes while
the learner follows a version whose plan is cached (``progress``), and what
the site's pages show (``pages``)."""

from .access import (
    SHARE_PERMISSIONS,
    roadmap_get_for_owner,
    roadmap_ids_shared_with,
    roadmap_list_for_owner,
    roadmap_list_for_reader,
    roadmap_shares_list,
)
from .pages import (
    RegenerationKeeps,
    RoadmapPath,
    RoadmapSummary,
    VersionRead,
    regeneration_keeps,
    roadmap_path_for_owner,
    roadmap_summaries_for_owner,
    roadmap_version_for_owner,
)
from .progress import (
    STEP_PROGRESS_FIELDS,
    ProgressRead,
    roadmap_detail_for_reader,
    version_cache_key,
    version_progress_read,
    with_catalog_version,
)
from .steps import (
    STEP_RESOURCE_CATALOG_FIELDS,
    StepsRead,
    steps_read,
    version_path_steps,
    version_resource_titles,
    version_steps,
    version_steps_read,
)

__all__ = [
    "SHARE_PERMISSIONS",
    "STEP_PROGRESS_FIELDS",
    "STEP_RESOURCE_CATALOG_FIELDS",
    "ProgressRead",
    "RegenerationKeeps",
    "RoadmapPath",
    "RoadmapSummary",
    "StepsRead",
    "VersionRead",
    "regeneration_keeps",
    "roadmap_detail_for_reader",
    "roadmap_get_for_owner",
    "roadmap_ids_shared_with",
    "roadmap_list_for_owner",
    "roadmap_list_for_reader",
    "roadmap_path_for_owner",
    "roadmap_shares_list",
    "roadmap_summaries_for_owner",
    "roadmap_version_for_owner",
    "steps_read",
    "version_cache_key",
    "version_path_steps",
    "version_progress_read",
    "version_resource_titles",
    "version_steps",
    "version_steps_read",
    "with_catalog_version",
]
