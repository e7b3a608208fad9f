"""Who may review candidates. The Curators group gets the candidate
permissions with the catalog's (``catalog.groups.CANDIDATE_REVIEW_PERMISSIONS``)."""

from __future__ import annotations

from typing import Any


def user_can_review_candidates(user: Any) -> bool:
    return user.is_active and user.has_perm("sources.change_candidate")
