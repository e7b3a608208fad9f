"""Choice groups on a learner's roadmap: switching the chosen member.

The planner records on each roadmap step which choice group it was chosen
from and why (``planner.domain.choices``). A learner who wants another member
picks it: the pick is stored with the profile's onboarding answers
(``raw_answers["choices"]``, which the normaliser reads as the strongest
signal) and the roadmap is regenerated with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

import structlog

from learners.models import LearnerProfile
from wayfinder.errors import InvalidInput, NotFound

from ..domain.choices import parse_picks, picks_kept
from ..models import PlanningJob
from ..selectors import catalog_graph_get
from .jobs import roadmap_regenerate

logger = structlog.get_logger(__name__)


def roadmap_choice_change(
    *,
    roadmap_id: int,
    actor: AbstractBaseUser,
    group: str,
    members: Sequence[str],
) -> PlanningJob:
    """Pick ``members`` of choice group ``group`` for the actor's roadmap and
    regenerate it with them.

    The pick joins the profile's onboarding answers (so later plans keep it,
    until the learner picks again) in the same transaction as the
    regeneration job: when a regeneration is already running nothing is
    stored. Returns the new planning job. Raises NotFound when the roadmap is
    not the actor's; InvalidInput (field ``members``) for an unknown group or
    a slug that is not one of its members; Conflict (``regeneration_running``,
    the job in ``details``) while the roadmap is being regenerated.
    """
    graph = catalog_graph_get()
    if group not in graph.groups:
        raise NotFound("No such choice group.")
    try:
        (pick,) = parse_picks({group: list(members)}, graph)
    except ValueError as exc:
        raise InvalidInput(fields={"members": [str(exc)]}) from None
    with transaction.atomic():
        profile = (
            LearnerProfile.objects.select_for_update()
            .filter(roadmaps__pk=roadmap_id, roadmaps__owner_id=actor.pk)
            .first()
        )
        if profile is None:
            raise NotFound("No such roadmap.")
        raw = dict(profile.raw_answers or {})
        picks = picks_kept(raw.get("choices"), graph)
        picks[group] = list(pick.members)
        raw["choices"] = dict(sorted(picks.items()))
        profile.raw_answers = raw
        profile.save(update_fields=["raw_answers", "updated_at"])
        job = roadmap_regenerate(roadmap_id=roadmap_id, actor=actor)
    logger.info(
        "choice changed", roadmap_id=roadmap_id, group=group, members=pick.members
    )
    return job
